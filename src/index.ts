/**
 * loadproof's public API: an explicit export list (no `export *`).
 */
export { ExitCode, LoadproofError, PlanError, formatPlanIssue } from './errors.js';
export type { ExitCodeValue, ErrorCode, PlanIssue } from './errors.js';
export { parsePlan, parsePlanSafe, loadPlan } from './plan/parse.js';
export type { ParsePlanOptions } from './plan/parse.js';
export { PlanSchema } from './plan/schema.js';
export type { Plan, PlanInput, Pattern, PatternType, Stage, Scenario, Step, RequestStep, WatchItem } from './plan/schema.js';
export { expandPattern, resolveLoad } from './plan/patterns.js';
export type { ResolvedLoad } from './plan/patterns.js';
export { parseDurationMs, parseRatePerSec, formatDurationMs } from './plan/units.js';
export { parseThreshold, parseAbortRule } from './plan/thresholds.js';
export type { ThresholdExpr, AbortExpr } from './plan/thresholds.js';
export { RESULT_SCHEMA } from './result/types.js';
export type {
  Result,
  Summary,
  EndpointResult,
  CriterionResult,
  TimelinePoint,
  StepResult,
  SeriesInfo,
  Analysis,
  Diagnosis,
  DiagnosisId,
  ValidityNote,
  Verdict,
} from './result/types.js';
export { VERSION } from './version.js';
export { analyze } from './analysis/analyze.js';
export type { AnalyzeOptions } from './analysis/analyze.js';
export { fitUsl, uslThroughput } from './analysis/usl.js';
export type { UslFit } from './analysis/usl.js';
export { kneedle } from './analysis/kneedle.js';
export type { KneedleOptions, KneedleResult, KneePoint, KneeCurve, KneeDirection } from './analysis/kneedle.js';
export { parseSlo } from './analysis/slo.js';
export type { Slo } from './analysis/slo.js';
export { readResultFile, parseResult } from './result/read.js';
