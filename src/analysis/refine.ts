/**
 * A breakpoint's capacity to the precision asked for: the coarse steps bracket the knee, then
 * bisection narrows the bracket while the run goes on.
 *
 * The bracket. Let L be the service's limit: the lowest offered rate at which a step fails the SLO
 * (for a service whose SLO judgement is monotone in load, every rate below L meets it and every
 * rate at or above L fails). A step at rate r that met the SLO proves r < L; one that failed proves
 * L ≤ r. The coarse ramp (P/4, 2P/4, …) stops being informative at its first failed step F: with
 * M the step before it (which met), L ∈ (M, F]. The bracket [M, F] only shrinks from then on:
 *
 *     next rate   x = (M + F) / 2
 *     x met       M ← x          x failed    F ← x
 *
 * so it always contains L (each update keeps M < L ≤ F), and its width W = F − M halves per step.
 *
 * The stopping rule. Stop when W ≤ p · M, the precision p (5% by default) relative to the lower
 * end: the capacity is then known to within p of the figure reported (max sustainable = M).
 * M never decreases, so with W₀ and M₀ the bracket when bisection starts, k steps suffice once
 * W₀ / 2^k ≤ p · M₀, i.e. the refinement adds at most ⌈log₂(W₀ / (p · M₀))⌉ steps, each a ramp and
 * a hold as long as the coarse steps' (its judgement needs the same settling). It also stops when
 * the next step would end after the pattern's own duration (the maximum), when the run's stop
 * rules end it, or when a step cannot be judged (no request finished in its window).
 *
 * The online judgement is the analysis's: the hold's seconds after its settle time (steps.ts
 * `settleSecFor`) and before its last second (so that the verdict is in when the hold ends), histograms merged (never percentiles averaged), requests still outstanding at
 * the window's end counted at their age (`withStalled`), judged with `judgeSlo` against the plan's
 * SLO. The after-run analysis judges the same holds again from the timeline; the two agree up to
 * the hold's extra second or so (a refinement hold lasts until the engine learns its verdict).
 */
import { decodeHistogram, mergeHistograms, percentileMs, withStalled } from '../metrics/histogram.js';
import type { RefinePlan } from '../plan/patterns.js';
import type { Stage } from '../plan/schema.js';
import type { Refinement } from '../result/types.js';
import { judgeSlo, type Slo } from './slo.js';
import { settleSecFor } from './steps.js';

/** The bracket of the limit: `metRps` met the SLO, `failedRps` did not. */
export interface Bracket {
  metRps: number;
  failedRps: number;
}

/** Stopping rule: the bracket is within `precision` (a fraction) of its lower end. */
export function bracketDone(b: Bracket, precision: number): boolean {
  return b.failedRps - b.metRps <= precision * b.metRps;
}

/** The next rate to try: the bracket's middle. */
export function bisect(b: Bracket): number {
  return (b.metRps + b.failedRps) / 2;
}

/** One step's verdict narrows the bracket. */
export function narrow(b: Bracket, rate: number, met: boolean): Bracket {
  return met ? { metRps: Math.max(b.metRps, rate), failedRps: b.failedRps } : { metRps: b.metRps, failedRps: Math.min(b.failedRps, rate) };
}

/** The most bisection steps a bracket needs: ⌈log₂(W₀ / (p · M₀))⌉, 0 when already fine enough. */
export function maxRefineSteps(b: Bracket, precision: number): number {
  const w = b.failedRps - b.metRps;
  const tol = precision * b.metRps;
  return w <= tol ? 0 : Math.ceil(Math.log2(w / tol));
}

/** One second of the run as the refinement reads it (a SecondRecord's totals). */
export interface RefineSecond {
  t: number;
  durationSec: number;
  requests: number;
  errors: number;
  hdr: string | null;
  outstandingHdr?: string | null;
}

/** A judged step, coarse or refinement. */
export type RefineStep = Refinement['steps'][number];

export type RefineStop = NonNullable<Refinement['stoppedBy']>;

/** What the refinement did, for the result (`result.refinement`). */
export type RefineReport = Refinement;

/** A schedule change for the engine (RunHandle.retarget). */
export interface RefineAction {
  atSec: number;
  stages: Stage[];
  open: boolean;
}

interface Hold {
  phase: 'coarse' | 'refine';
  rate: number;
  startSec: number;
  endSec: number;
}

/** The holds of a stage list: a stage whose target equals the previous one's. */
function holdsOf(stages: readonly Stage[]): Hold[] {
  const out: Hold[] = [];
  let t = 0;
  let prev = 0;
  for (const s of stages) {
    const d = s.durationMs / 1000;
    if (s.target === prev && s.target > 0 && d >= 1) out.push({ phase: 'coarse', rate: s.target, startSec: t, endSec: t + d });
    t += d;
    prev = s.target;
  }
  return out;
}

/**
 * Where a hold's judged window ends: one second before the hold does (for holds of 3 s or more),
 * so that the verdict is known when the hold ends and the next step starts on time instead of the
 * coarse ramp climbing on while the engine waits for the last second.
 */
function verdictSecOf(h: Hold): number {
  return h.endSec - h.startSec >= 3 ? h.endSec - 1 : h.endSec;
}

const r2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * The refinement's state machine, fed one merged second at a time (in order). `push` returns the
 * schedule change to make, if any; the caller applies it (RunHandle.retarget) and calls `refused`
 * when the engine could not.
 */
export class Refiner {
  private readonly holds: Hold[];
  private readonly maxEndSec: number;
  private readonly seconds: RefineSecond[] = [];
  private current: Hold | null;
  private coarseIndex = 0;
  private met: number | null = null;
  private bracket: Bracket | null = null;
  private done = false;
  private stoppedBy: RefineStop | null = null;
  private readonly steps: RefineStep[] = [];
  private refineSteps = 0;
  private firstRetargetSec: number | null = null;
  private endSec: number | null = null;
  /** the instant of the last change returned, until `applied` */
  private pendingAt: number | null = null;

  /**
   * @param stages the coarse schedule (the breakpoint's stages)
   * @param leadSec how far ahead of the last merged second a change takes effect (rounded up to a whole second)
   */
  constructor(
    stages: readonly Stage[],
    private readonly plan: RefinePlan,
    private readonly slo: Slo,
    private readonly leadSec = 0.3,
  ) {
    this.holds = holdsOf(stages);
    this.maxEndSec = stages.reduce((a, s) => a + s.durationMs, 0) / 1000;
    this.current = this.holds[0] ?? null;
    if (this.current === null) this.finish('not-reached');
  }

  push(sec: RefineSecond): RefineAction | null {
    if (this.done || this.current === null) return null;
    this.seconds.push(sec);
    const h = this.current;
    const end = sec.t + sec.durationSec;
    if (end < verdictSecOf(h) - 1e-6) {
      // keep only what the current hold can still need
      while (this.seconds.length && this.seconds[0]!.t + this.seconds[0]!.durationSec <= h.startSec + 1e-6) this.seconds.shift();
      return null;
    }
    const step = this.judge(h);
    this.seconds.length = 0;
    this.steps.push(step);
    // nothing finished in the window, or an objective the figures cannot judge: no verdict
    if (step.requests === 0 || step.p95Ms === null || (!step.met && step.failures.length === 0)) return this.finish('unjudged', end);
    if (h.phase === 'coarse' && this.bracket === null) {
      if (step.met) {
        this.met = h.rate;
        this.coarseIndex++;
        this.current = this.holds[this.coarseIndex] ?? null;
        if (this.current === null) this.finish('not-reached');
        return null;
      }
      if (this.met === null) return this.finish('below-first-step', end);
      this.bracket = { metRps: this.met, failedRps: h.rate };
    } else {
      this.bracket = narrow(this.bracket!, h.rate, step.met);
    }
    if (bracketDone(this.bracket, this.plan.precision)) return this.finish('precision', end);
    const atSec = Math.ceil(end + this.leadSec);
    const rate = r2(bisect(this.bracket));
    const stepEnd = atSec + (this.plan.rampMs + this.plan.holdMs) / 1000;
    if (stepEnd > this.maxEndSec) return this.finish('max-duration', end);
    this.current = { phase: 'refine', rate, startSec: atSec + this.plan.rampMs / 1000, endSec: stepEnd };
    this.refineSteps++;
    if (this.firstRetargetSec === null) this.firstRetargetSec = atSec;
    this.pendingAt = atSec;
    // the ramp to the new rate, then an open hold: it lasts until this step's verdict
    return { atSec, stages: [{ durationMs: this.plan.rampMs, target: rate }], open: true };
  }

  /**
   * The engine applied the last change at `atSec` (later than asked when the verdict came late):
   * the step's hold moves with it.
   */
  applied(atSec: number): void {
    if (this.pendingAt === null) return;
    const shift = atSec - this.pendingAt;
    if (this.current && shift !== 0) this.current = { ...this.current, startSec: this.current.startSec + shift, endSec: this.current.endSec + shift };
    if (this.endSec === this.pendingAt) this.endSec = atSec;
    if (this.firstRetargetSec === this.pendingAt) this.firstRetargetSec = atSec;
    this.pendingAt = null;
  }

  /** The engine could not apply the last change (the run is stopping, or its schedule ended). */
  refused(): void {
    if (this.current?.phase === 'refine') this.refineSteps--;
    this.done = true;
    this.current = null;
    this.stoppedBy ??= 'schedule-ended';
  }

  /** The run ended before the refinement did: its stop rules (or an interrupt) stopped it. */
  runEnded(stopped: boolean, endSec: number): void {
    if (this.done) return;
    this.done = true;
    if (this.endSec === null) this.endSec = endSec;
    this.stoppedBy = stopped ? 'stop-rule' : this.bracket ? 'schedule-ended' : 'not-reached';
  }

  report(): RefineReport {
    const b = this.bracket;
    const added = this.firstRetargetSec !== null && this.endSec !== null ? Math.max(0, this.endSec - this.firstRetargetSec) : 0;
    return {
      precisionPct: Math.round(this.plan.precision * 1000) / 10,
      steps: this.steps,
      bracket: b ? { metRps: r2(b.metRps), failedRps: r2(b.failedRps) } : null,
      achievedPct: b ? Math.round(((b.failedRps - b.metRps) / b.metRps) * 1000) / 10 : null,
      stoppedBy: this.stoppedBy,
      refineSteps: this.refineSteps,
      addedSec: Math.round(added),
    };
  }

  private finish(why: RefineStop, atEndSec?: number): RefineAction | null {
    this.done = true;
    this.current = null;
    this.stoppedBy = why;
    if (atEndSec === undefined) return null;
    // end the schedule: the capacity is known as finely as asked (or can be no finer)
    const atSec = Math.ceil(atEndSec + this.leadSec);
    this.endSec = atSec;
    this.pendingAt = atSec;
    return { atSec, stages: [], open: false };
  }

  private judge(h: Hold): RefineStep {
    const holdSec = h.endSec - h.startSec;
    const fromSec = h.startSec + settleSecFor('hold', holdSec);
    const toSec = verdictSecOf(h);
    const win = this.seconds.filter((s) => s.t >= fromSec - 1e-6 && s.t < toSec - 1e-6);
    const requests = win.reduce((a, s) => a + s.requests, 0);
    const errors = win.reduce((a, s) => a + s.errors, 0);
    const last = win[win.length - 1];
    const ended = win.some((s) => s.hdr) ? mergeHistograms(win.map((s) => s.hdr)) : null;
    const stalled = last?.outstandingHdr ? decodeHistogram(last.outstandingHdr) : null;
    const hist = withStalled(ended, stalled);
    const has = hist !== null && hist.totalCount > 0;
    const latencyMs = has ? { p50: percentileMs(hist, 50), p95: percentileMs(hist, 95), p99: percentileMs(hist, 99) } : null;
    const errorRate = requests > 0 ? errors / requests : 0;
    const j = judgeSlo(
      { latencyMs, meanMs: has ? Math.round(hist.mean) / 1000 : null, maxMs: has ? Math.round(hist.maxValue) / 1000 : null, errorRate, histogram: has ? hist : null },
      this.slo,
    );
    return {
      phase: h.phase,
      offeredRps: h.rate,
      fromSec,
      toSec,
      met: j.pass,
      requests,
      errorRate: Math.round(errorRate * 10000) / 10000,
      p95Ms: latencyMs ? latencyMs.p95 : null,
      failures: j.failures,
    };
  }
}
