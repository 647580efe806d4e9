/**
 * The interpretation of a result, in one pure function: `analyze(result, opts)` returns a copy with
 * `steps`, `analysis` and `verdict` filled. It reads result data only — loadproof's own runs and
 * imported ones alike — and says what it could not judge instead of inventing numbers.
 *
 *   steps.ts      segment the run into steps, merge histograms per step
 *   load-curve.ts group the climbing steps into load levels
 *   usl.ts        fit the Universal Scalability Law to (concurrency, throughput) per level
 *   phases.ts     linear region, knee (Kneedle), collapse
 *   capacity.ts   max sustainable, breaking point, recommended max against the SLO (slo.ts)
 *   diagnose.ts   the root-cause rules (rules/), sorted by confidence
 *   validity.ts   can the numbers be trusted (validity/)
 *   red-flags.ts  plain statements that something is badly off
 */
import type { Analysis, Result, StepResult } from '../result/types.js';
import { verdictOf } from '../result/verdict.js';
import { DEFAULT_HEADROOM, estimateCapacity } from './capacity.js';
import { diagnose } from './diagnose.js';
import { buildEvidence, type Evidence } from './evidence.js';
import { buildLoadCurve, type Level } from './load-curve.js';
import { findPhases } from './phases.js';
import { redFlags } from './red-flags.js';
import { rankBySaturation, saturationOrder } from './saturation.js';
import { resolveSlo, type Slo } from './slo.js';
import { segmentSteps, toStepResult, type Segmentation } from './steps.js';
import { fitUsl, type UslFit } from './usl.js';
import { checkValidity, VALIDITY_CHECKS, type ValidityCheck } from './validity.js';
import { badFlag } from '../errors.js';

export interface AnalyzeOptions {
  /** SLO override, e.g. "p(95)<200,rate<0.01" (k6 expressions, optionally `metric:`-prefixed) */
  slo?: string;
  /** share of the max sustainable rate kept in reserve, 0..1 (default 0.4) */
  headroom?: number;
  /** validity checks to run (default: VALIDITY_CHECKS) */
  validityChecks?: readonly ValidityCheck[];
}

/** Minimum distinct concurrency levels for a USL fit in a run (three parameters, plus one). */
export const USL_MIN_LEVELS = 4;
/** A USL peak further than this multiple of the highest measured concurrency is not reported. */
export const USL_MAX_EXTRAPOLATION = 4;

/**
 * The concurrency at a level, for the USL: VUs (closed model), else Little's law (achieved rate ×
 * mean latency). Little's law rather than the sampled in-flight count: the samples are integers
 * read once a second, too coarse at low load.
 */
function uslConcurrency(l: Level, kind: string): number | null {
  if (kind === 'vus' && l.vus !== null) return l.vus;
  return l.littleConcurrency ?? l.inFlight;
}

function runUsl(levels: readonly Level[], kind: string): { fit: UslFit | null; note: string | null } {
  // Holds carry the fit; a run of holds with a few ramp windows (a soak) has too few load levels.
  // A ramp-only run (no holds at all) is fitted on its windows.
  const holds = levels.filter((l) => l.steps.some((s) => s.shape === 'hold'));
  const use = holds.length === 0 ? levels : holds;
  const pts = use
    .map((l) => [uslConcurrency(l, kind), l.rps] as const)
    .filter((p): p is readonly [number, number] => p[0] !== null && p[0] > 0 && p[1] > 0);
  const distinct: number[] = [];
  for (const [n] of [...pts].sort((a, b) => a[0] - b[0])) {
    if (!distinct.length || n > distinct[distinct.length - 1]! * 1.02) distinct.push(n);
  }
  if (distinct.length < USL_MIN_LEVELS) {
    return { fit: null, note: `no USL fit: it needs at least ${USL_MIN_LEVELS} distinct concurrency levels, the run has ${distinct.length}` };
  }
  const fit = fitUsl(
    pts.map((p) => p[0]),
    pts.map((p) => p[1]),
  );
  const nMax = distinct[distinct.length - 1]!;
  if (fit && fit.peakConcurrency !== null && fit.peakConcurrency > USL_MAX_EXTRAPOLATION * nMax) {
    const note = `the USL peak (concurrency ${Math.round(fit.peakConcurrency)}) lies over ${USL_MAX_EXTRAPOLATION}× beyond the highest concurrency measured (${Math.round(nMax * 10) / 10}): an extrapolation, not reported`;
    return { fit: { ...fit, peakConcurrency: null, peakThroughput: null }, note };
  }
  return { fit, note: null };
}

/** Everything the interpretation computes before its findings, for `analyze` and for tests of single rules. */
export interface AnalysisContext {
  /** the copy of the result being analysed */
  result: Result;
  segmentation: Segmentation;
  slo: Slo;
  usl: UslFit | null;
  uslNote: string | null;
  evidence: Evidence;
}

/** Segments, groups, fits and gathers evidence. Pure; throws LoadproofError (exit 2) for a bad `slo`. */
export function analysisContext(result: Result, opts: Pick<AnalyzeOptions, 'slo'> = {}): AnalysisContext {
  // A shallow copy: the analysis sets only top-level fields (timeline/watch/criteria when absent,
  // steps, analysis, verdict) and reads the rest, which it shares with the caller's result. Deep
  // cloning a 24-hour result took ~0.1 s and its garbage. Guarded by a test that analyses deeply
  // frozen results (test/integration/analysis-diagnoses.test.ts).
  const out: Result = { ...result };
  out.timeline ??= [];
  out.watch ??= {};
  out.criteria ??= [];
  const slo = resolveSlo(out, opts.slo);
  const segmentation = segmentSteps(out);
  const curve = buildLoadCurve(segmentation.steps);
  const { fit: usl, note: uslNote } = curve.kind === 'achieved' ? { fit: null, note: 'no USL fit: the load axis is unknown' } : runUsl(curve.levels, curve.kind);
  const phases = findPhases(curve, slo, usl);
  const evidence = buildEvidence(out, segmentation.steps, curve, phases, slo);
  return { result: out, segmentation, slo, usl, uslNote, evidence };
}

/** Interprets a result. Pure: no I/O; throws LoadproofError (exit 2) only for a bad `slo`/`headroom`. */
export function analyze(result: Result, opts: AnalyzeOptions = {}): Result {
  const headroom = opts.headroom ?? DEFAULT_HEADROOM;
  if (!(headroom >= 0 && headroom < 1)) throw badFlag(`headroom must be in [0, 1), got ${headroom}`, 'e.g. 0.4 keeps 40% in reserve', 'headroom');
  const ctx = analysisContext(result, opts);
  const { result: out, segmentation: seg, slo, usl, uslNote, evidence: ev } = ctx;
  const { curve } = ev;
  const phases = ev.phases;
  const capacity = estimateCapacity(curve, slo, headroom);
  // a refined breakpoint: the precision asked for beside the one measured
  if (capacity.bracket && out.refinement) capacity.bracket.requestedPct = out.refinement.precisionPct;
  const saturation = saturationOrder(ev);
  const diagnoses = rankBySaturation(diagnose(ev), saturation);
  const validity = checkValidity(out, ev, opts.validityChecks ?? VALIDITY_CHECKS);

  const notes = [...seg.notes, ...slo.notes, ...(phases.phases.notes ?? [])];
  if (uslNote && curve.levels.length > 1) notes.push(uslNote);
  const analysis: Analysis = {
    phases: { ...phases.phases, notes },
    capacity,
    usl: usl
      ? {
          sigma: usl.sigma,
          kappa: usl.kappa,
          lambda: usl.lambda,
          peakConcurrency: usl.peakConcurrency,
          r2: usl.r2,
          dominant: usl.dominant,
          peakThroughput: usl.peakThroughput,
        }
      : null,
    validity,
    diagnoses,
    redFlags: redFlags(out, slo),
    saturation,
  };
  out.steps = seg.steps.map(toStepResult).filter((s): s is StepResult => s !== null);
  out.analysis = analysis;
  out.verdict = verdictOf(out);
  return out;
}
