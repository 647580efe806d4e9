/**
 * The result document, `loadproof.result/v1` (CONTRACT.md "result.json").
 *
 * Every layer reads and writes this shape: the engine fills the measured parts, watchers fill
 * `watch`, the analysis fills `steps` and `analysis`, importers build it from other tools' files,
 * reports render it. Units: latencies in milliseconds, rates per second, times in seconds from the
 * run's start unless the name ends in `At` (ISO 8601). Fields beyond the contract are optional so
 * that imported results (which record less) fit the same type.
 */

import type { Comparison, TrendPoint } from './comparison.js';

export const RESULT_SCHEMA = 'loadproof.result/v1' as const;

export type ResultSource = 'loadproof' | 'k6' | 'locust' | 'artillery' | 'wrk' | 'ab' | 'hey' | 'gatling' | 'jmeter';
export type Verdict = 'pass' | 'fail' | 'aborted' | 'invalid';

/**
 * A latency distribution's summary. `null` means the source did not record that figure (wrk 4 has
 * no p95, ab no p99.9, k6's default summary no p99): never a made-up number. loadproof's own runs
 * always fill every field.
 */
export interface LatencySummaryMs {
  min: number | null;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
  /** population standard deviation, when known */
  stdev?: number;
}

/** A summary computed from a histogram: every figure known. */
export type LatencyStatsMs = { [K in keyof LatencySummaryMs]: NonNullable<LatencySummaryMs[K]> };

export interface LatencyPointMs {
  p50: number;
  p95: number;
  p99: number;
  mean?: number;
  max?: number;
}

/**
 * Why a request failed (wrk2's error classes, extended). The `h2_*` kinds are HTTP/2's own: the server sent GOAWAY before answering
 * (`h2_goaway`), reset the stream (`h2_stream_reset`), refused it unprocessed (`h2_refused_stream`,
 * RST_STREAM REFUSED_STREAM: safe to retry, the h2 form of a refused connection) or the peers broke
 * flow control (`h2_flow_control`). The `ws_*` and `grpc_*` kinds are the WebSocket and gRPC
 * outcomes (engine/ws, engine/grpc); analysis/protocol-equivalents.ts says what each means to a rule.
 */
export type ErrorKind =
  | 'refused'
  | 'reset'
  | 'timeout'
  | 'dns'
  | 'tls'
  | 'status'
  | 'dropped'
  | 'protocol'
  | 'other'
  | 'h2_goaway'
  | 'h2_stream_reset'
  | 'h2_refused_stream'
  | 'h2_flow_control'
  | 'ws_connect_failed'
  | 'ws_abnormal_close'
  | 'grpc_unavailable'
  | 'grpc_deadline_exceeded'
  | 'grpc_resource_exhausted'
  | 'grpc_error';

export interface Summary {
  requests: number;
  errors: number;
  errorRate: number;
  /** completed requests per second over the whole run */
  throughputRps: number;
  /** the highest one-second completed rate */
  peakRps: number;
  latencyMs: LatencySummaryMs;
  /** open model: latency measured from the intended start ("response"); closed model: "service" time */
  latencyBasis?: 'intended' | 'actual';
  /** open model: latency from the actual send (the uncorrected figure, kept beside the corrected one as wrk2 does) */
  serviceTimeMs?: LatencySummaryMs;
  /** open model: actual send − intended send */
  sendLagMs?: LatencySummaryMs;
  statusCodes?: Record<string, number>;
  errorKinds?: Partial<Record<ErrorKind, number>>;
  /** open model: arrivals not sent because `maxInFlight` was reached */
  dropped?: number;
  bytesReceived?: number;
  bytesSent?: number;
  checks?: { passes: number; fails: number; rate: number };
  /** iterations completed */
  iterations?: number;
  /** iterations that failed (a script threw, a data table ran out); absent when none */
  failedIterations?: number;
  /** base64 HdrHistogram (µs) of all latencies, for exact re-analysis */
  hdr?: string;
  /**
   * Latency of the successful requests only (2xx/3xx, no transport error): k6's
   * `http_req_duration{expected_response:true}`. `latencyMs` counts every request that was sent.
   */
  okLatencyMs?: LatencySummaryMs;
  okHdr?: string;
  /**
   * Requests whose latency is a lower bound: they timed out, or were still unanswered when the run
   * ended, and count in `latencyMs` with the time they were outstanding.
   */
  lowerBoundRequests?: number;
}

export interface EndpointResult {
  name: string;
  method: string;
  /** the request path as written in the plan (templates not expanded), when known */
  path?: string;
  scenario?: string;
  requests: number;
  errors: number;
  errorRate: number;
  statusCodes: Record<string, number>;
  errorKinds?: Partial<Record<ErrorKind, number>>;
  latencyMs: LatencySummaryMs;
  checks?: { passes: number; fails: number };
  hdr?: string;
  /** successful requests only (see Summary.okLatencyMs) */
  okLatencyMs?: LatencySummaryMs;
  okHdr?: string;
  /** the protocol the requests went over: 'http/1.1', 'h2' (TLS, ALPN) or 'h2c' (cleartext); absent in older results */
  protocol?: string;
}

export interface CriterionResult {
  /** metric key as written, e.g. `http_req_duration` or `http_req_duration{name:browse}` */
  metric: string;
  /** the expression, e.g. `p(95)<200` */
  condition: string;
  /** the observed value in the metric's unit; null when there was nothing to observe */
  observed: number | null;
  pass: boolean;
  unit?: 'ms' | 'ratio' | 'rps' | 'count' | 'bytes' | 'bytes/s';
  /** why `observed` is null (e.g. no endpoint matched the tag filter), or how it was obtained */
  note?: string;
}

/** One second of the run (or one interval of an imported time series). */
export interface TimelinePoint {
  /** seconds from start at the *start* of the interval */
  t: number;
  /** interval length in seconds (1 for loadproof's own runs) */
  durationSec?: number;
  offeredRps: number | null;
  /** completed requests per second in this interval */
  rps: number;
  errors: number;
  inFlight: number | null;
  vus: number | null;
  latencyMs: LatencyPointMs | null;
  stage?: number;
  dropped?: number;
  statusCodes?: Record<string, number>;
  errorKinds?: Partial<Record<ErrorKind, number>>;
  sendLagP99Ms?: number;
  checks?: { passes: number; fails: number };
  /** iterations completed in this interval */
  iterations?: number;
  /** iterations that failed in this interval (a script threw, a data table ran out); absent when none */
  failedIterations?: number;
  /** base64 HdrHistogram (µs) of the latencies of the requests that ended in this interval: lets steps merge histograms exactly */
  hdr?: string;
  /**
   * base64 HdrHistogram (µs) of the ages of the requests still outstanding at the interval's end.
   * `latencyMs` reads `hdr` and this together, so a second in which nothing completed while
   * requests waited shows how long they had waited (a lower bound), not a hole.
   */
  outstandingHdr?: string;
  /** age of the oldest request outstanding at the interval's end, ms (a lower bound of its latency) */
  oldestInFlightMs?: number;
}

export interface StepResult {
  index: number;
  startSec: number;
  endSec: number;
  /** null when the source did not record the offered load */
  offeredRps: number | null;
  rps: number;
  errorRate: number;
  /** Little's law: rps × mean latency (s); or the measured VUs / in-flight when known */
  concurrency: number;
  latencyMs: LatencyPointMs;
  requests?: number;
  /** true when the step holds a constant offered load; false for a window along a ramp */
  steady?: boolean;
  /** how the step's percentiles were computed */
  percentileSource?: 'hdr-merge' | 'samples' | 'max-of-intervals' | 'stage-summary';
  /** mean of each watched series over the step */
  watch?: Record<string, number | null>;
}

export interface SeriesInfo {
  unit: string;
  /** [t seconds, value]; value null marks a gap (the watcher could not read) */
  points: Array<[number, number | null]>;
  /** which watcher produced it: process, postgres, prometheus, eventLoop, dependency, self */
  watcher?: string;
  /** what the series is about, e.g. "pid 1234" or the URL */
  target?: string;
  /** role of the watched thing, for diagnosis: app, db, dependency, generator */
  role?: 'app' | 'db' | 'dependency' | 'generator' | 'other';
}

export interface ValidityNote {
  id: string;
  severity: 'info' | 'warn' | 'invalid';
  message: string;
  /** the cause in a few words, for a verdict's headline (e.g. "938 of 938 requests answered 401") */
  headline?: string;
}

export interface Diagnosis {
  id: DiagnosisId;
  title: string;
  /** 0..1 */
  confidence: number;
  evidence: string[];
  recommendation: string;
  handoff: 'performance-optimizer' | 'database-reviewer' | 'incident-commander' | null;
}

export type DiagnosisId =
  | 'pool-exhaustion'
  | 'timeout-cascade'
  | 'cpu-bound'
  | 'memory-leak'
  | 'connection-leak'
  | 'cold-start'
  | 'missing-index'
  | 'downstream-rate-limit'
  | 'gc-pressure'
  | 'thundering-herd'
  | 'lock-contention'
  | 'listen-backlog'
  | 'fd-exhaustion';

/** One watched resource in the saturation order (analysis/saturation.ts). */
export interface SaturationResource {
  /** "process port3000 CPU", "pool pool_in_use of app", "PostgreSQL appdb connections" */
  resource: string;
  kind: 'app-cpu' | 'db-cpu' | 'event-loop' | 'pool' | 'db-connections' | 'dependency' | 'fds' | 'generator';
  /** the watched series it is read from */
  series: string;
  /** what it is measured against: "one core", "pool_size 10", "max_connections 100" */
  limit: string;
  /** per load level (SaturationOrder.loads), 0..1 of its limit; null where unknown or without a limit */
  utilisation: Array<number | null>;
  /** the load at which it first reached its limit or left its linear trend; null when it did neither */
  saturatedAtLoad: number | null;
  /** the first step of that level */
  step: number | null;
  /** when that level started, s into the run */
  atSec: number | null;
  how: 'limit' | 'trend' | null;
  /** the series' own value at that level (its unit) */
  valueAtKnee: number | null;
  unit: string;
  /** per-level values of a resource without a limit (a latency), in its unit */
  values?: Array<number | null>;
}

/** What saturated first, and in what order the watched resources followed. */
export interface SaturationOrder {
  /** 'req/s' or 'VUs' */
  unit: string;
  /** the load of each level */
  loads: number[];
  /** saturated first to last, then the ones that never saturated */
  resources: SaturationResource[];
  /** the bottleneck found: the first to saturate, null when none did */
  first: { resource: string; kind: SaturationResource['kind']; load: number; step: number | null; how: 'limit' | 'trend' } | null;
}

export interface Analysis {
  phases: {
    linearUntilRps: number | null;
    knee: { rps: number; p95Ms: number } | null;
    collapse: { rps: number; errorRate: number } | null;
    /** sentences explaining how each phase was found */
    notes?: string[];
  };
  capacity: {
    /** the SLO the capacity is measured against, e.g. "p(95)<200ms, errors<1%" */
    slo: string;
    /** highest step rate that met the SLO; null when none did */
    maxSustainableRps: number | null;
    /** first rate with error rate > 5%; null when not reached */
    breakingPointRps: number | null;
    headroom: number;
    recommendedMaxRps: number | null;
    /** true when the SLO held at the highest load tried: capacity is "above N req/s, not reached" */
    notReached?: boolean;
    /**
     * the measured bracket of the capacity (offered rates): the highest level that met the SLO
     * with all below it, and the first that failed; precisionPct = (failed − met) / met × 100
     */
    bracket?: { metRps: number; failedRps: number; precisionPct: number; requestedPct?: number };
    /** one sentence for humans */
    statement?: string;
  };
  usl: {
    sigma: number;
    kappa: number;
    lambda: number;
    peakConcurrency: number | null;
    r2: number;
    dominant?: 'contention' | 'coherency' | 'none';
    /** X(N*), the throughput the fit predicts at its peak; null without a peak */
    peakThroughput?: number | null;
  } | null;
  validity: ValidityNote[];
  diagnoses: Diagnosis[];
  /** red flags: checks failing, median over the threshold, p95 far over it */
  redFlags?: string[];
  /** which watched resource saturated first, and at what load (null without watched resources) */
  saturation?: SaturationOrder | null;
}

export interface ResultPlanInfo {
  name: string;
  hypothesis: string | null;
  target: string;
  pattern: { type: string; peak: number | null; durationSec?: number } | null;
  model?: 'open' | 'closed';
  stages?: Array<{ durationSec: number; target: number }>;
  /** thresholds as written: metric → expressions */
  thresholds?: Record<string, string[]>;
  abort?: Record<string, string[]>;
  scenarios?: Array<{ name: string; weight: number; requests: string[] }>;
  /** the error budget the analysis assumes: past this share of failed requests the run is invalid */
  validity?: { maxErrorRate: number };
}

/**
 * Whether the run tested the service, from the test's side (loadproof's own runs): how the VU
 * contexts' setups fared, and captured names that later requests used but no response ever set.
 */
export interface TestHealth {
  /** VU contexts that ran a setup, and those whose setup succeeded */
  setupVus: number;
  setupOkVus: number;
  /** template variables that were unset when requests were built and that no capture ever set */
  unsetCaptures: Array<{ name: string; uses: number; step?: string }>;
}

/** A breakpoint's refinement: the steps the engine judged live, and the bracket they left. */
export interface Refinement {
  /** requested precision, percent */
  precisionPct: number;
  steps: Array<{
    phase: 'coarse' | 'refine';
    offeredRps: number;
    /** the judged window, s from the start */
    fromSec: number;
    toSec: number;
    met: boolean;
    requests: number;
    errorRate: number;
    p95Ms: number | null;
    failures: string[];
  }>;
  /** null until a step failed after one met */
  bracket: { metRps: number; failedRps: number } | null;
  /** the final bracket's width relative to its lower end, percent */
  achievedPct: number | null;
  stoppedBy: 'precision' | 'max-duration' | 'not-reached' | 'below-first-step' | 'unjudged' | 'schedule-ended' | 'stop-rule' | null;
  /** bisection steps run, and the seconds they added */
  refineSteps: number;
  addedSec: number;
}

export interface Result {
  schema: typeof RESULT_SCHEMA;
  source: ResultSource;
  tool: { name: string; version: string };
  plan: ResultPlanInfo;
  startedAt: string;
  endedAt: string;
  durationSec: number;
  verdict: Verdict;
  summary: Summary;
  endpoints: EndpointResult[];
  criteria: CriterionResult[];
  timeline: TimelinePoint[];
  steps: StepResult[];
  watch: Record<string, SeriesInfo>;
  analysis: Analysis | null;
  /** breakpoint: the adaptive refinement of the capacity, step by step (analysis/refine.ts) */
  refinement?: Refinement;
  /** how the run ended */
  stop?: {
    reason: 'completed' | 'aborted' | 'interrupted' | 'imported';
    /** for aborted: the rule that tripped, e.g. `http_req_failed rate>0.05 for 10s` */
    rule?: string;
    atSec?: number;
    message?: string;
  };
  /** the generator's own health, feeding validity */
  generator?: {
    workers: number;
    cpuPct?: { mean: number; max: number };
    eventLoopDelayP99Ms?: number;
    sendLagP99Ms?: number;
    cores: number;
  };
  /** whether the run tested the service, from the test's side (own runs only) */
  testHealth?: TestHealth;
  /** problems that did not stop the run: a watcher that could not connect, a format's limits */
  warnings?: Array<{ source: string; message: string }>;
  /** what an imported file did not record (e.g. "wrk records no time series") */
  limitations?: string[];
  /** watcher extras that are not time series (e.g. PostgreSQL top queries) */
  watchInfo?: Record<string, unknown>;
  /** `run --baseline`: this run (B) compared with the baseline (A) */
  baseline?: Comparison;
  /** the plan's last recorded runs and this one, oldest first (when a run history is kept) */
  trend?: TrendPoint[];
  /** a run merged from the shards of N generators (`loadproof merge`) */
  distributed?: DistributedInfo;
}

/** How a merged run was made: the segments and each generator's own health. */
export interface DistributedInfo {
  /** segments the run was split into (N of `--segment i/N`) */
  segments: number;
  /** requested common start instant, ISO (when the segments were given `--start-at`) */
  startAt?: string;
  /** latest minus earliest start of the generators, on their own clocks, ms */
  startSpreadMs: number;
  generators: GeneratorShard[];
  /** segment indexes of 0..N−1 no shard was given for */
  missingSegments: number[];
}

/** One generator (segment) of a merged run. */
export interface GeneratorShard {
  segment: number;
  /** the shard log it came from */
  file: string;
  host?: string;
  localAddress?: string;
  startedAt: string;
  /** its run's zero minus the requested start, ms (its own clock) */
  startSkewMs?: number;
  /** how its run ended; `killed` when its log has no end line */
  ended: 'completed' | 'aborted' | 'interrupted' | 'killed';
  durationSec: number;
  requests: number;
  cpuPct?: { mean: number; max: number };
  sendLagP99Ms?: number;
  /** its own generator-saturation note (null: it kept up) */
  validity: ValidityNote | null;
}
