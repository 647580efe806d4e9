/**
 * k6 → Result, from either file k6 writes:
 *
 * - `--out json=FILE`: NDJSON, one `{"type":"Metric",…}` line when a metric first appears (with its
 *   thresholds) and one `{"type":"Point","data":{"time","value","tags"},"metric":…}` line per sample.
 *   Each `http_req_duration` point is one request (k6 stamps HTTP samples with the request's *end*
 *   time), so the timeline, endpoints and percentiles are rebuilt from raw samples with histograms.
 *   k6 does not write threshold outcomes into this file: loadproof evaluates the thresholds the
 *   Metric lines declare on the same data.
 * - `--summary-export=FILE` (and the JSON that `handleSummary` returns): whole-run aggregates and
 *   threshold outcomes; no time series. In the legacy export a threshold's boolean is `true` when it
 *   *failed* (grafana/k6#1498); handleSummary's form is `{ok: bool}`.
 *
 * Formats followed: k6 v0.4x–v1.x documentation ("JSON" real-time output; "--summary-export").
 */
import type { CriterionResult, ErrorKind, Result, Summary } from '../../result/types.js';
import { compare, parseThreshold, type ThresholdExpr } from '../../plan/thresholds.js';
import { percentileMs, type Histogram, createHistogram, recordUs } from '../../metrics/histogram.js';
import { isObject, num, parseJsonFile, expectObject } from '../common/json.js';
import { importedResult, type ImportInput } from '../common/imported-result.js';
import { missingSentence, recordedSummary, round3, type RecordedLatencyMs } from '../common/latency.js';
import { SampleAggregator } from '../common/result-builder.js';
import { fileError, displayName, type SourceFile } from '../common/source-file.js';
import { badFile } from '../../errors.js';
import { sniffKind } from '../sniff.js';
import { checkEpochMs, checkSpan } from '../common/span.js';

/** k6 error codes (docs "Error codes") → loadproof error kinds. */
export function k6ErrorKind(code: number, status: number): ErrorKind {
  if (code === 1050 || code === 1211) return 'timeout';
  if (code === 1212) return 'refused';
  if (code === 1201 || code === 1220) return 'reset';
  if (code >= 1100 && code < 1200) return 'dns';
  if (code >= 1300 && code < 1400) return 'tls';
  if (code >= 1400 && code < 1600) return 'protocol';
  if (code === 0 && status >= 400) return 'status';
  return status >= 400 ? 'status' : 'other';
}

function unitOf(metric: string, t: ThresholdExpr): CriterionResult['unit'] {
  if (t.aggregation.kind === 'count') return 'count';
  if (metric.startsWith('http_req_duration') || metric.startsWith('iteration_duration') || metric.startsWith('http_req_')) {
    return t.aggregation.kind === 'rate' ? (metric.startsWith('http_req_failed') ? 'ratio' : 'rps') : 'ms';
  }
  if (metric.startsWith('checks')) return 'ratio';
  return t.aggregation.kind === 'rate' ? 'rps' : undefined;
}

/** The statistic a threshold reads, from a k6 summary's stats (`avg`, `p(95)`, `rate`, `value`, `count`…). */
function observedFrom(stats: Record<string, unknown>, t: ThresholdExpr): number | null {
  const a = t.aggregation;
  const key = a.kind === 'percentile' ? `p(${a.p})` : a.kind;
  const v = num(stats[key]) ?? (a.kind === 'rate' ? num(stats.value) : undefined);
  return v === undefined ? null : v;
}

function importSummary(file: SourceFile, input: ImportInput): Result {
  const doc = expectObject(file, parseJsonFile(file, 'a k6 --summary-export JSON document'), 'the document', 'a k6 summary');
  const metrics = expectObject(file, doc.metrics, 'metrics', 'a k6 summary');
  // handleSummary's form nests the statistics under `values`; the legacy export does not.
  const stats = (name: string): Record<string, unknown> | undefined => {
    const m = metrics[name];
    if (!isObject(m)) return undefined;
    return isObject(m.values) ? m.values : m;
  };
  const reqs = stats('http_reqs');
  if (!reqs) throw fileError(file, undefined, 'expected metrics.http_reqs (is this a k6 summary of an HTTP test?)');
  const requests = num(reqs.count) ?? 0;
  const rate = num(reqs.rate) ?? 0;
  const failed = stats('http_req_failed');
  const errors = failed ? (num(failed.passes) ?? Math.round((num(failed.value) ?? num(failed.rate) ?? 0) * requests)) : 0;
  const dur = stats('http_req_duration') ?? {};
  const rec: RecordedLatencyMs = {
    min: num(dur.min),
    mean: num(dur.avg),
    p50: num(dur.med) ?? num(dur['p(50)']),
    p90: num(dur['p(90)']),
    p95: num(dur['p(95)']),
    p99: num(dur['p(99)']),
    p999: num(dur['p(99.9)']),
    max: num(dur.max),
  };
  const { latency, missing } = recordedSummary(rec);
  const stateMs = isObject(doc.state) ? num(doc.state.testRunDurationMs) : undefined;
  const durationSec = stateMs !== undefined ? stateMs / 1000 : rate > 0 ? requests / rate : 0;

  const criteria: CriterionResult[] = [];
  const thresholds: Record<string, string[]> = {};
  for (const [key, m] of Object.entries(metrics)) {
    if (!isObject(m) || !isObject(m.thresholds)) continue;
    const s = isObject(m.values) ? m.values : m;
    for (const [expr, outcome] of Object.entries(m.thresholds)) {
      // legacy: true = failed; handleSummary: {ok}
      const pass = isObject(outcome) ? outcome.ok === true : outcome === false;
      const parsed = parseThreshold(expr);
      (thresholds[key] ??= []).push(expr);
      const c: CriterionResult = { metric: key, condition: expr, observed: typeof parsed === 'string' ? null : observedFrom(s, parsed), pass };
      const unit = typeof parsed === 'string' ? undefined : unitOf(key, parsed);
      if (unit) c.unit = unit;
      criteria.push(c);
    }
  }
  const summary: Summary = {
    requests,
    errors,
    errorRate: requests ? errors / requests : 0,
    throughputRps: Math.round(rate * 100) / 100,
    peakRps: Math.round(rate * 100) / 100,
    latencyMs: latency,
  };
  if (errors) summary.errorKinds = {};
  const checks = stats('checks');
  if (checks && num(checks.passes) !== undefined) {
    const passes = num(checks.passes)!;
    const fails = num(checks.fails) ?? 0;
    summary.checks = { passes, fails, rate: passes + fails ? passes / (passes + fails) : 1 };
  }
  const iters = stats('iterations');
  if (iters && num(iters.count) !== undefined) summary.iterations = num(iters.count)!;
  const recv = stats('data_received');
  if (recv && num(recv.count) !== undefined) summary.bytesReceived = num(recv.count)!;
  const sent = stats('data_sent');
  if (sent && num(sent.count) !== undefined) summary.bytesSent = num(sent.count)!;
  if (summary.errorKinds && Object.keys(summary.errorKinds).length === 0) delete summary.errorKinds;
  return importedResult(
    {
      source: 'k6',
      name: 'k6 run',
      target: '',
      durationSec,
      summary,
      endpoints: [],
      timeline: [],
      criteria,
      thresholds,
      limitations: [
        "k6's summary export records no time series: phases cannot be detected (import the --out json file for them)",
        'the summary export has no per-endpoint figures or status codes',
        missingSentence("k6's summary export", missing, ' (summaryTrendStats)'),
        stateMs === undefined ? 'the legacy summary export states no test duration: it is derived from http_reqs count ÷ rate' : undefined,
      ],
    },
    input,
  );
}

interface Trend {
  hdr: Histogram;
  sum: number;
  count: number;
}

function importPoints(file: SourceFile, input: ImportInput): Result {
  const agg = new SampleAggregator(undefined, file);
  const declared = new Map<string, string[]>();
  const trends = new Map<string, Trend>();
  const rates = new Map<string, { passes: number; total: number }>();
  const counters = new Map<string, number>();
  const checks = { passes: 0, fails: 0 };
  let firstMs = Infinity;
  let lastMs = -Infinity;
  let lineNo = 0;
  let from = 0;
  const text = file.text;
  while (from < text.length) {
    const nl = text.indexOf('\n', from);
    const end = nl === -1 ? text.length : nl;
    const line = text.slice(from, end).trim();
    from = end + 1;
    lineNo++;
    if (line === '') continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      const truncated = nl === -1;
      throw badFile(
        `${displayName(file)}:${lineNo}`,
        `expected one k6 JSON output record per line ({"type":"Point","data":{…},"metric":…})${truncated ? ': the last line is incomplete, the file looks truncated' : ''}`,
      );
    }
    if (!isObject(rec) || !isObject(rec.data) || typeof rec.metric !== 'string') {
      throw badFile(`${displayName(file)}:${lineNo}`, 'expected a k6 record {"type":…,"data":{…},"metric":…}');
    }
    const metric = rec.metric;
    const data = rec.data;
    if (rec.type === 'Metric') {
      const th = Array.isArray(data.thresholds) ? data.thresholds.filter((t): t is string => typeof t === 'string') : [];
      if (th.length) declared.set(typeof data.name === 'string' ? data.name : metric, th);
      continue;
    }
    if (rec.type !== 'Point') continue;
    const value = num(data.value);
    const timeMs = typeof data.time === 'string' ? Date.parse(data.time) : NaN;
    if (value === undefined || Number.isNaN(timeMs)) {
      throw badFile(`${displayName(file)}:${lineNo}`, 'expected a point with a numeric "value" and an ISO 8601 "time"');
    }
    const tags = isObject(data.tags) ? (data.tags as Record<string, unknown>) : {};
    checkEpochMs(file, lineNo, timeMs, 'the point time');
    firstMs = Math.min(firstMs, timeMs);
    lastMs = Math.max(lastMs, timeMs);
    checkSpan(file, lineNo, lastMs - firstMs, 'this point');
    switch (metric) {
      case 'http_req_duration': {
        const status = Number(tags.status ?? 0) || 0;
        const code = Number(tags.error_code ?? 0) || 0;
        const failed = tags.expected_response !== undefined ? String(tags.expected_response) === 'false' : status === 0 || status >= 400;
        const endpoint = String(tags.name ?? tags.url ?? '');
        agg.add({
          // k6 stamps HTTP samples with the request's end
          startMs: timeMs - value,
          latencyUs: value * 1000,
          endpoint,
          method: String(tags.method ?? ''),
          status,
          errorKind: failed ? k6ErrorKind(code, status) : undefined,
        }, lineNo);
        break;
      }
      case 'vus':
        agg.setVus(timeMs, value, lineNo);
        break;
      case 'checks':
        if (value) checks.passes++;
        else checks.fails++;
        break;
    }
    // Keep what thresholds may read: trends (histogram), rates, counters.
    if (metric === 'http_req_duration' || metric === 'iteration_duration') {
      let t = trends.get(metric);
      if (!t) trends.set(metric, (t = { hdr: createHistogram(), sum: 0, count: 0 }));
      recordUs(t.hdr, value * 1000);
      t.sum += value;
      t.count++;
    } else if (metric === 'http_req_failed' || metric === 'checks') {
      const r = rates.get(metric) ?? { passes: 0, total: 0 };
      r.total++;
      if (value) r.passes++;
      rates.set(metric, r);
    } else if (metric === 'http_reqs' || metric === 'iterations' || metric === 'data_received' || metric === 'data_sent' || metric === 'dropped_iterations') {
      counters.set(metric, (counters.get(metric) ?? 0) + value);
    }
  }
  if (agg.size === 0 && !Number.isFinite(firstMs)) {
    throw fileError(file, 1, 'expected k6 Point records (is this a k6 --out json file?)');
  }
  const durationSec = Number.isFinite(firstMs) ? Math.max(0.001, (lastMs - firstMs) / 1000) : 0;
  const parts = agg.build(durationSec);
  const summary = parts.summary;
  if (checks.passes + checks.fails) summary.checks = { ...checks, rate: checks.passes / (checks.passes + checks.fails) };
  if (counters.has('iterations')) summary.iterations = counters.get('iterations')!;
  if (counters.has('data_received')) summary.bytesReceived = counters.get('data_received')!;
  if (counters.has('data_sent')) summary.bytesSent = counters.get('data_sent')!;
  if (counters.has('dropped_iterations')) summary.dropped = counters.get('dropped_iterations')!;
  // Thresholds declared on the Metric lines, evaluated on the same points.
  const criteria: CriterionResult[] = [];
  const thresholds: Record<string, string[]> = {};
  const warnings: string[] = [];
  for (const [key, exprs] of declared) {
    thresholds[key] = exprs;
    for (const expr of exprs) {
      const t = parseThreshold(expr);
      if (typeof t === 'string') {
        warnings.push(`threshold ${key} "${expr}" is not one loadproof can read: ${t}`);
        continue;
      }
      const observed = observeK6(key, t, { trends, rates, counters, durationSec, endpoints: parts.endpoints });
      if (observed === undefined) {
        warnings.push(`threshold ${key} "${expr}" reads a metric or tag loadproof does not rebuild from k6 points; it is left out`);
        continue;
      }
      const c: CriterionResult = { metric: key, condition: expr, observed: round3(observed), pass: compare(observed, t.op, t.value) };
      const unit = unitOf(key, t);
      if (unit) c.unit = unit;
      criteria.push(c);
    }
  }
  return importedResult(
    {
      source: 'k6',
      name: 'k6 run',
      target: '',
      startedAtMs: Number.isFinite(firstMs) ? Math.min(firstMs, parts.firstStartMs) : undefined,
      durationSec,
      summary,
      endpoints: parts.endpoints,
      timeline: parts.timeline,
      criteria,
      thresholds,
      warnings,
      limitations: [
        "k6 does not write threshold outcomes into --out json: loadproof evaluates the declared thresholds on the points (percentiles from HdrHistogram, 0.1% precision)",
        'the k6 JSON output does not hold the script, the target URL or the k6 version',
      ],
    },
    input,
  );
}

interface K6Data {
  trends: Map<string, Trend>;
  rates: Map<string, { passes: number; total: number }>;
  counters: Map<string, number>;
  durationSec: number;
  endpoints: Result['endpoints'];
}

/** The observed value of a threshold on rebuilt data; undefined when loadproof cannot rebuild it. */
function observeK6(key: string, t: ThresholdExpr, d: K6Data): number | undefined {
  const m = /^([a-z_]+)(?:\{name:([^}]+)\})?$/.exec(key);
  if (!m) return undefined;
  const [, metric, name] = m;
  const a = t.aggregation;
  if (name !== undefined) {
    const ep = d.endpoints.find((e) => e.name === name);
    if (!ep) return undefined;
    if (metric === 'http_req_failed' && a.kind === 'rate') return ep.errorRate;
    if (metric !== 'http_req_duration') return undefined;
    const l = ep.latencyMs;
    const known = (v: number | null): number | undefined => v ?? undefined;
    if (a.kind === 'percentile') return known(a.p === 50 ? l.p50 : a.p === 90 ? l.p90 : a.p === 95 ? l.p95 : a.p === 99 ? l.p99 : null);
    return known(a.kind === 'avg' ? l.mean : a.kind === 'min' ? l.min : a.kind === 'max' ? l.max : a.kind === 'med' ? l.p50 : null);
  }
  const trend = d.trends.get(metric!);
  if (trend) {
    const h = trend.hdr;
    if (a.kind === 'percentile') return percentileMs(h, a.p);
    if (a.kind === 'avg') return trend.count ? trend.sum / trend.count : 0;
    if (a.kind === 'min') return h.totalCount ? h.minNonZeroValue / 1000 : 0;
    if (a.kind === 'max') return h.maxValue / 1000;
    if (a.kind === 'med') return percentileMs(h, 50);
    return undefined;
  }
  const rate = d.rates.get(metric!);
  if (rate && a.kind === 'rate') return rate.total ? rate.passes / rate.total : 0;
  const counter = d.counters.get(metric!);
  if (counter !== undefined) {
    if (a.kind === 'count') return counter;
    if (a.kind === 'rate') return d.durationSec ? counter / d.durationSec : 0;
  }
  return undefined;
}

export function importK6(input: ImportInput): Result {
  const file = input.files[0]!;
  if (input.files.length > 1) {
    throw fileError(input.files[1]!, undefined, 'k6 imports one file at a time (the --out json file, or the --summary-export file)');
  }
  const kind = sniffKind(file.text);
  if (kind === 'k6-points') return importPoints(file, input);
  if (kind === 'k6-summary') return importSummary(file, input);
  const t = file.text.trimStart();
  if (t.startsWith('{') && !t.includes('\n')) return importSummary(file, input);
  if (t.startsWith('{')) {
    // Could be either: a garbled summary or NDJSON; JSON.parse of the whole says which line is wrong.
    const firstLine = t.slice(0, t.indexOf('\n'));
    try {
      JSON.parse(firstLine);
      return importPoints(file, input);
    } catch {
      return importSummary(file, input);
    }
  }
  throw fileError(file, 1, 'expected k6 output: a --summary-export JSON document or --out json records (is this a k6 file?)');
}
