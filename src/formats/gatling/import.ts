/**
 * Gatling `simulation.log` → Result, in every layout Gatling has written:
 *
 * - **3.13 and later: binary** (see binary.ts).
 * - **3.4–3.12: tab-separated**, one record per line (layout of `LogFileDataWriter`):
 *     ASSERTION  <base64 boopickle>                                       (before RUN; not decoded)
 *     RUN        <simulationClass> <simulationId> <startMs> <description> <gatlingVersion>
 *     USER       <scenario> START|END <timestampMs>
 *     REQUEST    <groups,comma-joined> <name> <startMs> <endMs> OK|KO <message>
 *     GROUP      <groups> <startMs> <endMs> <cumulatedResponseTime> OK|KO
 *     ERROR      <message> <timestampMs>
 *   3.0–3.3 wrote a user id before the groups in REQUEST (and after the scenario in USER).
 * - **2.2–2.3: tab-separated**, scenario and user id in every record, version field "2.0":
 *     RUN        <simulationClass> <userDefinedId> <defaultId> <startMs> <description> 2.0
 *     USER       <scenario> <userId> START|END <userStartMs> <timestampMs>
 *     REQUEST    <scenario> <userId> <groups> <name> <startMs> <endMs> OK|KO <message> [extra info…]
 *     GROUP      <scenario> <userId> <groups> <startMs> <endMs> <cumulated> OK|KO
 *   (2.2 wrote ERROR records with the GROUP header and three fields; they are read as errors.)
 * - **2.0–2.1: tab-separated with the record type third**:
 *     <simulationClass> <simulationId> RUN <startMs> <description> 2.0
 *     <scenario> <userId> USER START|END <startMs> <endMs>
 *     <scenario> <userId> REQUEST <groups> <name> <requestStart> <requestEnd> <responseStart> <responseEnd> OK|KO <message>
 *   The response time is responseEnd − requestStart, as Gatling 2.1's reports computed it.
 *
 * Every layout becomes the same records, and one aggregation turns them into a Result. Times are
 * whole milliseconds.
 */
import type { ErrorKind, Result } from '../../result/types.js';
import { parseTsv, type DelimitedRow } from '../common/csv.js';
import { importedResult, type ImportInput } from '../common/imported-result.js';
import { SampleAggregator } from '../common/result-builder.js';
import { checkEpochMs } from '../common/span.js';
import { fileError, type SourceFile } from '../common/source-file.js';
import { readBinaryLog, type GatlingRecord, type GatlingRunInfo } from './binary.js';

/** "status.find.in(200,201), but actually found 500" → 500 */
function statusOf(message: string): number {
  const m = /(?:actually found|found) (\d{3})\b/.exec(message);
  return m ? Number(m[1]) : 0;
}

function kindOf(message: string): ErrorKind {
  if (statusOf(message)) return 'status';
  if (/timeout|timed out/i.test(message)) return 'timeout';
  if (/Connection refused|ConnectException/i.test(message)) return 'refused';
  if (/reset|PrematureClose|closed/i.test(message)) return 'reset';
  if (/UnknownHost|resolve/i.test(message)) return 'dns';
  if (/SSL|TLS|certificate/i.test(message)) return 'tls';
  return 'other';
}

type Layout = '3.4' | '3.0' | '2.2' | '2.0';

/** Which text layout a log is in, from its RUN record. */
function textLayout(file: SourceFile, rows: DelimitedRow[]): { layout: Layout; run: GatlingRunInfo; runLine: number } {
  const third = rows.find((r) => r.cells[2] === 'RUN');
  const first = rows.find((r) => r.cells[0] === 'RUN');
  if (!first && third) {
    // 2.0–2.1: <simulation> <id> RUN <start> <description> 2.0
    const c = third.cells;
    return { layout: '2.0', runLine: third.line, run: runInfo(file, third.line, c[0]!, c[3], c[4], c[5] ?? '2.0') };
  }
  if (!first) throw fileError(file, 1, 'expected a "RUN<TAB>…" record (is this a Gatling simulation.log?)');
  const c = first.cells;
  if (c.length >= 7 && c[6]!.trim().startsWith('2.')) {
    // 2.2–2.3: RUN <simulation> <userDefinedId> <defaultId> <start> <description> 2.0
    return { layout: '2.2', runLine: first.line, run: runInfo(file, first.line, c[1]!, c[4], c[5], c[6]!) };
  }
  if (c.length < 5) throw fileError(file, first.line, 'expected RUN <simulation> <id> <start ms> <description> <version>');
  const run = runInfo(file, first.line, c[1]!, c[3], c[4], c[5] ?? '');
  // 3.0–3.3 put a user id after REQUEST: 8 fields whose second and sixth are numbers
  const req = rows.find((r) => r.cells[0] === 'REQUEST');
  const old = req !== undefined && req.cells.length >= 8 && /^\d+$/.test(req.cells[1] ?? '') && /^\d+$/.test(req.cells[5] ?? '');
  return { layout: old ? '3.0' : '3.4', runLine: first.line, run };
}

function runInfo(file: SourceFile, line: number, simulation: string, start: string | undefined, description: string | undefined, version: string): GatlingRunInfo {
  const startMs = Number(start);
  checkEpochMs(file, line, startMs, 'the run start');
  return { simulation, startMs, description: (description ?? '').trim(), version: version.trim(), scenarios: [], assertions: 0 };
}

/** Reads a tab-separated log (any text layout) into records. */
function readTextLog(file: SourceFile, visit: (r: GatlingRecord, run: GatlingRunInfo) => void): GatlingRunInfo {
  const rows = parseTsv(file);
  const { layout, run } = textLayout(file, rows);
  // ASSERTION records come before RUN: count them first, so that the run info is complete
  run.assertions = rows.filter((r) => r.cells[0] === 'ASSERTION').length;
  const last = rows[rows.length - 1];
  const truncated = (r: DelimitedRow): string => (r === last ? ' (the file looks truncated)' : '');
  const num = (s: string | undefined): number => (s !== undefined && /^-?\d+$/.test(s.trim()) ? Number(s) : NaN);
  for (const r of rows) {
    const c = r.cells;
    // 2.0–2.1 put the record type third; shift it to the front
    const type = layout === '2.0' ? c[2] : c[0];
    const f = layout === '2.0' ? [c[2]!, c[0]!, c[1]!, ...c.slice(3)] : c;
    switch (type) {
      case 'RUN':
        break;
      case 'ASSERTION':
        break;
      case 'USER': {
        // 3.4+: USER scen EV ts ; 3.0–3.3: USER scen id EV start end ; 2.2: USER scen id EV userStart ts ; 2.0: (shifted) USER scen id EV start end
        const evIdx = layout === '3.4' ? 2 : 3;
        const ev = f[evIdx];
        const ts = num(layout === '3.4' ? f[3] : layout === '2.2' ? f[5] : ev === 'START' ? f[4] : f[5]);
        if ((ev !== 'START' && ev !== 'END') || !Number.isFinite(ts)) {
          throw fileError(file, r.line, `expected ${USER_SHAPE[layout]}${truncated(r)}`);
        }
        visit({ kind: 'user', scenario: f[1]!, start: ev === 'START', tsMs: ts, where: r.line }, run);
        break;
      }
      case 'REQUEST': {
        // field index of the groups, and whether the layout has four timestamps (2.0–2.1)
        const g = layout === '3.4' ? 1 : layout === '3.0' ? 2 : 3;
        const four = layout === '2.0';
        const start = num(f[g + 2]);
        const end = num(four ? f[g + 5] : f[g + 3]);
        const status = f[g + (four ? 6 : 4)];
        if (f.length < g + (four ? 7 : 5) || !Number.isFinite(start) || !Number.isFinite(end) || (status !== 'OK' && status !== 'KO')) {
          throw fileError(file, r.line, `expected ${REQUEST_SHAPE[layout]}${truncated(r)}`);
        }
        const groups = f[g] ? f[g]!.split(',') : [];
        visit({ kind: 'request', groups, name: f[g + 1] ?? '', startMs: start, endMs: end, ok: status === 'OK', message: (f[g + (four ? 7 : 5)] ?? '').trim(), where: r.line }, run);
        break;
      }
      case 'GROUP':
        // 2.2 wrote ERROR records under the GROUP header: GROUP <message> <date>
        if (layout === '2.2' && c.length === 3) visit({ kind: 'error', message: c[1] ?? '', tsMs: num(c[2]), where: r.line }, run);
        break;
      case 'ERROR':
        visit({ kind: 'error', message: f[1] ?? '', tsMs: num(f[2]), where: r.line }, run);
        break;
      default:
        throw fileError(file, r.line, `expected a RUN, USER, REQUEST, GROUP, ERROR or ASSERTION record, found "${(type ?? '').slice(0, 20)}"`);
    }
  }
  return run;
}

const USER_SHAPE: Record<Layout, string> = {
  '3.4': 'USER <scenario> START|END <timestamp ms>',
  '3.0': 'USER <scenario> <user id> START|END <start ms> <end ms>',
  '2.2': 'USER <scenario> <user id> START|END <user start ms> <timestamp ms>',
  '2.0': '<scenario> <user id> USER START|END <start ms> <end ms>',
};
const REQUEST_SHAPE: Record<Layout, string> = {
  '3.4': 'REQUEST <groups> <name> <start ms> <end ms> OK|KO <message>',
  '3.0': 'REQUEST <user id> <groups> <name> <start ms> <end ms> OK|KO <message>',
  '2.2': 'REQUEST <scenario> <user id> <groups> <name> <start ms> <end ms> OK|KO <message>',
  '2.0': '<scenario> <user id> REQUEST <groups> <name> <request start> <request end> <response start> <response end> OK|KO <message>',
};

export function importGatling(input: ImportInput): Result {
  const file: SourceFile = input.files[0]!;
  const binary = file.bytes !== undefined || (file.text.length > 0 && file.text.charCodeAt(0) === 0);
  let agg: SampleAggregator | undefined;
  const users = new Map<string, number>();
  let active = 0;
  let lastMs = -Infinity;
  let koWithoutStatus = 0;
  const errors = new Map<string, number>();
  const where = (w: number): number | string => (binary ? `byte ${w}` : w);
  const visit = (r: GatlingRecord, run: GatlingRunInfo): void => {
    agg ??= new SampleAggregator(run.startMs, file);
    switch (r.kind) {
      case 'user':
        active += r.start ? 1 : -1;
        if (r.start) users.set(r.scenario, (users.get(r.scenario) ?? 0) + 1);
        else if (!users.has(r.scenario)) users.set(r.scenario, 0);
        agg.setVus(r.tsMs, Math.max(0, active), where(r.where));
        lastMs = Math.max(lastMs, r.tsMs);
        break;
      case 'request': {
        const code = r.ok ? 0 : statusOf(r.message);
        if (!r.ok && code === 0) koWithoutStatus++;
        agg.add(
          {
            startMs: r.startMs,
            latencyUs: Math.max(0, r.endMs - r.startMs) * 1000,
            endpoint: r.groups.length ? `${r.groups.join(' / ')} / ${r.name}` : r.name,
            method: '',
            status: code,
            errorKind: r.ok ? undefined : kindOf(r.message),
          },
          where(r.where),
        );
        lastMs = Math.max(lastMs, r.endMs);
        break;
      }
      case 'group':
        break;
      case 'error':
        errors.set(r.message, (errors.get(r.message) ?? 0) + 1);
        break;
    }
  };
  let run: GatlingRunInfo;
  if (binary) {
    if (!file.bytes) throw fileError(file, undefined, 'this binary simulation.log was read as text', 'import it from a file (loadproof import simulation.log)');
    run = readBinaryLog(file, file.bytes, visit);
  } else {
    run = readTextLog(file, visit);
  }
  if (!agg || agg.size === 0) {
    throw fileError(file, binary ? undefined : parseTsv(file).at(-1)?.line ?? 1, 'expected REQUEST records (the log has none: the file looks truncated)');
  }
  const durationSec = Math.max(0.001, (lastMs - run.startMs) / 1000);
  const parts = agg.build(durationSec);
  const warnings = [...errors].map(([m, n]) => `Gatling logged an error ${n}×: ${m}`);
  const scenarioNames = run.scenarios.length ? run.scenarios : [...users.keys()];
  return importedResult(
    {
      source: 'gatling',
      toolVersion: run.version || undefined,
      name: run.simulation,
      target: '',
      startedAtMs: agg.originMs(),
      durationSec,
      summary: parts.summary,
      endpoints: parts.endpoints,
      timeline: parts.timeline,
      model: 'closed',
      scenarios: scenarioNames.map((name) => ({ name, weight: users.get(name) ?? 0, requests: [] })),
      warnings,
      limitations: [
        'Gatling records request times to the millisecond',
        'Gatling logs the status code only in failure messages ("… but actually found 500"): statusCodes lists only those',
        'Gatling does not log the HTTP method or the base URL',
        'Gatling logs users started and stopped, not the injection profile: the load model is shown as closed',
        koWithoutStatus ? `${koWithoutStatus} failed requests carry no status in their message (counted as errors of kind other, timeout, refused…)` : undefined,
        run.assertions ? `the log holds ${run.assertions} Gatling assertions in Gatling's boopickle encoding, which loadproof does not decode: criteria are empty` : undefined,
      ],
    },
    input,
  );
}
