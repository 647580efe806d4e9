/**
 * hey → Result: the printed summary, or the `-o csv` file (one row per response: times in seconds
 * with 0.1 ms resolution, status, offset from the start). hey prints one or the other, never both.
 * Layout followed: hey 0.1.4 `requester/print.go` (defaultTmpl, csvTmpl).
 */
import type { ErrorKind, Result, Summary } from '../../result/types.js';
import { parseCsv, Table } from '../common/csv.js';
import { importedResult, soleEndpoint, type ImportInput } from '../common/imported-result.js';
import { missingSentence, recordedSummary, type RecordedLatencyMs } from '../common/latency.js';
import { SampleAggregator, statusErrorKind } from '../common/result-builder.js';
import { TextReport, type SourceFile } from '../common/source-file.js';
import { sniffKind } from '../sniff.js';

const ENDPOINT = '(hey target)';

function importText(file: SourceFile, input: ImportInput): Result {
  const r = new TextReport(file, 'hey');
  r.expect(/^\s*Summary:\s*$/, '"Summary:"');
  const total = Number(r.expect(/^\s*Total:\s+([\d.]+) secs/, '"Total: <n> secs"')[1]);
  const slowest = Number(r.expect(/^\s*Slowest:\s+([\d.]+) secs/, '"Slowest:"')[1]);
  const fastest = Number(r.expect(/^\s*Fastest:\s+([\d.]+) secs/, '"Fastest:"')[1]);
  const average = Number(r.expect(/^\s*Average:\s+([\d.]+) secs/, '"Average:"')[1]);
  const printedRps = Number(r.expect(/^\s*Requests\/sec:\s+([\d.]+)/, '"Requests/sec:"')[1]);
  const bytes = r.findAnywhere(/^\s*Total data:\s+(\d+) bytes/);
  const pct = new Map<number, number>();
  if (r.find(/^Latency distribution:/)) {
    for (;;) {
      const m = r.next(/^\s*(\d+(?:\.\d+)?)% in ([\d.]+) secs/);
      if (!m) break;
      pct.set(Number(m[1]), Number(m[2]) * 1000);
    }
  }
  const statusCodes: Record<string, number> = {};
  let responses = 0;
  let statusErrors = 0;
  r.expect(/^Status code distribution:/, '"Status code distribution:"');
  for (;;) {
    const m = r.next(/^\s*\[(\d+)\]\s+(\d+) responses/);
    if (!m) break;
    const n = Number(m[2]);
    statusCodes[m[1]!] = n;
    responses += n;
    if (Number(m[1]) >= 400) statusErrors += n;
  }
  if (responses === 0 && !r.findAnywhere(/^Error distribution:/)) throw r.missing('"[<status>] <n> responses"');
  let transportErrors = 0;
  if (r.find(/^Error distribution:/)) {
    for (;;) {
      const m = r.next(/^\s*\[(\d+)\]\s+/);
      if (!m) break;
      transportErrors += Number(m[1]);
    }
  }
  const requests = responses + transportErrors;
  const errors = statusErrors + transportErrors;
  const errorKinds: Partial<Record<ErrorKind, number>> = {};
  if (statusErrors) errorKinds.status = statusErrors;
  if (transportErrors) errorKinds.other = transportErrors;
  const rec: RecordedLatencyMs = {
    min: fastest * 1000,
    mean: average * 1000,
    max: slowest * 1000,
    p50: pct.get(50),
    p90: pct.get(90),
    p95: pct.get(95),
    p99: pct.get(99),
  };
  const { latency, missing } = recordedSummary(rec);
  const summary: Summary = {
    requests,
    errors,
    errorRate: requests ? errors / requests : 0,
    throughputRps: printedRps,
    peakRps: printedRps,
    latencyMs: latency,
    statusCodes,
  };
  if (errors) summary.errorKinds = errorKinds;
  if (bytes) summary.bytesReceived = Number(bytes.match[1]);
  return importedResult(
    {
      source: 'hey',
      name: 'hey run',
      target: '',
      durationSec: total,
      summary,
      endpoints: [soleEndpoint(ENDPOINT, summary, { statusCodes })],
      timeline: [],
      model: 'closed',
      limitations: [
        'hey records no time series in its printed summary (use -o csv for per-request rows): phases cannot be detected',
        'hey does not print the URL or the HTTP method',
        "hey's printed latencies have 0.1 ms resolution",
        missingSentence('hey', missing),
      ],
    },
    input,
  );
}

function importCsv(file: SourceFile, input: ImportInput): Result {
  const t = new Table(file, parseCsv(file), 'hey -o csv');
  t.require(['response-time', 'status-code', 'offset'], 'hey csv');
  const agg = new SampleAggregator(0, file);
  let lastEndSec = 0;
  for (const row of t.rows) {
    const latencySec = t.num(row, 'response-time');
    const offsetSec = t.num(row, 'offset');
    const status = t.num(row, 'status-code');
    agg.add({ startMs: offsetSec * 1000, latencyUs: latencySec * 1e6, endpoint: ENDPOINT, method: '', status, errorKind: statusErrorKind(status) }, row.line);
    lastEndSec = Math.max(lastEndSec, offsetSec + latencySec);
  }
  const parts = agg.build(Math.max(lastEndSec, 0.001));
  return importedResult(
    {
      source: 'hey',
      name: 'hey run',
      target: '',
      durationSec: lastEndSec,
      summary: parts.summary,
      endpoints: parts.endpoints,
      timeline: parts.timeline,
      model: 'closed',
      limitations: [
        "hey's CSV holds only requests that got a response: transport errors (refused, timeouts) are not in it",
        'hey does not write the URL or the HTTP method',
        "hey's CSV times have 0.1 ms resolution",
      ],
    },
    input,
  );
}

export function importHey(input: ImportInput): Result {
  const file = input.files[0]!;
  return sniffKind(file.text) === 'hey-csv' ? importCsv(file, input) : importText(file, input);
}
