/**
 * Tells which tool wrote a file, and which of that tool's files it is, from its first lines.
 * One place for every rule, so that formats never disagree about who owns a file.
 */
import type { ResultSource } from '../result/types.js';

export type ImportTool = Exclude<ResultSource, 'loadproof'>;
export const IMPORT_TOOLS: readonly ImportTool[] = ['k6', 'locust', 'artillery', 'wrk', 'ab', 'hey', 'gatling', 'jmeter'];

export type FileKind =
  | 'k6-summary' // --summary-export JSON (or handleSummary's JSON)
  | 'k6-points' // --out json NDJSON
  | 'locust-stats'
  | 'locust-history'
  | 'locust-failures'
  | 'locust-exceptions'
  | 'artillery-report'
  | 'wrk-text'
  | 'ab-text'
  | 'ab-gnuplot' // -g
  | 'ab-percentiles' // -e
  | 'hey-text'
  | 'hey-csv' // -o csv
  | 'gatling-log'
  | 'gatling-binary-log'
  | 'jmeter-csv' // JTL, CSV (with or without the header line)
  | 'jmeter-xml'; // JTL, XML

export const KIND_TOOL: Record<FileKind, ImportTool> = {
  'k6-summary': 'k6',
  'k6-points': 'k6',
  'locust-stats': 'locust',
  'locust-history': 'locust',
  'locust-failures': 'locust',
  'locust-exceptions': 'locust',
  'artillery-report': 'artillery',
  'wrk-text': 'wrk',
  'ab-text': 'ab',
  'ab-gnuplot': 'ab',
  'ab-percentiles': 'ab',
  'hey-text': 'hey',
  'hey-csv': 'hey',
  'gatling-log': 'gatling',
  'gatling-binary-log': 'gatling',
  'jmeter-csv': 'jmeter',
  'jmeter-xml': 'jmeter',
};

/** The first `n` lines, cheaply (files may be hundreds of MB of NDJSON). */
function head(text: string, n: number): string[] {
  const out: string[] = [];
  let from = 0;
  while (out.length < n && from < text.length) {
    const nl = text.indexOf('\n', from);
    const end = nl === -1 ? text.length : nl;
    out.push(text.slice(from, end).replace(/\r$/, ''));
    from = end + 1;
  }
  return out;
}

/** The kind of a file, or undefined when no rule matches. */
export function sniffKind(text: string): FileKind | undefined {
  const lines = head(text, 60);
  const first = lines.find((l) => l.trim() !== '') ?? '';
  const trimmed = first.trimStart();
  // Binary Gatling logs (3.13+) start with record header byte 0 (RUN) and are not text.
  if (text.length > 0 && text.charCodeAt(0) === 0) return 'gatling-binary-log';
  if (trimmed.startsWith('{')) {
    if (/^\{\s*"type"\s*:\s*"(Metric|Point)"/.test(trimmed) || /"type"\s*:\s*"(Metric|Point)"\s*,\s*"data"/.test(first)) return 'k6-points';
    const body = text.slice(0, 200_000);
    if (/"aggregate"\s*:/.test(body) && /"(intermediate|counters)"\s*:/.test(body)) return 'artillery-report';
    if (/"metrics"\s*:/.test(body) && /"(root_group|http_reqs|iterations|checks|http_req_duration)"/.test(body)) return 'k6-summary';
    return undefined;
  }
  if (/^timeStamp,elapsed,label,/.test(first)) return 'jmeter-csv';
  // a header-less JTL: epoch ms, elapsed ms, label, … , success true|false
  if (/^\d{13},\d+,[^\n]*,(true|false),/.test(first)) return 'jmeter-csv';
  if (trimmed.startsWith('<')) return /^(<\?xml[^>]*>\s*)?<testResults[\s>]/.test(text.slice(0, 500).trimStart()) ? 'jmeter-xml' : undefined;
  if (/^Type,Name,Request Count,Failure Count/.test(first)) return 'locust-stats';
  if (/^Timestamp,User Count,Type,Name,Requests\/s/.test(first)) return 'locust-history';
  if (/^Method,Name,Error,Occurrences/.test(first)) return 'locust-failures';
  if (/^Count,Message,Traceback,Nodes/.test(first)) return 'locust-exceptions';
  if (/^response-time,DNS\+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset/.test(first)) return 'hey-csv';
  if (/^starttime\tseconds\tctime\tdtime\tttime\twait/.test(first)) return 'ab-gnuplot';
  if (/^Percentage served,Time in ms/.test(first)) return 'ab-percentiles';
  if (/^(RUN|ASSERTION|USER|REQUEST|GROUP|ERROR)\t/.test(first)) return 'gatling-log';
  // Gatling 2.0–2.1: the record type is the third field ("<simulation>\t<id>\tRUN\t…")
  if (/^[^\t]+\t[^\t]*\t(RUN|USER|REQUEST)\t\d/.test(first)) return 'gatling-log';
  if (/^Running \S+ test @ /.test(first)) return 'wrk-text';
  if (lines.some((l) => /^This is ApacheBench/.test(l)) || (lines.some((l) => /^Complete requests:/.test(l)) && lines.some((l) => /^Requests per second:/.test(l)))) {
    return 'ab-text';
  }
  if (/^\s*Summary:\s*$/.test(first) && lines.some((l) => /^\s*Total:\s+[\d.]+ secs/.test(l))) return 'hey-text';
  return undefined;
}

/** The tool of a file, or undefined. */
export function sniffTool(text: string): ImportTool | undefined {
  const kind = sniffKind(text);
  return kind === undefined ? undefined : KIND_TOOL[kind];
}
