/**
 * wrk and wrk2 text output → Result.
 *
 * wrk prints one summary and no time series; with `--latency` it adds p50/p75/p90/p99 (wrk 4) or,
 * in wrk2, an HdrHistogram distribution (50 … 100%) plus a "Detailed Percentile spectrum" measured
 * from each request's *intended* start (coordinated-omission corrected); `-U` adds the uncorrected
 * distribution. Layouts followed: wrk 4.1 `src/wrk.c` and wrk2 `src/wrk.c` (print_stats,
 * print_hdr_latency, hdr_percentiles_print CLASSIC).
 */
import type { ErrorKind, LatencySummaryMs, Summary } from '../../result/types.js';
import { countErrorKind, importedResult, soleEndpoint, type ImportInput } from '../common/imported-result.js';
import { missingSentence, recordedSummary, type RecordedLatencyMs } from '../common/latency.js';
import { TextReport, fileError, type SourceFile } from '../common/source-file.js';
import type { Result } from '../../result/types.js';

const TIME_UNITS_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const BYTE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** "6.26ms", "850.00us", "1.02s", "2.00m" → milliseconds. */
export function wrkTimeMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h)$/.exec(text.trim());
  return m ? Number(m[1]) * TIME_UNITS_MS[m[2]!]! : undefined;
}

/** "2.77MB", "649.77KB", "512.00B" → bytes (wrk's units are binary: 1 KB = 1024 B). */
export function wrkBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(B|KB|MB|GB|TB)$/.exec(text.trim());
  return m ? Math.round(Number(m[1]) * BYTE_UNITS[m[2]!]!) : undefined;
}

interface Distribution {
  /** percentile (0..100) → ms, as printed */
  printed: Map<number, number>;
  /** wrk2's detailed spectrum: [ms, fraction 0..1, cumulative count] */
  spectrum: Array<[number, number, number]>;
  mean?: number;
  stdev?: number;
  max?: number;
  count?: number;
}

function readDistribution(r: TextReport): Distribution {
  const d: Distribution = { printed: new Map(), spectrum: [] };
  for (;;) {
    const m = r.next(/^\s*(\d+(?:\.\d+)?)%\s+(\S+)\s*$/);
    if (!m) break;
    const ms = wrkTimeMs(m[2]!);
    if (ms === undefined) throw fileError(r.file, r.lineNumber, `expected a latency like "2.36ms", found "${m[2]}"`);
    d.printed.set(Number(m[1]), ms);
  }
  // wrk2 only: a blank line, then the detailed spectrum
  r.skipBlank();
  if (!r.next(/^\s*Detailed Percentile spectrum/)) return d;
  r.expect(/^\s*Value\s+Percentile\s+TotalCount/, '"Value Percentile TotalCount" header');
  for (;;) {
    if (r.next(/^\s*$/)) continue;
    const row = r.next(/^\s*(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+)(?:\s+\S+)?\s*$/);
    if (!row) break;
    d.spectrum.push([Number(row[1]), Number(row[2]), Number(row[3])]);
  }
  const mean = r.expect(/^#\[Mean\s*=\s*([\d.]+),\s*StdDeviation\s*=\s*([\d.]+)\]/, '"#[Mean = …]" spectrum footer');
  d.mean = Number(mean[1]);
  d.stdev = Number(mean[2]);
  const max = r.expect(/^#\[Max\s*=\s*([\d.]+),\s*Total count\s*=\s*(\d+)\]/, '"#[Max = …, Total count = …]" spectrum footer');
  d.max = Number(max[1]);
  d.count = Number(max[2]);
  r.next(/^#\[Buckets/);
  return d;
}

/** The first spectrum row at or above fraction `q` (how HdrHistogram's iterator reports it). */
function fromSpectrum(d: Distribution, q: number): number | undefined {
  return d.spectrum.find((row) => row[1] >= q)?.[0];
}

function summaryOf(d: Distribution | undefined, threadStats: { mean: number; stdev: number; max: number }): RecordedLatencyMs {
  const rec: RecordedLatencyMs = { mean: threadStats.mean, stdev: threadStats.stdev, max: threadStats.max };
  if (!d) return rec;
  const at = (p: number): number | undefined => d.printed.get(p);
  rec.p50 = at(50);
  rec.p90 = at(90);
  rec.p99 = at(99);
  rec.p999 = at(99.9);
  if (at(100) !== undefined) rec.max = at(100);
  if (d.spectrum.length) {
    rec.min = d.spectrum[0]![0];
    rec.p95 = fromSpectrum(d, 0.95);
    if (d.mean !== undefined) rec.mean = d.mean;
    if (d.stdev !== undefined) rec.stdev = d.stdev;
  }
  return rec;
}

export function importWrk(input: ImportInput): Result {
  const file: SourceFile = input.files[0]!;
  const r = new TextReport(file, 'wrk');
  const head = r.expect(/^Running (\S+) test @ (\S+)/, '"Running <duration> test @ <url>"');
  const target = head[2]!;
  const conn = r.expect(/^\s*(\d+) threads and (\d+) connections/, '"<n> threads and <n> connections"');
  const connections = Number(conn[2]);
  const wrk2 = r.findAnywhere(/Thread calibration:|HdrHistogram - Recorded Latency/) !== undefined;
  r.expect(/^\s*Thread Stats\s+Avg\s+Stdev\s+Max/, '"Thread Stats Avg Stdev Max"');
  const lat = r.expect(/^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)/, '"Latency <avg> <stdev> <max>"');
  const [mean, stdev, max] = [lat[1]!, lat[2]!, lat[3]!].map(wrkTimeMs);
  if (mean === undefined || stdev === undefined || max === undefined) {
    throw fileError(file, r.lineNumber, `expected latencies like "6.26ms" on the Latency line, found "${r.lines[r.lineNumber - 1]!.trim()}"`);
  }
  r.expect(/^\s*Req\/Sec\s/, '"Req/Sec"');

  let corrected: Distribution | undefined;
  let uncorrected: Distribution | undefined;
  const distHead = r.next(/^\s*Latency Distribution(?: \(HdrHistogram - (.*)\))?\s*$/);
  if (distHead) {
    corrected = readDistribution(r);
    r.next(/^-+$/);
    r.skipBlank();
    if (r.next(/^\s*Latency Distribution \(HdrHistogram - Uncorrected/)) {
      uncorrected = readDistribution(r);
      r.next(/^-+$/);
    }
  }
  const done = r.expect(/^\s*(\d+) requests in (\S+), (\S+) read/, '"<n> requests in <time>, <bytes> read"');
  const complete = Number(done[1]);
  const runMs = wrkTimeMs(done[2]!);
  if (runMs === undefined) throw fileError(file, r.lineNumber, `expected a duration like "3.01s", found "${done[2]}"`);
  const bytes = wrkBytes(done[3]!);
  const socket = r.find(/^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const non2xx = r.find(/^\s*Non-2xx or 3xx responses: (\d+)/);
  const printedRps = Number(r.expect(/^Requests\/sec:\s+([\d.]+)/, '"Requests/sec:"')[1]);
  r.expect(/^Transfer\/sec:\s+(\S+)/, '"Transfer/sec:"');

  const errorKinds: Partial<Record<ErrorKind, number>> = {};
  const add = (k: ErrorKind, n: number): void => countErrorKind(errorKinds, k, n);
  const [connectErr, readErr, writeErr, timeoutErr] = socket ? [1, 2, 3, 4].map((i) => Number(socket[i])) : [0, 0, 0, 0];
  add('refused', connectErr!);
  add('reset', readErr!);
  add('other', writeErr!);
  add('timeout', timeoutErr!);
  const statusErrors = non2xx ? Number(non2xx[1]) : 0;
  add('status', statusErrors);
  const socketErrors = connectErr! + readErr! + writeErr! + timeoutErr!;
  // wrk counts socket errors apart from completed requests; both are attempts that ended.
  const requests = complete + socketErrors;
  const errors = statusErrors + socketErrors;
  const durationSec = runMs / 1000;

  const rec = summaryOf(corrected, { mean, stdev, max });
  const { latency, missing } = recordedSummary(rec);
  const summary: Summary = {
    requests,
    errors,
    errorRate: requests ? errors / requests : 0,
    throughputRps: printedRps,
    // one summary only: the whole-run rate is the only rate known
    peakRps: printedRps,
    latencyMs: latency,
  };
  if (Object.keys(errorKinds).length) summary.errorKinds = errorKinds;
  if (bytes !== undefined) summary.bytesReceived = bytes;
  if (wrk2) summary.latencyBasis = 'intended';
  if (uncorrected) summary.serviceTimeMs = recordedSummary(summaryOf(uncorrected, { mean: NaN, stdev: NaN, max: NaN })).latency as LatencySummaryMs;

  const tool = wrk2 ? 'wrk2' : 'wrk';
  const path = (() => {
    try {
      return new URL(target).pathname;
    } catch {
      return target;
    }
  })();
  return importedResult(
    {
      source: 'wrk',
      toolVersion: wrk2 ? 'wrk2' : undefined,
      name: `${tool} ${target}`,
      target,
      durationSec,
      summary,
      endpoints: [soleEndpoint(path, summary, { path })],
      timeline: [],
      model: wrk2 ? 'open' : 'closed',
      limitations: [
        `${tool} records no time series: phases cannot be detected`,
        `${tool} records no status codes, only the count of responses with status ≥ 400`,
        `${tool} does not print the HTTP method (a Lua script may change it)`,
        corrected === undefined ? `${tool} ran without --latency: no percentiles were recorded` : undefined,
        corrected?.spectrum.length ? 'p95 and min are read from wrk2\'s detailed percentile spectrum (the first row at or above 95%)' : undefined,
        missingSentence(tool, missing),
        wrk2 ? `wrk2 ran ${connections} connections; its target rate (-R) is not printed, so the offered load is unknown` : undefined,
      ],
    },
    input,
  );
}
