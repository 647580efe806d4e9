/**
 * The six load patterns, expanded into stages scaled from `peak`.
 *
 * A stage ramps linearly from the previous stage's target (0 before the first) to its own target
 * over its duration, as in k6. A "step" in a stepped pattern is a short ramp followed by a hold;
 * the hold is what the analysis reads as one step of constant offered load.
 *
 * Default durations (peak = P, `pattern.duration` = D scales the whole shape when given):
 *   smoke      max(1, P/100) for 30s (1s ramp, 29s hold)        — does it work at all?
 *   load       0→P over 1/6, hold P 2/3, P→0 over 1/6 (D=6m)    — does it hold at the expected peak?
 *   stress     steps 50%,100%,150%,200% of P (ramp + hold), then down   — how does it degrade past peak?
 *   spike      baseline P/5, jump ×10 to 2P within 10s, hold, drop, recovery  — does it recover?
 *   soak       0→P 2m, hold P for D (default 30m, below 30m exploratory), P→0 1m — does it leak?
 *   breakpoint steps of P/4 up to 4P until an abort rule trips   — where is the capacity?
 */
import type { AbortExpr } from './thresholds.js';
import type { Pattern, PatternType, Plan, Stage } from './schema.js';

export interface ResolvedLoad {
  model: 'open' | 'closed';
  /** what the stages came from */
  source: 'stages' | PatternType;
  stages: Stage[];
  totalMs: number;
  /** abort rules: the plan's, plus the pattern's own stop rules (breakpoint) where the plan has none */
  abort: Record<string, AbortExpr[]>;
  /** sentences for `design`: what the pattern did and why */
  notes: string[];
  /** a soak shorter than 30 minutes: results are exploratory */
  exploratory: boolean;
  /** breakpoint: the adaptive refinement of the capacity (analysis/refine.ts), null when off */
  refine: RefinePlan | null;
}

/** How a breakpoint refines its capacity once its coarse steps bracket the knee. */
export interface RefinePlan {
  /** stop when (failed − met) ≤ precision × met; a fraction (0.05 = 5%) */
  precision: number;
  /** the coarse steps' ramp and hold, reused by every refinement step, ms */
  rampMs: number;
  holdMs: number;
  /** the plan wrote `precision` (a run that cannot refine then refuses, exit 2) */
  explicit: boolean;
}

/** Default precision of a breakpoint's capacity: 5%. */
export const DEFAULT_PRECISION = 0.05;

/** A breakpoint's step: its length and its ramp, ms (the hold is the rest). */
export function breakpointStepMs(pattern: Pick<Pattern, 'durationMs'>): { stepMs: number; rampMs: number } {
  const D = pattern.durationMs;
  const stepMs = D === undefined ? 30 * S : Math.max(2 * S, Math.floor(D / BREAKPOINT_STEPS / 1000) * 1000);
  const rampMs = Math.max(1000, Math.round(stepMs / 10 / 1000) * 1000);
  return { stepMs, rampMs };
}

const BREAKPOINT_STEPS = 16;

const S = 1000;
const M = 60 * S;

/** Minimum hold for a soak to count as one (shorter runs are labelled exploratory). */
export const SOAK_MIN_MS = 30 * M;

const round = (n: number): number => Math.round(n * 100) / 100;

/** Expands a pattern into stages. Pure: same input, same output. */
export function expandPattern(pattern: Pattern): Stage[] {
  const P = pattern.peak;
  const D = pattern.durationMs;
  const scaled = (shape: Stage[], defaultTotalMs: number): Stage[] => {
    if (D === undefined) return shape;
    const f = D / defaultTotalMs;
    return shape.map((s) => ({ durationMs: Math.max(1000, Math.round((s.durationMs * f) / 1000) * 1000), target: s.target }));
  };
  switch (pattern.type) {
    case 'smoke': {
      // A 1 s ramp then a hold: a single 30 s stage would ramp from 0 and average half the rate.
      const totalMs = Math.max(2 * S, D ?? 30 * S);
      const target = round(Math.max(1, P / 100));
      return [
        { durationMs: 1 * S, target },
        { durationMs: totalMs - 1 * S, target },
      ];
    }
    case 'load':
      return scaled(
        [
          { durationMs: 1 * M, target: P },
          { durationMs: 4 * M, target: P },
          { durationMs: 1 * M, target: 0 },
        ],
        6 * M,
      );
    case 'stress': {
      const shape: Stage[] = [];
      for (const f of [0.5, 1, 1.5, 2]) {
        shape.push({ durationMs: 30 * S, target: round(P * f) }, { durationMs: 2 * M, target: round(P * f) });
      }
      shape.push({ durationMs: 1 * M, target: 0 });
      return scaled(shape, 11 * M);
    }
    case 'spike': {
      const base = round(P / 5);
      return scaled(
        [
          { durationMs: 10 * S, target: base },
          { durationMs: 1 * M, target: base },
          { durationMs: 10 * S, target: base * 10 },
          { durationMs: 1 * M, target: base * 10 },
          { durationMs: 10 * S, target: base },
          { durationMs: 2 * M, target: base },
          { durationMs: 10 * S, target: 0 },
        ],
        4 * M + 40 * S,
      );
    }
    case 'soak':
      return [
        { durationMs: 2 * M, target: P },
        { durationMs: D ?? SOAK_MIN_MS, target: P },
        { durationMs: 1 * M, target: 0 },
      ];
    case 'breakpoint': {
      // 16 steps of P/4 each, up to 4P: the run is expected to stop early on an abort rule.
      const steps = BREAKPOINT_STEPS;
      const { stepMs, rampMs } = breakpointStepMs(pattern);
      const shape: Stage[] = [];
      for (let i = 1; i <= steps; i++) {
        const level = round((P / 4) * i);
        shape.push({ durationMs: rampMs, target: level }, { durationMs: stepMs - rampMs, target: level });
      }
      return shape;
    }
  }
}

/**
 * The breakpoint pattern's stop rules: error rate over 5% for 5s, or p95 more than 5× the SLO
 * (the plan's tightest p95 threshold; 2 s when there is none) for 5s.
 */
export function breakpointAbortRules(plan: Pick<Plan, 'thresholds'>): Record<string, AbortExpr[]> {
  const p95s = (plan.thresholds?.http_req_duration ?? [])
    .filter((t) => t.aggregation.kind === 'percentile' && t.aggregation.p === 95 && (t.op === '<' || t.op === '<='))
    .map((t) => t.value);
  const limitMs = p95s.length ? Math.max(5 * Math.min(...p95s), 100) : 2000;
  return {
    http_req_failed: [{ source: 'rate>0.05 for 5s', aggregation: { kind: 'rate' }, op: '>', value: 0.05, forMs: 5000 }],
    http_req_duration: [
      { source: `p(95)>${limitMs} for 5s`, aggregation: { kind: 'percentile', p: 95 }, op: '>', value: limitMs, forMs: 5000 },
    ],
  };
}

/** Resolves a plan's load: explicit stages win over the pattern; adds pattern stop rules. */
export function resolveLoad(plan: Plan): ResolvedLoad {
  const model = plan.load?.model ?? 'open';
  const notes: string[] = [];
  let stages: Stage[];
  let source: ResolvedLoad['source'];
  if (plan.load?.stages) {
    stages = plan.load.stages;
    source = 'stages';
    if (plan.pattern) notes.push(`explicit load.stages override the ${plan.pattern.type} pattern's own stages`);
  } else if (plan.pattern) {
    stages = expandPattern(plan.pattern);
    source = plan.pattern.type;
  } else {
    throw new Error('resolveLoad: plan has neither pattern nor load.stages (the schema forbids this)');
  }
  const abort: Record<string, AbortExpr[]> = { ...(plan.abort ?? {}) };
  if (plan.pattern?.type === 'breakpoint') {
    for (const [metric, rules] of Object.entries(breakpointAbortRules(plan))) {
      if (!abort[metric]) {
        abort[metric] = rules;
        notes.push(`breakpoint stop rule added: ${metric} ${rules.map((r) => r.source).join(', ')}`);
      }
    }
  }
  let exploratory = false;
  if (plan.pattern?.type === 'soak') {
    const holdMs = Math.max(0, ...stages.map((s) => s.durationMs));
    if (holdMs < SOAK_MIN_MS) {
      exploratory = true;
      notes.push(`the soak holds its peak for under 30 minutes: leaks and slow degradation may not show; results are exploratory`);
    }
  }
  let refine: RefinePlan | null = null;
  if (plan.pattern?.type === 'breakpoint') {
    const explicit = plan.pattern.precision !== undefined;
    const precision = plan.pattern.precision ?? DEFAULT_PRECISION;
    const pct = `${Math.round(precision * 1000) / 10}%`;
    if (plan.load?.stages) {
      if (explicit) notes.push(`precision ${pct} is not applied: explicit load.stages are run as written`);
    } else if (model === 'closed') {
      if (explicit) notes.push(`precision ${pct} is not applied: the closed model's load is VUs, and the refinement bisects an offered rate (open model)`);
    } else {
      const { stepMs, rampMs } = breakpointStepMs(plan.pattern);
      refine = { precision, rampMs, holdMs: stepMs - rampMs, explicit };
      notes.push(
        `once a step fails the SLO, the capacity is refined by bisection between the last step that met it and that one, until the bracket is within ${pct} of its lower end (holds of ${stepMs - rampMs} ms after ${rampMs} ms ramps)`,
      );
    }
  }
  const totalMs = stages.reduce((a, s) => a + s.durationMs, 0);
  return { model, source, stages, totalMs, abort, notes, exploratory, refine };
}
