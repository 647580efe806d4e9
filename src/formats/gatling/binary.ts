/**
 * Reader of the binary `simulation.log` that Gatling writes since 3.13 (written from the layout of
 * Gatling's `LogFileDataWriter` and `LogFileReader`; our own code). Every number is big-endian
 * (Java's ByteBuffer). A record is one header byte and its fields:
 *
 *   0 RUN      string gatlingVersion, string simulationClass, int64 startMs, string description,
 *              int32 n + n × string scenario (index = position), int32 m + m × (int32 len + bytes)
 *              assertions (boopickle, skipped)
 *   1 REQUEST  int32 g + g × cached group, cached name, int32 start, int32 end (ms from the run
 *              start), bool ok, cached message
 *   2 USER     int32 scenario index, bool start, int32 timestamp (ms from the run start)
 *   3 GROUP    int32 g + g × cached group, int32 start, int32 end, int32 cumulatedResponseTime, bool ok
 *   4 ERROR    cached message, int32 timestamp
 *
 * string: int32 byte length L; L = 0 is ""; else L bytes of Java's internal String value and one
 * coder byte (0 = Latin-1, 1 = UTF-16 in the writer's native order, little-endian on x86/ARM).
 * cached string: int32 i; i > 0 is a new string (read it) stored as index i; i < 0 refers to the
 * string stored as -i.
 *
 * Gatling itself accepts a log that ends inside a record ("partial results"); loadproof refuses it
 * (exit 2, nothing half-imported), naming the byte offset and record number.
 */
import { badFile, type LoadproofError } from '../../errors.js';
import { displayName, type SourceFile } from '../common/source-file.js';

export interface GatlingRunInfo {
  version: string;
  simulation: string;
  startMs: number;
  description: string;
  scenarios: string[];
  assertions: number;
}

export type GatlingRecord =
  | { kind: 'user'; scenario: string; start: boolean; tsMs: number; where: number }
  | { kind: 'request'; groups: string[]; name: string; startMs: number; endMs: number; ok: boolean; message: string; where: number }
  | { kind: 'group'; groups: string[]; startMs: number; endMs: number; ok: boolean; where: number }
  | { kind: 'error'; message: string; tsMs: number; where: number };

const HEADER = { run: 0, request: 1, user: 2, group: 3, error: 4 } as const;
/** sanity bounds that a garbled length must not pass (Gatling logs names and messages, not bodies) */
const MAX_STRING_BYTES = 1 << 20;
const MAX_LIST = 1 << 16;

class Truncated extends Error {}

/** A cursor over the bytes; every read checks the bounds (a short read is a truncated file). */
class Bytes {
  pos = 0;
  private readonly cache = new Map<number, string>();
  constructor(private readonly buf: Buffer) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Truncated();
  }
  byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  bool(what: string): boolean {
    const b = this.byte();
    if (b > 1) throw new Garbled(this.pos - 1, `expected a boolean (0 or 1) for ${what}, found ${b}`);
    return b === 1;
  }
  int(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  long(): number {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return Number(v);
  }
  count(what: string): number {
    const at = this.pos;
    const n = this.int();
    if (n < 0 || n > MAX_LIST) throw new Garbled(at, `expected a count of ${what}, found ${n}`);
    return n;
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
  string(what: string): string {
    const at = this.pos;
    const len = this.int();
    if (len === 0) return '';
    if (len < 0 || len > MAX_STRING_BYTES) throw new Garbled(at, `expected the byte length of ${what}, found ${len}`);
    this.need(len + 1);
    const value = this.buf.subarray(this.pos, this.pos + len);
    const coder = this.buf[this.pos + len]!;
    this.pos += len + 1;
    if (coder === 0) return value.toString('latin1');
    if (coder === 1 && len % 2 === 0) return value.toString('utf16le');
    throw new Garbled(at, `expected ${what} as a Latin-1 or UTF-16 Java string, found coder ${coder} for ${len} bytes`);
  }
  cached(what: string): string {
    const at = this.pos;
    const i = this.int();
    if (i > 0) {
      const s = sanitize(this.string(what));
      this.cache.set(i, s);
      return s;
    }
    const s = this.cache.get(-i);
    if (s === undefined) throw new Garbled(at, `${what} refers to string #${-i}, which the log never defined`);
    return s;
  }
}

class Garbled extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** Gatling's reader turns these into spaces; so do we (names end up in tables and reports). */
const sanitize = (s: string): string => s.replace(/[\t\r\n]/g, ' ');

/** "3.13.1" → [3, 13]; undefined unless the text looks like a version. */
function majorMinor(v: string): [number, number] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})(?:\.\d{1,4})?(?:[-.][0-9A-Za-z.-]{1,40})?$/.exec(v);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * Reads a binary log; `visit` receives each record in file order. The run record comes back first;
 * `where` in records is the byte offset of the record, for messages.
 */
export function readBinaryLog(file: SourceFile, bytes: Buffer, visit: (r: GatlingRecord, run: GatlingRunInfo) => void): GatlingRunInfo {
  const b = new Bytes(bytes);
  let record = 0;
  let recordAt = 0;
  const fail = (at: number, message: string, hint?: string): LoadproofError =>
    badFile(`${displayName(file)}: byte ${at}`, `${message} (record ${record})`, hint ?? 'the file looks garbled: pass the simulation.log that Gatling wrote');
  try {
    record = 1;
    if (b.byte() !== HEADER.run) throw new Garbled(0, 'expected the RUN record (header byte 0) first');
    const versionAt = b.pos;
    const version = b.string('the Gatling version');
    const mm = majorMinor(version);
    if (!mm) throw new Garbled(versionAt, `expected the Gatling version that wrote the log, found ${JSON.stringify(version.slice(0, 40))}`);
    // 3.12.1 is the development version string in logs written while the binary layout was made (Gatling's own test log)
    if (mm[0] < 3 || (mm[0] === 3 && mm[1] < 12)) {
      throw fail(versionAt, `this binary log says Gatling ${version}, but Gatling wrote binary logs only from 3.13 on`);
    }
    const simulation = b.string('the simulation class');
    const startAt = b.pos;
    const startMs = b.long();
    const description = b.string('the run description');
    const scenarios: string[] = [];
    for (let i = b.count('scenarios'); i > 0; i--) scenarios.push(sanitize(b.string('a scenario name')));
    let assertions = 0;
    for (let i = b.count('assertions'); i > 0; i--) {
      const at = b.pos;
      const len = b.int();
      if (len < 0 || len > MAX_STRING_BYTES) throw new Garbled(at, `expected the byte length of an assertion, found ${len}`);
      b.skip(len);
      assertions++;
    }
    const run: GatlingRunInfo = { version, simulation, startMs, description, scenarios, assertions };
    if (!Number.isSafeInteger(startMs)) throw new Garbled(startAt, `expected the run start in epoch milliseconds, found ${startMs}`);
    while (!b.done) {
      record++;
      recordAt = b.pos;
      const header = b.byte();
      switch (header) {
        case HEADER.user: {
          const idxAt = b.pos;
          const idx = b.int();
          const scenario = scenarios[idx];
          if (scenario === undefined) throw new Garbled(idxAt, `expected a scenario index below ${scenarios.length}, found ${idx}`);
          const start = b.bool('USER start/end');
          visit({ kind: 'user', scenario, start, tsMs: startMs + b.int(), where: recordAt }, run);
          break;
        }
        case HEADER.request: {
          const groups: string[] = [];
          for (let i = b.count('groups'); i > 0; i--) groups.push(b.cached('a group name'));
          const name = b.cached('the request name');
          const start = b.int();
          const end = b.int();
          const ok = b.bool('the request status');
          const message = b.cached('the message').trim();
          visit({ kind: 'request', groups, name, startMs: startMs + start, endMs: startMs + end, ok, message, where: recordAt }, run);
          break;
        }
        case HEADER.group: {
          const groups: string[] = [];
          for (let i = b.count('groups'); i > 0; i--) groups.push(b.cached('a group name'));
          const start = b.int();
          const end = b.int();
          b.int(); // cumulated response time
          const ok = b.bool('the group status');
          visit({ kind: 'group', groups, startMs: startMs + start, endMs: startMs + end, ok, where: recordAt }, run);
          break;
        }
        case HEADER.error: {
          const message = b.cached('the error message');
          visit({ kind: 'error', message, tsMs: startMs + b.int(), where: recordAt }, run);
          break;
        }
        default:
          throw new Garbled(recordAt, `expected a record header 1-4 (REQUEST, USER, GROUP, ERROR), found ${header}`);
      }
    }
    return run;
  } catch (err) {
    if (err instanceof Truncated) {
      throw fail(recordAt, 'the file ends inside this record: it looks truncated', 'pass the complete simulation.log (Gatling writes it until the run ends)');
    }
    if (err instanceof Garbled) throw fail(err.offset, err.message);
    throw err;
  }
}
