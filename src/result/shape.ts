/**
 * The shape of a stored result document, checked when a result file is read (`analyze`, `report`,
 * `compare`): every field the analysis and the reports read has the type they expect, so a hand-
 * edited or garbled result.json is bad input at a named field (exit 2), not a TypeError deep in a
 * renderer. Objects are loose (fields beyond these are kept: results from newer versions, imports
 * that record more); only what is read is checked. Mirrors `types.ts`.
 */
import { z } from 'zod';

const num = z.number();
const nullableNum = z.number().nullable();
const counts = z.record(z.string(), z.number());

const LatencySummary = z.looseObject({
  min: nullableNum,
  mean: nullableNum,
  p50: nullableNum,
  p90: nullableNum,
  p95: nullableNum,
  p99: nullableNum,
  p999: nullableNum,
  max: nullableNum,
  stdev: num.optional(),
});

const LatencyPoint = z.looseObject({ p50: num, p95: num, p99: num, mean: num.optional(), max: num.optional() });

const Checks = z.looseObject({ passes: num, fails: num });

const Summary = z.looseObject({
  requests: num,
  errors: num,
  errorRate: num,
  throughputRps: num,
  peakRps: num,
  latencyMs: LatencySummary,
  latencyBasis: z.enum(['intended', 'actual']).optional(),
  serviceTimeMs: LatencySummary.optional(),
  sendLagMs: LatencySummary.optional(),
  okLatencyMs: LatencySummary.optional(),
  statusCodes: counts.optional(),
  errorKinds: counts.optional(),
  dropped: num.optional(),
  bytesReceived: num.optional(),
  bytesSent: num.optional(),
  checks: z.looseObject({ passes: num, fails: num, rate: num }).optional(),
  iterations: num.optional(),
  hdr: z.string().optional(),
  okHdr: z.string().optional(),
  lowerBoundRequests: num.optional(),
});

const Endpoint = z.looseObject({
  name: z.string(),
  method: z.string(),
  path: z.string().optional(),
  scenario: z.string().optional(),
  requests: num,
  errors: num,
  errorRate: num,
  statusCodes: counts,
  errorKinds: counts.optional(),
  latencyMs: LatencySummary,
  checks: Checks.optional(),
  hdr: z.string().optional(),
  okHdr: z.string().optional(),
});

const Criterion = z.looseObject({ metric: z.string(), condition: z.string(), observed: nullableNum, pass: z.boolean(), unit: z.string().optional(), note: z.string().optional() });

const TimelinePoint = z.looseObject({
  t: num,
  durationSec: num.optional(),
  offeredRps: nullableNum,
  rps: num,
  errors: num,
  inFlight: nullableNum,
  vus: nullableNum,
  latencyMs: LatencyPoint.nullable(),
  stage: num.optional(),
  dropped: num.optional(),
  statusCodes: counts.optional(),
  errorKinds: counts.optional(),
  sendLagP99Ms: num.optional(),
  checks: Checks.optional(),
  hdr: z.string().optional(),
  outstandingHdr: z.string().optional(),
  oldestInFlightMs: num.optional(),
});

const Step = z.looseObject({
  index: num,
  startSec: num,
  endSec: num,
  offeredRps: nullableNum,
  rps: num,
  errorRate: num,
  concurrency: num,
  latencyMs: z.looseObject({ p50: nullableNum, p95: nullableNum, p99: nullableNum }),
});

const Series = z.looseObject({ unit: z.string(), points: z.array(z.tuple([num, nullableNum])) });

const PlanInfo = z.looseObject({
  name: z.string(),
  hypothesis: z.string().nullable(),
  target: z.string(),
  pattern: z.looseObject({ type: z.string(), peak: nullableNum, durationSec: num.optional() }).nullable(),
  model: z.enum(['open', 'closed']).optional(),
  stages: z.array(z.looseObject({ durationSec: num, target: num })).optional(),
  thresholds: z.record(z.string(), z.array(z.string())).optional(),
  abort: z.record(z.string(), z.array(z.string())).optional(),
  scenarios: z.array(z.looseObject({ name: z.string(), weight: num, requests: z.array(z.string()) })).optional(),
  validity: z.looseObject({ maxErrorRate: num }).optional(),
});

const ValidityNote = z.looseObject({ id: z.string(), severity: z.enum(['info', 'warn', 'invalid']), message: z.string(), headline: z.string().optional() });

const Diagnosis = z.looseObject({
  id: z.string(),
  title: z.string(),
  confidence: num,
  evidence: z.array(z.string()),
  recommendation: z.string(),
  handoff: z.string().nullable(),
});

const Analysis = z.looseObject({
  phases: z.looseObject({}),
  capacity: z.looseObject({}),
  validity: z.array(ValidityNote),
  diagnoses: z.array(Diagnosis),
  redFlags: z.array(z.string()).optional(),
});

export const ResultShape = z.looseObject({
  schema: z.string(),
  source: z.string(),
  tool: z.looseObject({ name: z.string(), version: z.string() }),
  plan: PlanInfo,
  startedAt: z.string(),
  endedAt: z.string(),
  durationSec: num,
  verdict: z.enum(['pass', 'fail', 'aborted', 'invalid']),
  summary: Summary,
  endpoints: z.array(Endpoint),
  criteria: z.array(Criterion),
  timeline: z.array(TimelinePoint),
  steps: z.array(Step),
  watch: z.record(z.string(), Series),
  analysis: Analysis.nullable(),
  stop: z.looseObject({ reason: z.enum(['completed', 'aborted', 'interrupted', 'imported']), rule: z.string().optional(), atSec: num.optional(), message: z.string().optional() }).optional(),
  generator: z.looseObject({ workers: num, cores: num }).optional(),
  testHealth: z.looseObject({ setupVus: num, setupOkVus: num, unsetCaptures: z.array(z.looseObject({ name: z.string(), uses: num, step: z.string().optional() })) }).optional(),
  warnings: z.array(z.looseObject({ source: z.string(), message: z.string() })).optional(),
  limitations: z.array(z.string()).optional(),
  watchInfo: z.record(z.string(), z.unknown()).optional(),
});

/** The first place a document departs from the result's shape, as `[field path, message]`; null when none. */
export function shapeProblem(doc: unknown): [string, string] | null {
  const r = ResultShape.safeParse(doc);
  if (r.success) return null;
  const issue = r.error.issues[0]!;
  return [issue.path.map(String).join('.'), issue.message];
}
