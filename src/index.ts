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
// plan design, init, JSON Schema (foundation)
export { buildDesign, renderDesign, DESIGN_SECTIONS } from './plan/design.js';
export type { Design, DesignStage, DesignScenario, DesignGap, DesignCriterion, DesignPhase, DesignSymptom, BuildDesignOptions } from './plan/design.js';
export { SYMPTOMS, symptomsFor } from './plan/symptoms.js';
export type { SymptomRow } from './plan/symptoms.js';
export { renderInitPlan, completeAnswers, defaultHypothesis, INIT_QUESTIONS } from './plan/init.js';
export type { InitAnswers, Endpoint } from './plan/init.js';
export { planJsonSchema } from './plan/emit-json-schema.js';
// the demo service and the probe
export { startDemoService, describeBottleneck, BOTTLENECKS, DEMO_DEFAULTS, DEMO_USER } from './demo/service.js';
export type { DemoService, DemoServiceOptions, Bottleneck } from './demo/service.js';
export { probe } from './watch/probe.js';
export type { ProbeOptions, ProbeHandler } from './watch/probe.js';
