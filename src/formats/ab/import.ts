/**
 * ApacheBench (ab 2.3) → Result: the printed report, plus, when given, the `-g` gnuplot file (one
 * row per request: start second, connect/processing/total ms) and the `-e` percentile CSV (0–100%).
 *
 * ab's "Failed requests" includes "Length" failures — every body whose length differs from the first
 * response's — which are not errors for dynamic content; loadproof counts non-2xx responses and
 * connect/receive/exception failures as errors and reports the length count as a warning.
 */
import type { ErrorKind, Result, Summary } from '../../result/types.js';
import { parseCsv, parseTsv, Table } from '../common/csv.js';
import { countErrorKind, importedResult, soleEndpoint, type ImportInput } from '../common/imported-result.js';
import { missingSentence, recordedSummary, type RecordedLatencyMs } from '../common/latency.js';
import { SampleAggregator } from '../common/result-builder.js';
import { TextReport, displayName, fileError, type SourceFile } from '../common/source-file.js';
import { sniffKind } from '../sniff.js';

interface AbText {
  version?: string;
  host: string;
  port: string;
  path: string;
  concurrency: number;
  durationSec: number;
  complete: number;
  failed: number;
  breakdown: { connect: number; receive: number; length: number; exceptions: number };
  non2xx: number;
  writeErrors: number;
  bytes?: number;
  rps: number;
  total?: { min: number; mean: number; sd: number; median: number; max: number };
  percentiles: Map<number, number>;
}

function readText(file: SourceFile): AbText {
  const r = new TextReport(file, 'ab');
  const version = r.findAnywhere(/^This is ApacheBench, Version (\S+)/)?.match[1];
  const host = r.expect(/^Server Hostname:\s+(\S+)/, '"Server Hostname:"')[1]!;
  const port = r.expect(/^Server Port:\s+(\d+)/, '"Server Port:"')[1]!;
  const path = r.expect(/^Document Path:\s+(\S+)/, '"Document Path:"')[1]!;
  const concurrency = Number(r.expect(/^Concurrency Level:\s+(\d+)/, '"Concurrency Level:"')[1]);
  const durationSec = Number(r.expect(/^Time taken for tests:\s+([\d.]+) seconds/, '"Time taken for tests:"')[1]);
  const complete = Number(r.expect(/^Complete requests:\s+(\d+)/, '"Complete requests:"')[1]);
  const failed = Number(r.expect(/^Failed requests:\s+(\d+)/, '"Failed requests:"')[1]);
  const breakdown = { connect: 0, receive: 0, length: 0, exceptions: 0 };
  if (failed > 0) {
    const b = r.expect(/^\s*\(Connect: (\d+), Receive: (\d+), Length: (\d+), Exceptions: (\d+)\)/, '"(Connect: …, Receive: …, Length: …, Exceptions: …)"');
    breakdown.connect = Number(b[1]);
    breakdown.receive = Number(b[2]);
    breakdown.length = Number(b[3]);
    breakdown.exceptions = Number(b[4]);
  }
  const writeErrors = Number(r.findAnywhere(/^Write errors:\s+(\d+)/)?.match[1] ?? 0);
  const non2xx = Number(r.findAnywhere(/^Non-2xx responses:\s+(\d+)/)?.match[1] ?? 0);
  const bytesLine = r.findAnywhere(/^Total transferred:\s+(\d+) bytes/);
  const rps = Number(r.expect(/^Requests per second:\s+([\d.]+)/, '"Requests per second:"')[1]);
  const totalRow = r.find(/^Total:\s+(\d+)\s+(\d+)\s+([\d.]+)\s+(\d+)\s+(\d+)/);
  const percentiles = new Map<number, number>();
  if (complete > 0) {
    r.expect(/^Percentage of the requests served within a certain time/, '"Percentage of the requests served within a certain time (ms)"');
    for (;;) {
      const m = r.next(/^\s*(\d+)%\s+(\d+)/);
      if (!m) break;
      percentiles.set(Number(m[1]), Number(m[2]));
    }
    if (!percentiles.has(100)) throw r.missing('"100% … (longest request)"');
  }
  return {
    version,
    host,
    port,
    path,
    concurrency,
    durationSec,
    complete,
    failed,
    breakdown,
    non2xx,
    writeErrors,
    bytes: bytesLine ? Number(bytesLine.match[1]) : undefined,
    rps,
    total: totalRow
      ? { min: Number(totalRow[1]), mean: Number(totalRow[2]), sd: Number(totalRow[3]), median: Number(totalRow[4]), max: Number(totalRow[5]) }
      : undefined,
    percentiles,
  };
}

function readPercentileCsv(file: SourceFile): Map<number, number> {
  const t = new Table(file, parseCsv(file), 'ab -e percentile');
  t.require(['Percentage served', 'Time in ms'], 'ab -e');
  const out = new Map<number, number>();
  for (const row of t.rows) out.set(t.num(row, 'Percentage served'), t.num(row, 'Time in ms'));
  if (!out.has(100)) throw fileError(file, t.rows.at(-1)?.line ?? 1, 'expected rows up to "100" (the file looks truncated)');
  return out;
}

function readGnuplot(file: SourceFile, agg: SampleAggregator, endpoint: string): void {
  const t = new Table(file, parseTsv(file), 'ab -g gnuplot');
  t.require(['seconds', 'ttime'], 'ab -g');
  for (const row of t.rows) {
    const startSec = t.num(row, 'seconds');
    const totalMs = t.num(row, 'ttime');
    agg.add({ startMs: startSec * 1000, latencyUs: totalMs * 1000, endpoint, method: '', status: 0 }, row.line);
  }
}

export function importAb(input: ImportInput): Result {
  const byKind = new Map(input.files.map((f) => [sniffKind(f.text) ?? 'ab-text', f] as const));
  const textFile = byKind.get('ab-text');
  if (!textFile) {
    const other = input.files[0]!;
    throw fileError(
      other,
      undefined,
      "ab's -g and -e files hold no request totals or errors: pass ab's printed output as well",
      `e.g. loadproof import ab.txt ${displayName(other)}`,
    );
  }
  const ab = readText(textFile);
  const target = `http://${ab.host}:${ab.port}${ab.path}`;
  const limitations: Array<string | undefined> = [
    'ab records no status codes, only the count of non-2xx responses',
    "ab does not print the HTTP method (-p/-u/-i change it)",
  ];
  const warnings: string[] = [];
  if (ab.breakdown.length > 0) {
    warnings.push(
      `ab counted ${ab.breakdown.length} "Length" failures (bodies whose length differs from the first response's); they are not counted as errors`,
    );
  }

  // Latency: the gnuplot samples are exact (to ab's 1 ms); else the -e CSV; else the printed table.
  let rec: RecordedLatencyMs;
  let timeline: Result['timeline'] = [];
  let hdr: string | undefined;
  let startedAtMs: number | undefined;
  const gnuplot = byKind.get('ab-gnuplot');
  const pct = byKind.get('ab-percentiles');
  if (gnuplot) {
    const agg = new SampleAggregator(undefined, gnuplot);
    readGnuplot(gnuplot, agg, ab.path);
    if (agg.size !== ab.complete) {
      warnings.push(`${displayName(gnuplot)} has ${agg.size} rows where ab reported ${ab.complete} complete requests`);
    }
    const parts = agg.build(ab.durationSec);
    rec = Object.fromEntries(Object.entries(parts.summary.latencyMs).filter(([, v]) => typeof v === 'number')) as RecordedLatencyMs;
    hdr = parts.summary.hdr;
    // The gnuplot file has no status per request: interval error counts are unknown.
    timeline = parts.timeline.map((p) => ({ ...p, errors: null as unknown as number }));
    startedAtMs = agg.originMs();
    limitations.push(
      "ab's gnuplot file records start times to the second and no status: the timeline is per second of start, with unknown errors per interval",
    );
  } else {
    limitations.push('ab records no time series without -g: phases cannot be detected');
    if (pct) {
      const p = readPercentileCsv(pct);
      rec = { min: p.get(0), p50: p.get(50), p90: p.get(90), p95: p.get(95), p99: p.get(99), max: p.get(100) };
    } else {
      const p = ab.percentiles;
      rec = { p50: p.get(50), p90: p.get(90), p95: p.get(95), p99: p.get(99), max: p.get(100) };
      limitations.push("ab's printed percentiles are whole milliseconds");
    }
    if (ab.total) {
      rec.min ??= ab.total.min;
      rec.mean = ab.total.mean;
      rec.stdev = ab.total.sd;
    }
  }
  const { latency, missing } = recordedSummary(rec);
  limitations.push(missingSentence('ab', missing));

  const errorKinds: Partial<Record<ErrorKind, number>> = {};
  const add = (k: ErrorKind, n: number): void => countErrorKind(errorKinds, k, n);
  add('status', ab.non2xx);
  add('refused', ab.breakdown.connect);
  add('reset', ab.breakdown.receive);
  add('other', ab.breakdown.exceptions + ab.writeErrors);
  const errors = ab.non2xx + ab.breakdown.connect + ab.breakdown.receive + ab.breakdown.exceptions + ab.writeErrors;
  const requests = ab.complete;
  const throughputRps = ab.rps;
  const summary: Summary = {
    requests,
    errors,
    errorRate: requests ? errors / requests : 0,
    throughputRps,
    peakRps: timeline.length ? timeline.reduce((m, p) => Math.max(m, p.rps), 0) : throughputRps,
    latencyMs: latency,
  };
  if (Object.keys(errorKinds).length) summary.errorKinds = errorKinds;
  if (ab.bytes !== undefined) summary.bytesReceived = ab.bytes;
  if (hdr) summary.hdr = hdr;
  return importedResult(
    {
      source: 'ab',
      toolVersion: ab.version,
      name: `ab ${target}`,
      target,
      startedAtMs,
      durationSec: ab.durationSec,
      summary,
      endpoints: [soleEndpoint(ab.path, summary, { path: ab.path })],
      timeline,
      model: 'closed',
      limitations,
      warnings,
    },
    input,
  );
}
