/**
 * Artillery 2 `--output` report JSON → Result: `aggregate` for the totals, `intermediate` (one entry
 * per reporting period, 10 s by default) for the timeline, and the `metrics-by-endpoint` plugin's
 * metrics, when it was on, for endpoints. Layout followed: artillery 2.0.21 (`counters`, `rates`,
 * `summaries` with min/max/count/mean/p50/median/p75/p90/p95/p99/p999, period timestamps in epoch ms).
 */
import type { EndpointResult, ErrorKind, Result, Summary, TimelinePoint } from '../../result/types.js';
import { expectObject, isObject, num, parseJsonFile } from '../common/json.js';
import { importedResult, type ImportInput } from '../common/imported-result.js';
import { missingSentence, recordedPoint, recordedSummary, type RecordedLatencyMs } from '../common/latency.js';
import { fileError, type SourceFile } from '../common/source-file.js';
import { checkEpochMs, checkSpan } from '../common/span.js';

type Counters = Record<string, number>;
type Summaries = Record<string, Record<string, number>>;

interface Period {
  counters: Counters;
  summaries: Summaries;
  startMs: number;
  endMs: number;
}

const ENDPOINT_PREFIX = 'plugins.metrics-by-endpoint.';

/** Artillery's error counter names (`errors.ETIMEDOUT`) → loadproof's error kinds. */
function errorKindOf(code: string): ErrorKind {
  if (/ETIMEDOUT|ESOCKETTIMEDOUT|timeout/i.test(code)) return 'timeout';
  if (/ECONNREFUSED/.test(code)) return 'refused';
  if (/ECONNRESET|EPIPE|socket hang up/i.test(code)) return 'reset';
  if (/EAI_AGAIN|ENOTFOUND/.test(code)) return 'dns';
  if (/CERT|SSL|TLS/i.test(code)) return 'tls';
  return 'other';
}

function readPeriod(file: SourceFile, v: unknown, path: string): Period {
  const o = expectObject(file, v, path, 'an Artillery 2 report period');
  if (!isObject(o.counters)) {
    throw fileError(
      file,
      undefined,
      `expected ${path}.counters (an Artillery 2 report); ${'latency' in o || 'codes' in o ? 'this looks like an Artillery 1 report, which loadproof does not read' : 'it is missing'}`,
    );
  }
  const startMs = num(o.firstMetricAt) ?? num(o.firstCounterAt) ?? num(o.period);
  const endMs = num(o.lastMetricAt) ?? num(o.lastCounterAt) ?? startMs;
  if (startMs === undefined || endMs === undefined) throw fileError(file, undefined, `expected ${path}.firstMetricAt and lastMetricAt timestamps`);
  checkEpochMs(file, undefined, startMs, `${path}.firstMetricAt`);
  checkSpan(file, undefined, endMs - startMs, `${path}.lastMetricAt`);
  return { counters: o.counters as Counters, summaries: (isObject(o.summaries) ? o.summaries : {}) as Summaries, startMs, endMs };
}

interface Tally {
  requests: number;
  responses: number;
  errors: number;
  statusCodes: Record<string, number>;
  errorKinds: Partial<Record<ErrorKind, number>>;
}

/** Counts of a period (or of one endpoint when `prefix` is the plugin's per-endpoint prefix). */
function tally(c: Counters, prefix = ''): Tally {
  const t: Tally = { requests: c[`${prefix}http.requests`] ?? 0, responses: c[`${prefix}http.responses`] ?? 0, errors: 0, statusCodes: {}, errorKinds: {} };
  const codesAt = prefix ? prefix + 'codes.' : 'http.codes.';
  const errorsAt = prefix ? prefix + 'errors.' : 'errors.';
  for (const [k, n] of Object.entries(c)) {
    if (k.startsWith(codesAt) && /^\d{3}$/.test(k.slice(codesAt.length))) {
      const code = k.slice(codesAt.length);
      t.statusCodes[code] = n;
      if (Number(code) >= 400) {
        t.errors += n;
        t.errorKinds.status = (t.errorKinds.status ?? 0) + n;
      }
    } else if (k.startsWith(errorsAt)) {
      const kind = errorKindOf(k.slice(errorsAt.length));
      t.errors += n;
      t.errorKinds[kind] = (t.errorKinds[kind] ?? 0) + n;
    }
  }
  if (prefix) t.requests = Object.values(t.statusCodes).reduce((a, b) => a + b, 0) + t.errors - (t.errorKinds.status ?? 0);
  return t;
}

function latencyRec(s: Record<string, number> | undefined): RecordedLatencyMs {
  if (!s) return {};
  return { min: s.min, mean: s.mean, p50: s.p50 ?? s.median, p90: s.p90, p95: s.p95, p99: s.p99, p999: s.p999, max: s.max };
}

export function importArtillery(input: ImportInput): Result {
  const file = input.files[0]!;
  const doc = parseJsonFile(file, 'an Artillery report (artillery run --output)');
  const root = expectObject(file, doc, 'the document', 'an Artillery report');
  if (!('aggregate' in root)) throw fileError(file, 1, 'expected an "aggregate" object (is this an Artillery --output report?)');
  const aggregate = readPeriod(file, root.aggregate, 'aggregate');
  const intermediate = Array.isArray(root.intermediate) ? root.intermediate.map((p, i) => readPeriod(file, p, `intermediate[${i}]`)) : [];
  intermediate.forEach((p, i) => checkSpan(file, undefined, Math.max(Math.abs(p.endMs - aggregate.startMs), Math.abs(p.startMs - aggregate.startMs)), `intermediate[${i}]'s timestamps`));
  const total = tally(aggregate.counters);
  const startMs = aggregate.startMs;
  const durationSec = Math.max(0.001, (aggregate.endMs - aggregate.startMs) / 1000);
  const { latency, missing } = recordedSummary(latencyRec(aggregate.summaries['http.response_time']));

  const timeline: TimelinePoint[] = intermediate
    .sort((a, b) => a.startMs - b.startMs)
    .map((p) => {
      const t = tally(p.counters);
      const d = Math.max(0.001, (p.endMs - p.startMs) / 1000);
      const point: TimelinePoint = {
        t: Math.round((p.startMs - startMs) / 10) / 100,
        durationSec: Math.round(d * 100) / 100,
        offeredRps: null,
        rps: Math.round((t.responses / d) * 100) / 100,
        errors: t.errors,
        inFlight: null,
        vus: null,
        latencyMs: recordedPoint(latencyRec(p.summaries['http.response_time'])),
      };
      if (Object.keys(t.statusCodes).length) point.statusCodes = t.statusCodes;
      if (t.errors) point.errorKinds = t.errorKinds;
      return point;
    });

  // metrics-by-endpoint: response_time.<name> summaries and <name>.codes.<n> / <name>.errors.<e> counters
  const names = Object.keys(aggregate.summaries)
    .filter((k) => k.startsWith(`${ENDPOINT_PREFIX}response_time.`))
    .map((k) => k.slice(`${ENDPOINT_PREFIX}response_time.`.length));
  const endpoints: EndpointResult[] = names.sort().map((name) => {
    const t = tally(aggregate.counters, `${ENDPOINT_PREFIX}${name}.`);
    const ep: EndpointResult = {
      name,
      method: '',
      requests: t.requests,
      errors: t.errors,
      errorRate: t.requests ? t.errors / t.requests : 0,
      statusCodes: t.statusCodes,
      latencyMs: recordedSummary(latencyRec(aggregate.summaries[`${ENDPOINT_PREFIX}response_time.${name}`])).latency,
    };
    if (t.errors) ep.errorKinds = t.errorKinds;
    return ep;
  });

  const summary: Summary = {
    requests: total.requests,
    errors: total.errors,
    errorRate: total.requests ? total.errors / total.requests : 0,
    throughputRps: Math.round((total.responses / durationSec) * 100) / 100,
    peakRps: timeline.reduce((m, p) => Math.max(m, p.rps), 0),
    latencyMs: latency,
    statusCodes: total.statusCodes,
  };
  if (total.errors) summary.errorKinds = total.errorKinds;
  const bytes = aggregate.counters['http.downloaded_bytes'];
  if (bytes !== undefined) summary.bytesReceived = bytes;
  const created = aggregate.counters['vusers.created'];
  if (created !== undefined) summary.iterations = created;

  return importedResult(
    {
      source: 'artillery',
      name: 'artillery run',
      target: '',
      startedAtMs: startMs,
      durationSec,
      summary,
      endpoints,
      timeline,
      model: 'open',
      limitations: [
        `Artillery reports per period (${timeline[0]?.durationSec !== undefined ? `about ${Math.round(Math.max(...timeline.map((p) => p.durationSec ?? 0)))} s` : 'none recorded'}), not per second: phases are found at that resolution`,
        "Artillery's arrival rate counts virtual users (scenarios), not requests: the offered request rate is unknown",
        'Artillery records no latency histogram in its report: steps use the worst period percentile, not a merge',
        endpoints.length === 0 ? 'the report has no per-endpoint metrics (enable the metrics-by-endpoint plugin)' : 'per-endpoint figures come from the metrics-by-endpoint plugin, which records no HTTP method',
        missingSentence('Artillery', missing),
        'the report does not hold the target URL or the Artillery version',
      ],
    },
    input,
  );
}
