/**
 * JMeter JTL results → Result. Both formats JMeter writes with `-l FILE`:
 *
 * - **CSV** (the default): with the header line (`jmeter.save.saveservice.print_field_names=true`,
 *   the default since 3.0) columns are found by name; without it, the default
 *   `jmeter.save.saveservice.*` columns are assumed, recognised by their count:
 *     17 (5.x): timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,
 *               failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect
 *     16 (3.x): the same without URL
 *     12 (2.x): timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,
 *               bytes,grpThreads,allThreads,Latency
 * - **XML** (`jmeter.save.saveservice.output_format=xml`): `<testResults>` holding `<httpSample>`
 *   and `<sample>` elements with attributes t (elapsed), lt (latency), ts (timestamp), s (success),
 *   lb (label), rc (code), rm (message), na (all threads), by (bytes). Samples nested in a sample
 *   (redirects, embedded resources, transaction children) are its sub-results: only top-level
 *   samples are counted, as JMeter's own dashboard counts them.
 *
 * `timeStamp` is the sample's start (`sampleresult.timestamp.start=true`, JMeter's default).
 * The response time is `elapsed` (first byte sent to last byte received), as JMeter's report uses
 * it; JMeter's `Latency` (time to the first byte) is not the response time. Threads (`allThreads`)
 * become virtual users.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { ErrorKind, Result } from '../../result/types.js';
import { parseCsv, Table, type DelimitedRow } from '../common/csv.js';
import { importedResult, type ImportInput } from '../common/imported-result.js';
import { SampleAggregator } from '../common/result-builder.js';
import { checkEpochMs } from '../common/span.js';
import { badFile } from '../../errors.js';
import { displayName, fileError, type SourceFile } from '../common/source-file.js';

const COLUMNS_5 = 'timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect'.split(',');
const COLUMNS_3 = COLUMNS_5.filter((c) => c !== 'URL');
const COLUMNS_2 = 'timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,bytes,grpThreads,allThreads,Latency'.split(',');

/** One sample as every JTL format gives it. */
interface JtlSample {
  startMs: number;
  elapsedMs: number;
  label: string;
  code: string;
  message: string;
  success: boolean;
  allThreads?: number;
  bytes?: number;
}

/** "Non HTTP response code: java.net.SocketTimeoutException" and friends → an error kind. */
function errorKindOf(code: string, message: string, status: number): ErrorKind {
  if (status >= 400) return 'status';
  const text = `${code} ${message}`;
  if (/SocketTimeout|timed out|timeout/i.test(text)) return 'timeout';
  if (/ConnectException|Connection refused/i.test(text)) return 'refused';
  if (/reset|NoHttpResponse|closed|SocketException|EOF/i.test(text)) return 'reset';
  if (/UnknownHost/i.test(text)) return 'dns';
  if (/SSL|certificate/i.test(text)) return 'tls';
  return 'other';
}

function readCsv(file: SourceFile, visit: (s: JtlSample, line: number) => void): void {
  const all = parseCsv(file);
  const first = all[0];
  if (!first) throw fileError(file, 1, 'expected JMeter JTL rows, the file is empty');
  let rows: DelimitedRow[] = all;
  if (first.cells[0]?.trim() !== 'timeStamp') {
    // no header: the default columns, told apart by their count
    const n = first.cells.length;
    const cols = n === COLUMNS_5.length ? COLUMNS_5 : n === COLUMNS_3.length ? COLUMNS_3 : n === COLUMNS_2.length ? COLUMNS_2 : undefined;
    if (!cols) {
      throw fileError(file, 1, `expected JMeter's default JTL columns (17, 16 or 12 of them) or a header line, found ${n} columns`, 'save the JTL with jmeter.save.saveservice.print_field_names=true');
    }
    rows = [{ line: 0, cells: cols }, ...all];
  }
  const t = new Table(file, rows, 'JMeter JTL');
  t.require(['timeStamp', 'elapsed', 'label', 'success'], 'JMeter JTL');
  for (const row of t.rows) {
    const ts = t.text(row, 'timeStamp');
    if (!/^\d+$/.test(ts)) {
      throw fileError(file, row.line, `expected timeStamp in epoch milliseconds, found "${ts.slice(0, 30)}"`, 'save the JTL with jmeter.save.saveservice.timestamp_format=ms (the default)');
    }
    const success = t.text(row, 'success');
    if (success !== 'true' && success !== 'false') throw fileError(file, row.line, `expected success true or false, found "${success.slice(0, 20)}"`);
    visit(
      {
        startMs: Number(ts),
        elapsedMs: t.num(row, 'elapsed'),
        label: t.text(row, 'label'),
        code: t.text(row, 'responseCode'),
        message: t.has('failureMessage') && t.text(row, 'failureMessage') ? t.text(row, 'failureMessage') : t.text(row, 'responseMessage'),
        success: success === 'true',
        allThreads: t.has('allThreads') ? t.num(row, 'allThreads', -1) : undefined,
        bytes: t.has('bytes') ? t.num(row, 'bytes', 0) : undefined,
      },
      row.line,
    );
  }
}

function readXml(file: SourceFile, visit: (s: JtlSample, where: string) => void): void {
  const valid = XMLValidator.validate(file.text);
  if (valid !== true) {
    const e = valid.err;
    const truncated = /unclosed|not closed|end of|Unexpected end/i.test(e.msg) || e.line >= file.text.split('\n').length - 1;
    throw badFile(`${displayName(file)}:${e.line}:${e.col}`, `expected a JMeter XML JTL (<testResults>…</testResults>): ${e.msg}${truncated ? ' (the file looks truncated)' : ''}`);
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    isArray: (name) => name === 'httpSample' || name === 'sample',
  });
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(file.text) as Record<string, unknown>;
  } catch (err) {
    // the validator passes some malformed declarations that the parser then refuses
    throw badFile(`${displayName(file)}:1:1`, `expected a JMeter XML JTL (<testResults>…</testResults>): ${(err as Error).message}`);
  }
  const root = doc.testResults as Record<string, unknown> | '' | undefined;
  if (root === undefined) throw fileError(file, 1, 'expected a <testResults> element (is this a JMeter XML JTL?)');
  if (root === '') return;
  for (const tag of ['httpSample', 'sample'] as const) {
    const list = (root[tag] ?? []) as Array<Record<string, unknown>>;
    list.forEach((a, i) => {
      const where = `testResults.${tag}[${i}]`;
      const int = (name: string, required: boolean): number | undefined => {
        const v = a[name];
        if (v === undefined && !required) return undefined;
        if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw fileError(file, where, `expected a whole number in attribute ${name}, found ${v === undefined ? 'nothing' : JSON.stringify(String(v).slice(0, 30))}`);
        return Number(v);
      };
      const s = a.s;
      if (s !== 'true' && s !== 'false') throw fileError(file, where, `expected attribute s="true" or "false", found ${s === undefined ? 'nothing' : JSON.stringify(String(s).slice(0, 20))}`);
      visit(
        {
          startMs: int('ts', true)!,
          elapsedMs: int('t', true)!,
          label: String(a.lb ?? ''),
          code: String(a.rc ?? ''),
          message: String(a.rm ?? ''),
          success: s === 'true',
          allThreads: int('na', false),
          bytes: int('by', false),
        },
        where,
      );
    });
  }
}

export function importJmeter(input: ImportInput): Result {
  const main = input.files[0]!;
  const agg = new SampleAggregator(undefined, main);
  const labels = new Set<string>();
  let threadsSeen = false;
  let maxThreads = 0;
  let nonHttp = 0;
  let failedWithOkStatus = 0;
  let anyXml = false;
  for (const file of input.files) {
    const xml = /^\s*(<\?xml[^>]*>\s*)?<testResults[\s>]/.test(file.text.slice(0, 500));
    anyXml ||= xml;
    const visit = (s: JtlSample, where: number | string): void => {
      checkEpochMs(file, where, s.startMs, 'the sample timestamp');
      const status = /^\d{3}$/.test(s.code) ? Number(s.code) : 0;
      if (status === 0) nonHttp++;
      if (!s.success && status > 0 && status < 400) failedWithOkStatus++;
      labels.add(s.label);
      agg.add(
        {
          startMs: s.startMs,
          latencyUs: Math.max(0, s.elapsedMs) * 1000,
          endpoint: s.label,
          method: '',
          status,
          errorKind: s.success ? undefined : errorKindOf(s.code, s.message, status),
          bytesReceived: s.bytes,
        },
        where,
      );
      if (s.allThreads !== undefined && s.allThreads >= 0) {
        threadsSeen = true;
        maxThreads = Math.max(maxThreads, s.allThreads);
        agg.setVus(s.startMs, s.allThreads, where);
      }
    };
    if (xml) readXml(file, visit);
    else readCsv(file, visit);
  }
  if (agg.size === 0) throw fileError(main, undefined, 'expected JMeter samples (the file holds none)');
  // the run lasts from the first sample's start to the last one's end (a JTL states no duration)
  const built = agg.build();
  const durationSec = Math.max(0.001, (built.lastEndMs - built.firstStartMs) / 1000);
  return importedResult(
    {
      source: 'jmeter',
      name: 'JMeter test plan',
      target: '',
      startedAtMs: agg.originMs(),
      durationSec,
      summary: built.summary,
      endpoints: built.endpoints,
      timeline: built.timeline,
      model: 'closed',
      scenarios: threadsSeen ? [{ name: 'JMeter threads', weight: maxThreads, requests: [] }] : undefined,
      limitations: [
        "the response time is JMeter's elapsed time (first byte sent to last byte received), as JMeter's own report uses it; JMeter's Latency (time to first byte) is not kept",
        'JMeter records times to the millisecond',
        'a JTL holds no test plan: the load model is shown as closed (threads as virtual users), stages and the HTTP method are unknown',
        anyXml ? 'sub-results nested in a sample (redirects, embedded resources) are part of their parent sample and not counted on their own, as in JMeter\'s report' : undefined,
        threadsSeen ? undefined : 'the JTL has no allThreads column: virtual users are unknown',
        nonHttp ? `${nonHttp} samples carry no HTTP status (non-HTTP samplers, or "Non HTTP response code" failures)` : undefined,
        failedWithOkStatus ? `${failedWithOkStatus} samples failed a JMeter assertion with an HTTP status below 400: they count as errors of kind other` : undefined,
      ],
    },
    input,
  );
}
