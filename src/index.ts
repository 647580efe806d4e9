/**
 * loadproof's public API: an explicit export list (no `export *`).
 */
export { ExitCode, LoadproofError, PlanError, formatPlanIssue } from './errors.js';
export type { ExitCodeValue, ErrorCode, PlanIssue } from './errors.js';
export { parsePlan, parsePlanSafe, loadPlan } from './plan/parse.js';
export type { ParsePlanOptions } from './plan/parse.js';
export { PlanSchema } from './plan/schema.js';
export type { Plan, PlanInput, Pattern, PatternType, Stage, Scenario, Step, RequestStep, LoopStep, IfStep, Condition, DataSource, WatchItem } from './plan/schema.js';
export type { VU, VuScript, VuResponse, VuRequestOptions, VuTimings } from './engine/script/api.js';
export { expandPattern, resolveLoad } from './plan/patterns.js';
export type { ResolvedLoad } from './plan/patterns.js';
export { parseDurationMs, parseRatePerSec, formatDurationMs } from './plan/units.js';
export { parseThreshold, parseAbortRule } from './plan/thresholds.js';
export type { ThresholdExpr, AbortExpr } from './plan/thresholds.js';
export { compileTemplate, compileJsonTemplate, Vars } from './engine/scenario/template.js';
export type { Template, JsonTemplate, VarScope, TemplateOptions } from './engine/scenario/template.js';
export { evaluateThresholds } from './metrics/thresholds.js';
export { AbortGuard, MIN_WINDOW_SAMPLES } from './engine/guard.js';
export type { GuardSecond, GuardEndpointSecond, GuardTrip } from './engine/guard.js';
export { REDACTED, isSecretHeader, redactHeaders, SecretRegistry } from './engine/redact.js';
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
// the load engine (issue 3)
export { startRun, defaultWorkers } from './engine/runner.js';
export type { RunOptions, RunHandle, RunOutcome, StopRequest } from './engine/runner.js';
export { planInfoOf, resultOf } from './engine/result.js';
export { ArrivalSchedule } from './engine/schedule/arrivals.js';
export { RateCurve } from './engine/schedule/rate-curve.js';
export { resultFromLog, assembleResult } from './metrics/log.js';
export type { LogHeader, LogEnd, LogLine } from './metrics/log.js';
export type { SecondRecord, EndpointInfo } from './metrics/timeline.js';
export { generatorSaturation } from './analysis/validity/generator.js';
export { startWatch, DEFAULT_WATCH_INTERVAL_MS } from './watch/session.js';
export type { StartWatchOptions, WatchSession, LiveValue } from './watch/session.js';
export { describeWatch } from './watch/describe.js';
export type { DescribeWatchOptions } from './watch/describe.js';
export type { Watcher, WatcherKind, WatchHeadline, WatchOutput, WatchWarning } from './watch/types.js';
export { parseExposition } from './watch/exposition.js';
export type { MetricFamily, MetricSample, MetricType } from './watch/exposition.js';
export { histogramQuantile } from './watch/histogram-quantile.js';
export { importFiles, IMPORTERS } from './formats/import.js';
export type { Importer } from './formats/import.js';
export { sniffKind, sniffTool, IMPORT_TOOLS } from './formats/sniff.js';
export type { ImportTool, FileKind } from './formats/sniff.js';
export { EXPORTERS, EXPORT_TOOLS } from './formats/export.js';
export type { ExportTool } from './formats/export.js';
export { recordRun } from './history/record.js';
export type { RecordOptions, RecordOutcome } from './history/record.js';
export { compareRuns, DEFAULT_MIN_EFFECT } from './history/compare.js';
export type { CompareOptions } from './history/compare.js';
export type { Comparison, MetricDelta, ScopeComparison, TrendPoint } from './result/comparison.js';
export { openHistory, historySpec } from './history/store.js';
export type { HistoryStore, HistorySpec } from './history/store.js';
export { runRecordOf } from './history/run-record.js';
export type { RunRecord, ComparableRun } from './history/run-record.js';
export { runSecondsOf } from './history/seconds.js';
export type { RunSeconds, SecondSample } from './history/seconds.js';
export { renderMarkdown, renderSummary } from './report/markdown.js';
export { renderHtml } from './report/html.js';
export { renderJunit } from './report/junit.js';
export { buildReportModel } from './report/model.js';
export type { ReportModel } from './report/model.js';
export { readResult, parseResult } from './report/read-result.js';
export { writeReports, writeFileAtomic, renderJson } from './report/write.js';
export type { WrittenReports } from './report/write.js';
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
export { analyze } from './analysis/analyze.js';
export type { AnalyzeOptions } from './analysis/analyze.js';
export { fitUsl, uslThroughput } from './analysis/usl.js';
export type { UslFit } from './analysis/usl.js';
export { kneedle } from './analysis/kneedle.js';
export type { KneedleOptions, KneedleResult, KneePoint, KneeCurve, KneeDirection } from './analysis/kneedle.js';
export { parseSlo } from './analysis/slo.js';
export type { Slo } from './analysis/slo.js';
export { LiveFeed } from './live/feed.js';
export type { LiveEvent, LiveMeta, LiveTick, LiveAnalysis, LiveEnd, LiveControl, LiveListener, LivePhase } from './live/feed.js';
export { startDashboard, startMetricsServer } from './live/server.js';
export type { DashboardServer, DashboardOptions, MetricsServer } from './live/server.js';
export { PrometheusState } from './live/prometheus.js';
// distributed runs: segments, shard merging, Kubernetes manifests
export { stripeOf, stripeShare, parseSegment } from './engine/schedule/segment.js';
export type { SegmentSpec } from './engine/schedule/segment.js';
export { mergeShards, mergeSecondRecords } from './metrics/merge.js';
export type { Shard, GeneratorJudge } from './metrics/merge.js';
export { parseLog } from './metrics/log.js';
export type { ParsedLog } from './metrics/log.js';
export { k8sObjects, k8sName, dockerfile } from './distributed/k8s.js';
export type { K8sOptions } from './distributed/k8s.js';
export type { DistributedInfo, GeneratorShard } from './result/types.js';
