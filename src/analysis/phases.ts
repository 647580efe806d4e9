/**
 * Phases of the load curve: the linear region, the knee, the collapse.
 *
 * Linear: the system keeps up and latency is flat. A level is linear when
 *   - throughput tracks the load: achieved ≥ 95% of offered (open model), or the throughput per
 *     VU stays ≥ 95% of the first level's (closed model);
 *   - p95 ≤ max(1.5 × baseline, baseline + 2 ms), baseline = the lowest p95 of the first three
 *     levels (the 2 ms absolute slack keeps scheduler noise on sub-millisecond services from
 *     ending the region);
 *   - the error rate is within the SLO's budget.
 * `linearUntilRps` is the achieved rate of the last level of the unbroken linear run from the start.
 *
 * Knee: Kneedle (kneedle.ts, S = 1) on achieved-vs-load (concave, increasing) and on p95-vs-load
 * (convex, increasing). A throughput knee counts only if throughput really departs from linear at
 * or after it, a latency knee only if p95 really rises (past the linear bound) after it — Kneedle
 * normalises, so it would find a "knee" in noise on a flat curve. The earlier of the two is the
 * knee (latency usually turns before throughput flattens). With no Kneedle knee but a departure
 * from linear, the last linear level is the knee. It is cross-checked against the USL peak N*
 * when a fit exists (noted, not overridden).
 *
 * Collapse: the first level with the error rate over the budget, achieved < 95% of offered (open
 * model), or achieved falling below 95% of the best earlier level while the load rose. Its `rps`
 * is the offered rate there (the load that broke it) when known, else the achieved rate.
 */
import { kneedle } from './kneedle.js';
import { levelLatency, loadUnit, type LoadCurve, type Level } from './load-curve.js';
import type { Slo } from './slo.js';
import type { UslFit } from './usl.js';
import type { Analysis } from '../result/types.js';
import * as w from './wording.js';

export interface PhaseFindings {
  phases: Analysis['phases'];
  /**
   * index of the last level of the linear region, -1 when the first level already was not linear,
   * null when linearity could not be judged (unknown load axis, a single level)
   */
  linearEnd: number | null;
  kneeIndex: number | null;
  collapseIndex: number | null;
  baselineP95Ms: number | null;
}

/** The linear-region latency bound for a baseline p95. */
export function latencyBoundMs(baselineP95Ms: number): number {
  return Math.max(1.5 * baselineP95Ms, baselineP95Ms + 2);
}

/** The lowest p95 among the first three levels: the latency of an unloaded system. */
export function baselineP95(levels: readonly Level[]): number | null {
  const p = levels
    .slice(0, 3)
    .map((l) => l.latencyMs?.p95)
    .filter((x): x is number => typeof x === 'number' && x > 0);
  return p.length ? Math.min(...p) : null;
}

function throughputLinear(curve: LoadCurve, i: number): boolean {
  const l = curve.levels[i]!;
  if (curve.kind === 'offered') return l.rps >= 0.95 * l.offeredRps!;
  if (curve.kind === 'vus') {
    const first = curve.levels[0]!;
    return l.vus! > 0 && first.vus! > 0 && l.rps / l.vus! >= 0.95 * (first.rps / first.vus!);
  }
  return true;
}

function errorsOver(l: Level, slo: Slo): boolean {
  return slo.errorInclusive ? l.errorRate > slo.errorBudget : l.errorRate >= slo.errorBudget && l.errorRate > 0;
}

export function findPhases(curve: LoadCurve, slo: Slo, usl: UslFit | null): PhaseFindings {
  const levels = curve.levels;
  const notes: string[] = [];
  const unit = loadUnit(curve.kind);
  const empty: PhaseFindings = {
    phases: { linearUntilRps: null, knee: null, collapse: null, notes },
    linearEnd: null,
    kneeIndex: null,
    collapseIndex: null,
    baselineP95Ms: null,
  };
  if (levels.length === 0) {
    notes.push('no steps: phases could not be judged');
    return empty;
  }
  const base = baselineP95(levels);
  const bound = base === null ? Infinity : latencyBoundMs(base);
  const latencyLinear = (l: Level): boolean => l.latencyMs !== null && l.latencyMs.p95 <= bound;
  const isLinear = (i: number): boolean => throughputLinear(curve, i) && latencyLinear(levels[i]!) && !errorsOver(levels[i]!, slo);

  // Linear region
  // Linearity is a relation between load and response: it needs a known load axis and two levels.
  let linearEnd: number | null = null;
  if (curve.kind === 'achieved') {
    notes.push('no linear region: the offered load was not recorded, so whether throughput kept up with it cannot be judged');
  } else if (levels.length < 2) {
    notes.push('no linear region: a single load level shows no relation between load and response');
  } else {
    let i = -1;
    while (i + 1 < levels.length && isLinear(i + 1)) i++;
    linearEnd = i;
  }

  // Collapse
  let collapseIndex: number | null = null;
  let bestRps = 0;
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    const short = curve.kind === 'offered' && l.rps < 0.95 * l.offeredRps!;
    const falling = curve.kind !== 'achieved' && i > 0 && l.rps < 0.95 * bestRps;
    if (errorsOver(l, slo) || short || falling) {
      collapseIndex = i;
      const why = errorsOver(l, slo)
        ? `errors reached ${w.pct(l.errorRate)} (budget ${w.pct(slo.errorBudget)})`
        : short
          ? `the target completed ${w.rps(l.rps)} of the ${w.rps(l.offeredRps!)} offered`
          : `throughput fell to ${w.rps(l.rps)} from ${w.rps(bestRps)} while the load rose to ${w.load(l.load, unit)}`;
      notes.push(`collapse at ${w.load(l.load, unit)}: ${why}`);
      break;
    }
    bestRps = Math.max(bestRps, l.rps);
  }

  // Knee
  let kneeIndex: number | null = null;
  if (curve.kind === 'achieved') {
    notes.push('no knee: the load axis is unknown (only achieved throughput was recorded)');
  } else if (levels.length < 3) {
    notes.push(`no knee: Kneedle needs at least 3 load levels, the run has ${levels.length}`);
  } else {
    const xs = levels.map((l) => l.load);
    const candidates: Array<{ i: number; what: string }> = [];
    const tk = kneedle(
      xs,
      levels.map((l) => l.rps),
      { curve: 'concave', direction: 'increasing' },
    ).knee;
    if (tk && levels.slice(tk.index).some((_, k) => !throughputLinear(curve, tk.index + k))) {
      candidates.push({ i: tk.index, what: 'throughput flattens' });
    }
    // a level in which nothing came back with a latency reads as the worst one (levelLatency)
    const p95s = levels.map((l) => levelLatency(levels, l, (x) => x.p95));
    if (p95s.every((v) => v !== null)) {
      const lk = kneedle(
        xs,
        p95s as number[],
        { curve: 'convex', direction: 'increasing' },
      ).knee;
      if (lk && levels.slice(lk.index + 1).some((l) => !latencyLinear(l))) candidates.push({ i: lk.index, what: 'p95 starts rising' });
    }
    if (candidates.length) {
      const first = candidates.reduce((a, b) => (b.i < a.i ? b : a));
      kneeIndex = first.i;
      const l = levels[first.i]!;
      notes.push(
        `knee at ${w.load(l.load, unit)} (Kneedle: ${candidates
          .sort((a, b) => a.i - b.i)
          .map((c) => `${c.what} at ${w.load(levels[c.i]!.load, unit)}`)
          .join('; ')})`,
      );
    } else if (linearEnd !== null && linearEnd >= 0 && linearEnd < levels.length - 1) {
      kneeIndex = linearEnd;
      notes.push(`Kneedle found no knee; the knee is taken as the last linear level, ${w.load(levels[linearEnd]!.load, unit)}`);
    } else if (linearEnd === levels.length - 1) {
      notes.push('no knee: the system stayed linear at every load tried');
    }
    if (kneeIndex !== null && collapseIndex !== null && kneeIndex >= collapseIndex) {
      kneeIndex = collapseIndex > 0 ? collapseIndex - 1 : null;
      if (kneeIndex !== null) notes.push(`the knee is placed before the collapse, at ${w.load(levels[kneeIndex]!.load, unit)}`);
    }
  }

  // USL cross-check
  if (usl && usl.peakConcurrency !== null && usl.r2 >= 0.8 && kneeIndex !== null) {
    const nMax = Math.max(...levels.map((l) => l.concurrency));
    const k = levels[kneeIndex]!;
    if (usl.peakConcurrency <= nMax * 1.5) {
      const agree = usl.peakThroughput !== null && Math.abs(usl.peakThroughput - k.rps) <= 0.15 * k.rps;
      notes.push(
        `USL peak: concurrency ${w.num(usl.peakConcurrency)} at ${w.rps(usl.peakThroughput ?? 0)} (r² ${w.num(usl.r2, 3)}); ` +
          (agree ? 'agrees with the knee' : `the knee's throughput is ${w.rps(k.rps)} — the two disagree by more than 15%`),
      );
    } else {
      notes.push(`USL peak concurrency ${w.num(usl.peakConcurrency)} lies beyond the concurrencies measured (up to ${w.num(nMax)}): no cross-check`);
    }
  }

  const knee = kneeIndex === null ? null : levels[kneeIndex]!;
  const collapse = collapseIndex === null ? null : levels[collapseIndex]!;
  const round = (x: number): number => Math.round(x * 10) / 10;
  return {
    phases: {
      linearUntilRps: linearEnd !== null && linearEnd >= 0 ? round(levels[linearEnd]!.rps) : null,
      knee: knee && knee.latencyMs ? { rps: round(knee.rps), p95Ms: knee.latencyMs.p95 } : null,
      collapse: collapse ? { rps: round(collapse.offeredRps ?? collapse.rps), errorRate: Math.round(collapse.errorRate * 1e4) / 1e4 } : null,
      notes,
    },
    linearEnd,
    kneeIndex,
    collapseIndex,
    baselineP95Ms: base,
  };
}
