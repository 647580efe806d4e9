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
export { importFiles, IMPORTERS } from './formats/import.js';
export type { Importer } from './formats/import.js';
export { sniffKind, sniffTool, IMPORT_TOOLS } from './formats/sniff.js';
export type { ImportTool, FileKind } from './formats/sniff.js';
export { EXPORTERS, EXPORT_TOOLS } from './formats/export.js';
export type { ExportTool } from './formats/export.js';
