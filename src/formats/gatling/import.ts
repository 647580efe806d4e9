/**
 * Gatling `simulation.log` (the tab-separated text log of Gatling 3.x up to 3.11) → Result.
 *
 * Records, one per line, fields separated by tabs (layout of 3.4–3.11 `LogFileDataWriter`):
 *   ASSERTION  <base64 boopickle>                                       (before RUN; not decoded)
 *   RUN        <simulationClass> <simulationId> <startMs> <description> <gatlingVersion>
 *   USER       <scenario> START|END <timestampMs>
 *   REQUEST    <groups,comma-joined> <name> <startMs> <endMs> OK|KO <message>
 *   GROUP      <groups> <startMs> <endMs> <cumulatedResponseTime> OK|KO
 *   ERROR      <message> <timestampMs>
 * Gatling 3.0–3.3 wrote a user id before the groups in REQUEST (and a user id in USER); both layouts
 * are read. Gatling 3.12+ writes a binary log, which is refused with a message. Timestamps are
 * whole milliseconds.
 */
import type { ErrorKind, Result } from '../../result/types.js';
import { parseTsv } from '../common/csv.js';
import { importedResult, type ImportInput } from '../common/imported-result.js';
import { SampleAggregator } from '../common/result-builder.js';
import { fileError, type SourceFile } from '../common/source-file.js';
import { checkEpochMs } from '../common/span.js';

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

export function importGatling(input: ImportInput): Result {
  const file: SourceFile = input.files[0]!;
  if (file.text.length > 0 && file.text.charCodeAt(0) === 0) {
    throw fileError(
      file,
      undefined,
      'this is the binary simulation.log of Gatling 3.12 or later; loadproof reads the tab-separated log of Gatling 3.x up to 3.11',
      "export Gatling's results another way, or run the simulation with Gatling 3.11",
    );
  }
  const rows = parseTsv(file);
  const run = rows.find((r) => r.cells[0] === 'RUN');
  if (!run) throw fileError(file, 1, 'expected a "RUN<TAB>…" record (is this a Gatling simulation.log?)');
  if (run.cells.length < 5) throw fileError(file, run.line, 'expected RUN <simulation> <id> <start ms> <description> <version>');
  const runStartMs = Number(run.cells[3]);
  checkEpochMs(file, run.line, runStartMs, 'the run start');
  const simulation = run.cells[1]!;
  const version = run.cells[5]?.trim();

  const agg = new SampleAggregator(runStartMs, file);
  const users = new Map<string, number>();
  let active = 0;
  let lastMs = runStartMs;
  let assertions = 0;
  let koWithoutStatus = 0;
  const errors = new Map<string, number>();
  for (const r of rows) {
    const c = r.cells;
    switch (c[0]) {
      case 'RUN':
        break;
      case 'ASSERTION':
        assertions++;
        break;
      case 'USER': {
        // 3.4+: USER scenario START|END ts ; 3.0–3.3: USER scenario userId START|END start end
        const evIdx = c[2] === 'START' || c[2] === 'END' ? 2 : 3;
        const ev = c[evIdx];
        const ts = Number(evIdx === 2 ? c[3] : ev === 'START' ? c[4] : c[5]);
        if ((ev !== 'START' && ev !== 'END') || !Number.isFinite(ts)) {
          throw fileError(file, r.line, 'expected USER <scenario> START|END <timestamp ms>' + (r === rows[rows.length - 1] ? ' (the file looks truncated)' : ''));
        }
        active += ev === 'START' ? 1 : -1;
        users.set(c[1]!, (users.get(c[1]!) ?? 0) + (ev === 'START' ? 1 : 0));
        agg.setVus(ts, Math.max(0, active), r.line);
        lastMs = Math.max(lastMs, ts);
        break;
      }
      case 'REQUEST': {
        // 3.4+: 7 fields; 3.0–3.3: a user id after REQUEST (8 fields)
        const off = c.length >= 8 && /^\d+$/.test(c[1] ?? '') && /^\d+$/.test(c[5] ?? '') ? 1 : 0;
        const groups = c[1 + off] ?? '';
        const name = c[2 + off] ?? '';
        const start = Number(c[3 + off]);
        const end = Number(c[4 + off]);
        const status = c[5 + off];
        const message = (c[6 + off] ?? '').trim();
        if (!Number.isFinite(start) || !Number.isFinite(end) || (status !== 'OK' && status !== 'KO') || c.length < 6 + off) {
          throw fileError(
            file,
            r.line,
            'expected REQUEST <groups> <name> <start ms> <end ms> OK|KO <message>' + (r === rows[rows.length - 1] ? ' (the file looks truncated)' : ''),
          );
        }
        const code = status === 'KO' ? statusOf(message) : 0;
        if (status === 'KO' && code === 0) koWithoutStatus++;
        agg.add({
          startMs: start,
          latencyUs: Math.max(0, end - start) * 1000,
          endpoint: groups ? `${groups.split(',').join(' / ')} / ${name}` : name,
          method: '',
          status: code,
          errorKind: status === 'KO' ? kindOf(message) : undefined,
        }, r.line);
        lastMs = Math.max(lastMs, end);
        break;
      }
      case 'GROUP':
        break;
      case 'ERROR':
        errors.set(c[1] ?? '', (errors.get(c[1] ?? '') ?? 0) + 1);
        break;
      default:
        throw fileError(file, r.line, `expected a RUN, USER, REQUEST, GROUP, ERROR or ASSERTION record, found "${(c[0] ?? '').slice(0, 20)}"`);
    }
  }
  if (agg.size === 0) throw fileError(file, rows.at(-1)?.line ?? 1, 'expected REQUEST records (the log has none: the file looks truncated)');
  const durationSec = Math.max(0.001, (lastMs - runStartMs) / 1000);
  const parts = agg.build(durationSec);
  const warnings = [...errors].map(([m, n]) => `Gatling logged an error ${n}×: ${m}`);
  return importedResult(
    {
      source: 'gatling',
      toolVersion: version,
      name: simulation,
      target: '',
      startedAtMs: agg.originMs(),
      durationSec,
      summary: parts.summary,
      endpoints: parts.endpoints,
      timeline: parts.timeline,
      model: 'closed',
      scenarios: [...users].map(([name, n]) => ({ name, weight: n, requests: [] })),
      warnings,
      limitations: [
        'Gatling records request times to the millisecond',
        'Gatling logs the status code only in failure messages ("… but actually found 500"): statusCodes lists only those',
        'Gatling does not log the HTTP method or the base URL',
        koWithoutStatus ? `${koWithoutStatus} failed requests carry no status in their message (counted as errors of kind other, timeout, refused…)` : undefined,
        assertions ? `the log holds ${assertions} Gatling assertions in Gatling's binary encoding, which loadproof does not decode: criteria are empty` : undefined,
      ],
    },
    input,
  );
}
