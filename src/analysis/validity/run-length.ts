/**
 * A run shorter than its pattern needs.
 *   warn  a soak whose constant load lasted under 30 minutes: slow leaks may not show, results
 *         are exploratory (the same bound as the soak pattern's own, plan/patterns.ts)
 *   warn  a stepped run (stress, breakpoint, or 3+ holds) with holds under 10 s: latency has no
 *         time to settle (each hold also leaves out its first second); the last step of a run
 *         stopped early is not counted
 *
 * What is measured: each hold's span in the run (from the plan's stages, cut at the run's end), in
 * seconds. A run's end lands a few ms to a few hundred ms before its planned end (the last timeline
 * point is partial), which is no design flaw: a hold counts as short only when it is half a second
 * or more under the bound, and the shortest is written with one decimal, so the figure quoted is
 * always visibly under the bound it is compared with (never "under 10 s (shortest 10 s)").
 */
import type { Result, ValidityNote } from '../../result/types.js';
import type { Evidence } from '../evidence.js';
import * as w from '../wording.js';

const SOAK_MIN_SEC = 30 * 60;
const STEP_MIN_SEC = 10;
/** how far under STEP_MIN_SEC a hold must be to count as short: the run's end may cut the last one by < 1 timeline point */
const STEP_SLACK_SEC = 0.5;

export function runLength(result: Result, ev: Evidence): ValidityNote[] {
  const notes: ValidityNote[] = [];
  const type = result.plan?.pattern?.type;
  if (type === 'soak') {
    const hold = ev.stretches[0] ? ev.stretches[0].endSec - ev.stretches[0].startSec : 0;
    if (hold < SOAK_MIN_SEC) {
      notes.push({
        id: 'short-soak',
        severity: 'warn',
        message: `the soak held its load for ${w.duration(hold)}, under 30 minutes: slow leaks and gradual degradation may not show yet — treat the result as exploratory.`,
      });
    }
  }
  // a run stopped early (guard, Ctrl-C) cuts its last step short: that is the stop, not the design
  const cut = result.stop?.reason === 'aborted' || result.stop?.reason === 'interrupted';
  const last = ev.steps[ev.steps.length - 1];
  const holds = ev.steps.filter((s) => s.shape === 'hold' && !(cut && s === last));
  if (type === 'stress' || type === 'breakpoint' || holds.length >= 3) {
    const short = holds.filter((s) => s.endSec - s.startSec <= STEP_MIN_SEC - STEP_SLACK_SEC);
    if (short.length) {
      const len = Math.min(...short.map((s) => s.endSec - s.startSec));
      // one decimal under 100 s: the quoted shortest hold stays under the bound (≤ 9.5 s, never "10 s")
      const lenText = len < 100 ? `${w.num(len, 1)} s` : w.duration(len);
      notes.push({
        id: 'short-steps',
        severity: 'warn',
        message: `${short.length} of ${holds.length} constant-load steps lasted under ${STEP_MIN_SEC} s (the shortest held its load for ${lenText}): latency has no time to settle, so per-step figures and the knee are rough — use steps of ${STEP_MIN_SEC} s or more.`,
      });
    }
  }
  return notes;
}
