/**
 * End-of-run thresholds: each k6-syntax expression of the plan becomes one criterion, in plan
 * order, with the observed value, its unit and pass/fail.
 *
 * Untagged metrics read the run summary (its merged `hdr` when present). Tag-filtered metrics —
 * `http_req_duration{name:browse}`, `{scenario:create}`, `{method:POST}`, `{endpoint:GET /items}` —
 * merge the matching endpoints: request and error counts are summed, latency histograms merged
 * (never percentiles averaged); without histograms a single endpoint's recorded figures are used,
 * and for several only the exactly mergeable avg (request-weighted), min and max. `{status:N}`
 * filters `http_reqs` by the endpoints' status-code counts.
 *
 * A criterion with nothing to observe (no endpoint matches, the metric was not recorded) is still
 * listed, with `observed: null`, `pass: false` and a `note` saying why: a threshold that cannot be
 * checked has not been met.
 */
import { compare, parseMetricKey, type ThresholdExpr } from '../plan/thresholds.js';
import type { CriterionResult, EndpointResult, LatencySummaryMs, Result } from '../result/types.js';
import { decodeHistogram, mergeHistograms, type Histogram } from './histogram.js';
import { matchesTag, observe, statusFilterable, type MetricData } from './observe.js';

type ThresholdInput = Pick<Result, 'summary' | 'endpoints' | 'durationSec'>;

/** Latency figures of several endpoints without histograms: only what merges exactly. */
function mergeSummaries(eps: EndpointResult[]): Partial<LatencySummaryMs> | null {
  const withData = eps.filter((e) => e.requests > 0);
  if (withData.length === 0) return null;
  if (withData.length === 1) return withData[0]!.latencyMs;
  const total = withData.reduce((a, e) => a + e.requests, 0);
  // A figure merges only when every endpoint recorded it (imports may hold null).
  const all = (k: 'mean' | 'min' | 'max'): number[] | null => {
    const vs = withData.map((e) => e.latencyMs[k]);
    return vs.every((v): v is number => v !== null) ? vs : null;
  };
  const means = all('mean');
  const mins = all('min');
  const maxes = all('max');
  return {
    ...(means ? { mean: means.reduce((a, m, i) => a + m * withData[i]!.requests, 0) / total } : {}),
    ...(mins ? { min: Math.min(...mins) } : {}),
    ...(maxes ? { max: Math.max(...maxes) } : {}),
  };
}

function runData(input: ThresholdInput, overallHdr: () => Histogram | null): MetricData {
  const s = input.summary;
  return {
    durationSec: input.durationSec,
    requests: s.requests,
    errors: s.errors,
    hdr: overallHdr(),
    latencyMs: s.latencyMs,
    checks: s.checks ? { passes: s.checks.passes, fails: s.checks.fails } : null,
    iterations: s.iterations ?? null,
    dropped: s.dropped ?? null,
    bytesReceived: s.bytesReceived ?? null,
    bytesSent: s.bytesSent ?? null,
  };
}

function endpointData(eps: EndpointResult[], durationSec: number): MetricData {
  const allHdr = eps.length > 0 && eps.every((e) => e.hdr !== undefined || e.requests === 0);
  const withChecks = eps.filter((e) => e.checks);
  return {
    durationSec,
    requests: eps.reduce((a, e) => a + e.requests, 0),
    errors: eps.reduce((a, e) => a + e.errors, 0),
    hdr: allHdr ? mergeHistograms(eps.map((e) => e.hdr)) : null,
    latencyMs: allHdr ? null : mergeSummaries(eps),
    checks: withChecks.length
      ? { passes: withChecks.reduce((a, e) => a + e.checks!.passes, 0), fails: withChecks.reduce((a, e) => a + e.checks!.fails, 0) }
      : null,
    // not recorded per endpoint
    iterations: null,
    dropped: null,
    bytesReceived: null,
    bytesSent: null,
  };
}

/** Evaluates every threshold expression against a run's result, in plan order. */
export function evaluateThresholds(thresholds: Record<string, ThresholdExpr[]>, result: ThresholdInput): CriterionResult[] {
  // The overall histogram is decoded (or merged from endpoints) once, and only if a rule needs it.
  let overall: Histogram | null | undefined;
  const overallHdr = (): Histogram | null => {
    if (overall !== undefined) return overall;
    if (result.summary.hdr) overall = decodeHistogram(result.summary.hdr);
    else if (result.endpoints.length && result.endpoints.every((e) => e.hdr !== undefined || e.requests === 0)) overall = mergeHistograms(result.endpoints.map((e) => e.hdr));
    else overall = null;
    return overall;
  };

  const out: CriterionResult[] = [];
  for (const [key, exprs] of Object.entries(thresholds)) {
    const mk = parseMetricKey(key);
    if (typeof mk === 'string') {
      // The plan schema rejects these; a hand-built threshold map may not have been validated.
      for (const e of exprs) out.push({ metric: key, condition: e.source, observed: null, pass: false, note: mk });
      continue;
    }
    let data: MetricData | null = null;
    let note: string | undefined;
    if (!mk.tag) {
      data = runData(result, overallHdr);
    } else if (mk.tag.key === 'expected_response') {
      // the successful requests only (parseMetricKey admits only http_req_duration{expected_response:true})
      const s = result.summary;
      if (s.okHdr || s.okLatencyMs) {
        data = { durationSec: result.durationSec, requests: s.requests - s.errors, errors: 0, hdr: s.okHdr ? decodeHistogram(s.okHdr) : null, latencyMs: s.okLatencyMs ?? null };
      } else {
        note = s.requests > s.errors ? 'the source did not record the latency of successful requests apart' : 'no request succeeded';
      }
    } else if (mk.tag.key === 'status') {
      if (statusFilterable(mk.metric)) {
        const n = result.endpoints.reduce((a, e) => a + (e.statusCodes[mk.tag!.value] ?? 0), 0);
        data = { durationSec: result.durationSec, requests: n, errors: 0, hdr: null };
      } else {
        note = `${mk.metric} cannot be filtered by status (only http_reqs can)`;
      }
    } else {
      const matching = result.endpoints.filter((e) => matchesTag(mk.tag!, e));
      if (matching.length === 0) note = `no endpoint or scenario matches {${mk.tag.key}:${mk.tag.value}}`;
      else data = endpointData(matching, result.durationSec);
    }

    for (const expr of exprs) {
      if (!data) {
        out.push({ metric: key, condition: expr.source, observed: null, pass: false, ...(note ? { note } : {}) });
        continue;
      }
      const o = observe(mk.metric, expr.aggregation, data);
      const c: CriterionResult = {
        metric: key,
        condition: expr.source,
        observed: o.observed,
        pass: o.observed !== null && compare(o.observed, expr.op, expr.value),
        unit: o.unit,
      };
      if (o.note) c.note = o.note;
      out.push(c);
    }
  }
  return out;
}
