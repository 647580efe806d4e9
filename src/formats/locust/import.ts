/**
 * Locust `--csv PREFIX` files → Result. Any one of PREFIX_stats.csv, PREFIX_stats_history.csv,
 * PREFIX_failures.csv, PREFIX_exceptions.csv may be given; the others are found by prefix.
 * Columns followed: Locust 2.12 `stats.py` (StatsCSV, StatsCSVFileWriter).
 *
 * The history holds one "Aggregated" row per second with cumulative totals (Total Request Count,
 * Total Failure Count): each interval's requests and failures are the differences of consecutive
 * rows, so they are exact. Its percentiles are Locust's "current" ones, a sliding 10 s window, and
 * are kept as such (said in `limitations`).
 */
import type { EndpointResult, ErrorKind, Result, Summary, TimelinePoint } from '../../result/types.js';
import { parseCsv, Table, type DelimitedRow } from '../common/csv.js';
import { importedResult, type ImportInput } from '../common/imported-result.js';
import { missingSentence, recordedPoint, recordedSummary, type RecordedLatencyMs } from '../common/latency.js';
import { fileError, type SourceFile } from '../common/source-file.js';
import { sniffKind, type FileKind } from '../sniff.js';
import { checkEpochMs, checkSpan } from '../common/span.js';

const SUFFIXES = ['_stats.csv', '_stats_history.csv', '_failures.csv', '_exceptions.csv'] as const;

/** The other files of the run that `path` belongs to (by Locust's naming). */
export function locustSiblings(path: string): string[] {
  const suffix = [...SUFFIXES].sort((a, b) => b.length - a.length).find((s) => path.endsWith(s));
  if (!suffix) return [];
  const prefix = path.slice(0, -suffix.length);
  return SUFFIXES.map((s) => prefix + s).filter((p) => p !== path);
}

const PCT_COLUMNS: Array<[keyof RecordedLatencyMs, string]> = [
  ['p50', '50%'],
  ['p90', '90%'],
  ['p95', '95%'],
  ['p99', '99%'],
  ['p999', '99.9%'],
];

function percentiles(t: Table, row: DelimitedRow, rec: RecordedLatencyMs): void {
  for (const [k, col] of PCT_COLUMNS) {
    if (!t.has(col)) continue;
    const v = t.text(row, col);
    if (v !== 'N/A' && v !== '') rec[k] = t.num(row, col);
  }
}

/** Classifies a Locust failure message ("HTTPError('500 Server Error: …')", "ConnectionRefusedError(…)"). */
function failureKind(message: string): { kind: ErrorKind; status?: string } {
  const http = /HTTPError\('(\d{3}) /.exec(message) ?? /\b(\d{3}) (?:Client|Server) Error/.exec(message);
  if (http) return { kind: 'status', status: http[1] };
  if (/ConnectionRefused|Connection refused/i.test(message)) return { kind: 'refused' };
  if (/ConnectionReset|reset by peer|RemoteDisconnected/i.test(message)) return { kind: 'reset' };
  if (/Timeout|timed out/i.test(message)) return { kind: 'timeout' };
  if (/NameResolution|getaddrinfo|Name or service not known/i.test(message)) return { kind: 'dns' };
  if (/SSL/i.test(message)) return { kind: 'tls' };
  return { kind: 'other' };
}

interface Failures {
  /** "METHOD name" → kinds */
  byEndpoint: Map<string, { kinds: Partial<Record<ErrorKind, number>>; statuses: Record<string, number> }>;
  total: Partial<Record<ErrorKind, number>>;
  statuses: Record<string, number>;
}

function readFailures(file: SourceFile): Failures {
  const t = new Table(file, parseCsv(file), 'Locust failures');
  t.require(['Method', 'Name', 'Error', 'Occurrences'], 'Locust failures');
  const out: Failures = { byEndpoint: new Map(), total: {}, statuses: {} };
  for (const row of t.rows) {
    const n = t.num(row, 'Occurrences');
    const { kind, status } = failureKind(t.text(row, 'Error'));
    const key = `${t.text(row, 'Method')} ${t.text(row, 'Name')}`;
    let e = out.byEndpoint.get(key);
    if (!e) out.byEndpoint.set(key, (e = { kinds: {}, statuses: {} }));
    e.kinds[kind] = (e.kinds[kind] ?? 0) + n;
    out.total[kind] = (out.total[kind] ?? 0) + n;
    if (status) {
      e.statuses[status] = (e.statuses[status] ?? 0) + n;
      out.statuses[status] = (out.statuses[status] ?? 0) + n;
    }
  }
  return out;
}

interface HistoryParts {
  timeline: TimelinePoint[];
  startedAtMs: number;
  durationSec: number;
  last: { requests: number; failures: number };
  lastRow: { t: Table; row: DelimitedRow };
  peakUsers: number;
}

function readHistory(file: SourceFile): HistoryParts {
  const t = new Table(file, parseCsv(file), 'Locust stats_history');
  t.require(['Timestamp', 'User Count', 'Name', 'Total Request Count', 'Total Failure Count'], 'Locust stats_history');
  const rows = t.rows.filter((r) => t.text(r, 'Name') === 'Aggregated');
  if (rows.length === 0) throw fileError(file, 2, 'expected "Aggregated" rows (the file looks truncated)');
  const first = rows[0]!;
  const t0 = t.num(first, 'Timestamp');
  checkEpochMs(file, first.line, t0 * 1000, 'the Timestamp (epoch seconds)');
  const timeline: TimelinePoint[] = [];
  let prev = { ts: t0, requests: t.num(first, 'Total Request Count'), failures: t.num(first, 'Total Failure Count') };
  let peakUsers = t.num(first, 'User Count');
  for (const row of rows.slice(1)) {
    const ts = t.num(row, 'Timestamp');
    checkSpan(file, row.line, (ts - t0) * 1000, 'this Timestamp');
    const requests = t.num(row, 'Total Request Count');
    const failures = t.num(row, 'Total Failure Count');
    const users = t.num(row, 'User Count');
    peakUsers = Math.max(peakUsers, users);
    const dt = ts - prev.ts;
    if (dt <= 0) {
      // Two writes within one second: the later totals stand for the interval already open.
      const last = timeline[timeline.length - 1];
      if (last) {
        const d = last.durationSec ?? 1;
        last.rps = Math.round((((last.rps * d) + (requests - prev.requests)) / d) * 100) / 100;
        last.errors += failures - prev.failures;
        last.vus = users;
      }
      prev = { ts: prev.ts, requests, failures };
      continue;
    }
    const rec: RecordedLatencyMs = {};
    percentiles(t, row, rec);
    const done = requests - prev.requests;
    timeline.push({
      t: prev.ts - t0,
      durationSec: dt,
      offeredRps: null,
      rps: Math.round((done / dt) * 100) / 100,
      errors: failures - prev.failures,
      inFlight: null,
      vus: users,
      latencyMs: done > 0 ? recordedPoint(rec) : null,
    });
    prev = { ts, requests, failures };
  }
  const lastRow = rows[rows.length - 1]!;
  return {
    timeline,
    startedAtMs: t0 * 1000,
    durationSec: Math.max(1, t.num(lastRow, 'Timestamp') - t0),
    last: { requests: prev.requests, failures: prev.failures },
    lastRow: { t, row: lastRow },
    peakUsers,
  };
}

export function importLocust(input: ImportInput): Result {
  const byKind = new Map<FileKind, SourceFile>();
  for (const f of input.files) {
    const kind = sniffKind(f.text);
    if (kind === undefined || !kind.startsWith('locust-')) {
      // `--from locust` on something else: say what a Locust CSV starts with.
      throw fileError(f, 1, 'expected a Locust CSV header such as "Type,Name,Request Count,Failure Count,…" (is this a Locust --csv file?)');
    }
    byKind.set(kind, f);
  }
  const statsFile = byKind.get('locust-stats');
  const historyFile = byKind.get('locust-history');
  const failuresFile = byKind.get('locust-failures');
  if (!statsFile && !historyFile) {
    const f = input.files[0]!;
    throw fileError(f, undefined, 'found no PREFIX_stats.csv or PREFIX_stats_history.csv beside this file', 'keep the files Locust wrote with --csv together');
  }
  const failures = failuresFile ? readFailures(failuresFile) : undefined;
  const history = historyFile ? readHistory(historyFile) : undefined;
  const limitations: Array<string | undefined> = [
    'Locust records no status codes except in failure messages (statusCodes lists only those)',
    "Locust's percentiles are rounded (\"approximated\", to 2 significant digits above 100 ms)",
  ];
  const warnings: string[] = [];

  let summary: Summary;
  let endpoints: EndpointResult[] = [];
  if (statsFile) {
    const t = new Table(statsFile, parseCsv(statsFile), 'Locust stats');
    t.require(['Type', 'Name', 'Request Count', 'Failure Count', 'Average Response Time', 'Min Response Time', 'Max Response Time'], 'Locust stats');
    const agg = t.rows.find((r) => t.text(r, 'Name') === 'Aggregated' && t.text(r, 'Type') === '');
    if (!agg) throw fileError(statsFile, t.rows.at(-1)?.line ?? 1, 'expected the "Aggregated" row (the file looks truncated)');
    const latencyOf = (row: DelimitedRow): ReturnType<typeof recordedSummary> => {
      const requests = t.num(row, 'Request Count');
      const rec: RecordedLatencyMs =
        requests > 0
          ? { min: t.num(row, 'Min Response Time', 0), mean: t.num(row, 'Average Response Time', 0), max: t.num(row, 'Max Response Time', 0) }
          : {};
      if (requests > 0) percentiles(t, row, rec);
      return recordedSummary(rec);
    };
    endpoints = t.rows
      .filter((r) => r !== agg)
      .map((row) => {
        const method = t.text(row, 'Type');
        const name = t.text(row, 'Name');
        const requests = t.num(row, 'Request Count');
        const errors = t.num(row, 'Failure Count');
        const f = failures?.byEndpoint.get(`${method} ${name}`);
        const ep: EndpointResult = {
          name,
          method,
          requests,
          errors,
          errorRate: requests ? errors / requests : 0,
          statusCodes: f?.statuses ?? {},
          latencyMs: latencyOf(row).latency,
        };
        if (f) ep.errorKinds = f.kinds;
        return ep;
      });
    const requests = t.num(agg, 'Request Count');
    const errors = t.num(agg, 'Failure Count');
    const { latency, missing } = latencyOf(agg);
    limitations.push(missingSentence('Locust', missing));
    const durationSec = history?.durationSec ?? (t.num(agg, 'Requests/s', 0) > 0 ? requests / t.num(agg, 'Requests/s') : 0);
    summary = {
      requests,
      errors,
      errorRate: requests ? errors / requests : 0,
      throughputRps: Math.round(t.num(agg, 'Requests/s', 0) * 100) / 100,
      peakRps: 0,
      latencyMs: latency,
      statusCodes: failures?.statuses ?? {},
    };
    if (t.has('Average Content Size')) summary.bytesReceived = Math.round(t.num(agg, 'Average Content Size', 0) * requests);
    if (history && history.last.requests !== requests) {
      warnings.push(
        `the stats history ends at ${history.last.requests} requests, the stats at ${requests}: Locust flushes the history every 10 s and not at exit, so its last seconds are missing from the timeline`,
      );
    }
    if (!history) limitations.push('without PREFIX_stats_history.csv (--csv-full-history or the default history) there is no time series: phases cannot be detected');
    summary.peakRps = history ? Math.max(0, ...history.timeline.map((p) => p.rps)) : summary.throughputRps;
    return finish(summary, endpoints, durationSec);
  }
  // Only the history: totals from its last row; whole-run percentiles are not in it.
  const h = history!;
  const { t, row } = h.lastRow;
  const requests = h.last.requests;
  const errors = h.last.failures;
  const rec: RecordedLatencyMs = {
    mean: t.num(row, 'Total Average Response Time', 0),
    min: t.num(row, 'Total Min Response Time', 0),
    max: t.num(row, 'Total Max Response Time', 0),
    p50: t.num(row, 'Total Median Response Time', 0),
  };
  const { latency, missing } = recordedSummary(rec);
  limitations.push('without PREFIX_stats.csv there are no per-endpoint figures', missingSentence('the Locust history', missing));
  summary = {
    requests,
    errors,
    errorRate: requests ? errors / requests : 0,
    throughputRps: Math.round((requests / h.durationSec) * 100) / 100,
    peakRps: Math.max(0, ...h.timeline.map((p) => p.rps)),
    latencyMs: latency,
    statusCodes: failures?.statuses ?? {},
  };
  return finish(summary, endpoints, h.durationSec);

  function finish(s: Summary, eps: EndpointResult[], durationSec: number): Result {
    if (failures && s.errors) s.errorKinds = failures.total;
    if (history) limitations.push("Locust's per-second percentiles cover a sliding 10 s window (its \"current\" response times)");
    return importedResult(
      {
        source: 'locust',
        name: 'locust run',
        target: '',
        startedAtMs: history?.startedAtMs,
        durationSec,
        summary: s,
        endpoints: eps,
        timeline: history?.timeline ?? [],
        model: 'closed',
        limitations: [...limitations, 'Locust does not write the host it tested into its CSV files'],
        warnings,
      },
      input,
    );
  }
}
