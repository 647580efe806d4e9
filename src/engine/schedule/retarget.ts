/**
 * The stages a retargeted run actually ran (RateCurve.retarget on the stage list): the list is cut
 * at `atSec` — the stage holding that instant ends there, at the rate it had reached (a ramp cut
 * half-way ends at its half-way rate) — and the new stages follow. An open hold is a stage of
 * infinite length at the last target; the next retarget gives it its real length. Durations stay
 * whole milliseconds when `atSec` is.
 */
import type { Stage } from '../../plan/schema.js';

export function retargetStages(stages: readonly Stage[], atSec: number, next: readonly Stage[], openEnd: boolean): Stage[] {
  const atMs = Math.round(atSec * 1000);
  const out: Stage[] = [];
  let t = 0;
  let prev = 0;
  for (const s of stages) {
    if (t >= atMs) break;
    if (t + s.durationMs <= atMs) {
      out.push({ ...s });
    } else {
      const part = atMs - t;
      const rate = prev + ((s.target - prev) * part) / s.durationMs;
      out.push({ durationMs: part, target: Math.round(rate * 100) / 100 });
    }
    t += s.durationMs;
    prev = s.target;
  }
  out.push(...next.map((s) => ({ ...s })));
  const last = out[out.length - 1];
  if (openEnd && last) out.push({ durationMs: Infinity, target: last.target });
  return out;
}
