/**
 * cold-start — "errors only in the first spike, then fine".
 *
 * Candidates: the start of the run (from t = 0 to the end of the first hold, so a short initial
 * ramp is included), and every hold of at least 10 s whose load is not lower than the step
 * before (a drop in load drains a backlog, which is recovery, not a cold start). In a candidate:
 *   typical  the median per-interval p95 of its last 60%
 *   bad      an interval with p95 ≥ 3× typical (and ≥ typical + MIN_LATENCY_RISE_MS, 20 ms), or ≥ 5% errors
 * It is a cold start when the bad intervals sit at the start (the first or second interval is
 * bad, at least 2 are, and at least 70% of the intervals up to the last bad one are bad), the last 60% does not
 * relapse — no bad interval there has ≥ 5% errors or a p95 of at least half the head's (the median
 * p95 of its bad intervals): a one-second blip far below the cold head (a GC pause, a busy machine
 * delaying the generator) does not undo a recovery — its error rate is under the budget and its
 * p95 under the SLO's p95 bound — it recovered at the same load. Strength: max(errors in the bad head (1% → 0, 10% → 1), head p95 over typical
 * (2× → 0, 6× → 1)). Confidence = 0.45 + 0.45 × strength (+0.1 at the run's start); gate 0.2.
 * A second in which requests were outstanding and none came back (evidence.ts isHung) is a bad
 * one with all its requests failed: a service that answers nothing for its first seconds is cold.
 */
import type { Diagnosis, TimelinePoint } from '../../result/types.js';
import { failedShare, isHung, MIN_LATENCY_RISE_MS, type Evidence } from '../evidence.js';
import { mergeHistograms, percentileMs } from '../../metrics/histogram.js';
import { median, ramp } from '../stats.js';
import * as w from '../wording.js';
import { diagnosis } from './diagnosis.js';

interface Candidate {
  points: TimelinePoint[];
  atRunStart: boolean;
  load: number | null;
}

const reqs = (p: TimelinePoint): number => p.rps * (p.durationSec ?? 1);

function p95Of(points: TimelinePoint[]): number | null {
  const withReq = points.filter((p) => reqs(p) > 0);
  if (withReq.length && withReq.every((p) => p.hdr)) return percentileMs(mergeHistograms(withReq.map((p) => p.hdr)), 95);
  const v = withReq.filter((p) => p.latencyMs).map((p) => p.latencyMs!.p95);
  return v.length ? median(v) : null;
}

export function coldStart(ev: Evidence): Diagnosis | null {
  const timeline = [...(ev.result.timeline ?? [])].sort((a, b) => a.t - b.t);
  if (timeline.length < 10) return null;
  const steps = ev.steps;
  const loadOf = (i: number): number | null => (ev.curve.kind === 'offered' ? steps[i]!.offeredRps : ev.curve.kind === 'vus' ? steps[i]!.vus : null);
  const candidates: Candidate[] = [];
  const firstHold = steps.findIndex((s) => s.shape === 'hold');
  if (firstHold >= 0 && steps[firstHold]!.startSec <= 30) {
    const end = steps[firstHold]!.endSec;
    candidates.push({ points: timeline.filter((p) => p.t < end), atRunStart: true, load: loadOf(firstHold) });
  } else if (steps.length === 0 || ev.curve.kind === 'achieved') {
    candidates.push({ points: timeline.slice(0, Math.min(timeline.length, 60)), atRunStart: true, load: null });
  }
  steps.forEach((s, i) => {
    if (s.shape !== 'hold' || i === firstHold || s.endSec - s.startSec < 10) return;
    const prev = i > 0 ? loadOf(i - 1) : null;
    const cur = loadOf(i);
    if (prev !== null && cur !== null && prev > cur * 1.1) return;
    candidates.push({ points: s.allPoints, atRunStart: false, load: cur });
  });

  let best: { conf: number; evidence: string[] } | null = null;
  for (const c of candidates) {
    // a second in which requests were outstanding and none came back is bad, not empty
    const pts = c.points.filter((p) => reqs(p) > 0 || p.errors > 0 || isHung(p));
    if (pts.length < 8) continue;
    const tailFrom = Math.floor(pts.length * 0.4);
    const tail = pts.slice(tailFrom);
    const typical = median(tail.filter((p) => p.latencyMs).map((p) => p.latencyMs!.p95));
    const errShare = (p: TimelinePoint): number => failedShare(p) ?? 0;
    const isBad = (p: TimelinePoint): boolean =>
      errShare(p) >= 0.05 || (p.latencyMs !== null && Number.isFinite(typical) && p.latencyMs.p95 >= 3 * typical && p.latencyMs.p95 >= typical + MIN_LATENCY_RISE_MS);
    let lastBad = -1;
    pts.forEach((p, i) => {
      if (i < tailFrom && isBad(p)) lastBad = i;
    });
    if (lastBad < 0 || !(isBad(pts[0]!) || isBad(pts[1]!))) continue;
    const head = pts.slice(0, lastBad + 1);
    // one slow second at a step's start is a blip (a new connection, a GC); a cold start lasts
    if (head.length < 2 || head.filter(isBad).length < Math.max(2, 0.7 * head.length)) continue;
    const headBadP95 = median(head.filter((p) => isBad(p) && p.latencyMs !== null).map((p) => p.latencyMs!.p95));
    const relapse = (p: TimelinePoint): boolean =>
      isBad(p) && (errShare(p) >= 0.05 || !Number.isFinite(headBadP95) || (p.latencyMs !== null && p.latencyMs.p95 >= 0.5 * headBadP95));
    if (tail.some(relapse)) continue;
    const tailReq = tail.reduce((a, p) => a + reqs(p), 0);
    const tailErr = tailReq > 0 ? tail.reduce((a, p) => a + p.errors, 0) / tailReq : 0;
    const tailP95 = p95Of(tail);
    const p95Bound = ev.slo.latency.find((b) => b.aggregation.kind === 'percentile' && b.aggregation.p === 95)?.valueMs;
    if (tailErr > ev.slo.errorBudget || tailP95 === null || (p95Bound !== undefined && tailP95 >= p95Bound)) continue;
    const headReq = head.reduce((a, p) => a + reqs(p), 0);
    const headErrN = head.reduce((a, p) => a + p.errors, 0);
    const headErr = headReq > 0 ? headErrN / headReq : 1;
    const headP95 = Math.max(...head.filter((p) => p.latencyMs).map((p) => p.latencyMs!.p95), 0);
    const strength = Math.max(ramp(headErr, 0.01, 0.1), ramp(headP95 / Math.max(typical, 1e-6), 2, 6));
    if (strength < 0.2) continue;
    const conf = 0.45 + 0.45 * strength + (c.atRunStart ? 0.1 : 0);
    const t0 = head[0]!.t;
    const t1 = head[head.length - 1]!.t + (head[head.length - 1]!.durationSec ?? 1);
    const where = c.atRunStart ? 'of the run' : `of the step at ${c.load !== null ? w.load(c.load, ev.unit) : `${w.num(t0)} s`}`;
    const evidence = [
      `in the first ${w.duration(t1 - t0)} ${where} ${headErrN > 0 ? `${w.pct(headErr)} of requests failed (${headErrN}) and ` : ''}p95 reached ${w.ms(headP95)}`,
      `afterwards, ${c.load !== null ? `at the same ${w.load(c.load, ev.unit)}` : 'at the same load'}, errors were ${w.pct(tailErr)} and p95 ${w.ms(tailP95)}: it recovered without a change in load`,
    ];
    if (!best || conf > best.conf) best = { conf, evidence };
  }
  if (!best) return null;
  return diagnosis(
    'cold-start',
    'Cold start: errors and latency concentrated in the first seconds, then fine',
    best.conf,
    best.evidence,
    'Warm the service before it takes traffic: a readiness check that passes only after caches are filled, connection pools opened and hot code paths exercised (a warm-up request loop), ' +
      'and in rollouts a slow start (ramp traffic to new instances). Expect the first seconds to look like the rest of the step: no error burst, p95 at its steady value.',
    'performance-optimizer',
  );
}
