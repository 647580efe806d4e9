/**
 * Test data (`data:` in the plan): CSV files with a header row, or JSON arrays of objects, read
 * once on the main thread and shared read-only by every load worker.
 *
 * Sharing: a table is a `SharedArrayBuffer` holding every cell's UTF-8 bytes one after the other,
 * plus an `Int32Array` of cell offsets (row-major, rows × columns + 1 entries). Worker threads
 * receive the buffers through postMessage, which shares a SharedArrayBuffer instead of copying it,
 * so 100,000 rows cost one copy in memory whatever the number of workers and VUs. A cell is decoded
 * when a template or a script reads it; a VU holds only the row index it drew.
 *
 * Drawing a row, per mode:
 *   sequential  rows in file order, one shared cursor for the whole run (all workers: an
 *               Atomics counter in shared memory), wrapping around at the end
 *   random      a uniformly random row (the worker's seeded generator)
 *   unique      each row at most once in the whole run (the same shared counter, never wrapping);
 *               when all are used: `onExhausted: error` fails the iteration (and stops a closed-
 *               model VU), `recycle` starts over from the first row
 *   per-vu      VU k gets row k mod n (k: the VU's global index)
 * `per: iteration` (the default, except for per-vu) draws a new row for each iteration;
 * `per: vu` draws once per VU (a login account kept for the VU's life).
 *
 * Segments (a distributed run, i of N): unique rows are partitioned so that segment i uses the
 * rows r with ⌊n·i/N⌋ ≤ r < ⌊n·(i+1)/N⌋ only, and no two segments ever use the same row.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import type * as Yaml from 'yaml';
import { badFile, LoadproofError } from '../errors.js';
import { parseCsv } from '../formats/common/csv.js';
import type { DataSource } from '../plan/schema.js';
import type { Rng } from './rng.js';

/** A table as sent to the workers: plain fields and shared buffers (structured-cloneable). */
export interface SharedTable {
  name: string;
  file: string;
  mode: DataSource['mode'];
  per: DataSource['per'];
  onExhausted: DataSource['onExhausted'];
  columns: string[];
  rows: number;
  /** UTF-8 bytes of every cell, back to back */
  bytes: SharedArrayBuffer;
  /** Int32 byte offsets: cell (r, c) is bytes[off[r·C+c], off[r·C+c+1]) */
  offsets: SharedArrayBuffer;
  /** Int32 [0]: the shared cursor of sequential and unique modes */
  cursor: SharedArrayBuffer;
  /** rows this run may use in unique mode: [from, to) (a segment's share; the whole file otherwise) */
  uniqueFrom: number;
  uniqueTo: number;
}

/** A distributed run's segment: this process is segment `index` of `count`. */
export interface DataSegment {
  index: number;
  count: number;
}

/** Why a row could not be drawn. */
export class DataExhausted extends Error {
  constructor(readonly table: string, rows: number) {
    super(`data ${table}: all ${rows} unique rows are used`);
  }
}

function encodeTable(name: string, file: string, src: DataSource, columns: string[], cells: string[][], segment?: DataSegment): SharedTable {
  const encoded = cells.map((row) => row.map((c) => Buffer.from(c, 'utf8')));
  const total = encoded.reduce((a, row) => a + row.reduce((b, c) => b + c.length, 0), 0);
  const bytes = new SharedArrayBuffer(Math.max(1, total));
  const offsets = new SharedArrayBuffer(4 * (cells.length * columns.length + 1));
  const b = new Uint8Array(bytes);
  const off = new Int32Array(offsets);
  let at = 0;
  let k = 0;
  for (const row of encoded) {
    for (const c of row) {
      off[k++] = at;
      b.set(c, at);
      at += c.length;
    }
  }
  off[k] = at;
  const n = cells.length;
  const seg = segment && segment.count > 1 ? segment : { index: 0, count: 1 };
  return {
    name,
    file,
    mode: src.mode,
    per: src.per,
    onExhausted: src.onExhausted,
    columns,
    rows: n,
    bytes,
    offsets,
    cursor: new SharedArrayBuffer(8),
    uniqueFrom: Math.floor((n * seg.index) / seg.count),
    uniqueTo: Math.floor((n * (seg.index + 1)) / seg.count),
  };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw badFile(file, code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(err)})`, 'check the path under data: (relative to the plan file)');
  }
}

/** Parses a CSV data file: a header row, then rows of exactly as many cells. */
export function csvTable(file: string, text: string): { columns: string[]; cells: string[][] } {
  const rows = parseCsv({ path: file, text });
  const where = (line: number): string => `${basename(file)}:${line}`;
  if (rows.length === 0) throw badFile(where(1), 'the data file is empty', 'the first line names the columns, e.g. email,password');
  const header = rows[0]!;
  const columns = header.cells.map((c) => c.trim());
  columns.forEach((c, i) => {
    if (c === '') throw badFile(where(header.line), `column ${i + 1} has no name`, 'name every column in the first line');
    if (columns.indexOf(c) !== i) throw badFile(where(header.line), `column "${c}" is named twice`, 'give each column its own name');
  });
  if (rows.length === 1) throw badFile(where(header.line), 'the data file has a header but no rows', 'add at least one row under the header');
  const cells: string[][] = [];
  for (const r of rows.slice(1)) {
    if (r.cells.length !== columns.length) {
      throw badFile(where(r.line), `row has ${r.cells.length} cell${r.cells.length === 1 ? '' : 's'}, the header has ${columns.length}`, 'every row needs one cell per column (quote cells that contain commas)');
    }
    cells.push(r.cells);
  }
  return { columns, cells };
}

// the yaml package (its parser gives JSON errors a line) is loaded when a JSON data file is read,
// on the main thread: load workers import this module for its tables and rows only, and a worker
// thread would otherwise load yaml's ~80 files again (~70 ms of CPU) for nothing
let yamlLib: typeof Yaml | null = null;

/** Parses a JSON data file: an array of objects whose keys are the columns (every object the same keys). */
export function jsonTable(file: string, text: string): { columns: string[]; cells: string[][] } {
  const { LineCounter, isMap, isSeq, parseDocument } = (yamlLib ??= createRequire(import.meta.url)('yaml') as typeof Yaml);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const where = (offset: number | undefined): string => `${basename(file)}:${offset === undefined ? 1 : lc.linePos(offset).line}`;
  if (doc.errors.length) throw badFile(where(doc.errors[0]!.pos[0]), `not valid JSON: ${doc.errors[0]!.message.split('\n')[0]}`, 'fix the JSON syntax');
  const root = doc.contents;
  if (!isSeq(root)) throw badFile(where(root?.range?.[0]), 'a JSON data file is an array of objects', 'write [{"email": "a@example.com"}, ...]');
  if (root.items.length === 0) throw badFile(where(root.range?.[0]), 'the data file is an empty array', 'add at least one object');
  let columns: string[] | null = null;
  const cells: string[][] = [];
  for (const item of root.items) {
    const at = where((item as { range?: number[] }).range?.[0]);
    if (!isMap(item)) throw badFile(at, 'each element must be an object', 'write {"column": value, ...}');
    const obj = item.toJSON() as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (columns === null) columns = keys;
    const missing = columns.filter((c) => !(c in obj));
    const extra = keys.filter((k) => !columns!.includes(k));
    if (missing.length) throw badFile(at, `object lacks ${missing.map((m) => `"${m}"`).join(', ')} (the first object has it)`, 'give every object the same keys');
    if (extra.length) throw badFile(at, `object has ${extra.map((m) => `"${m}"`).join(', ')}, which the first object lacks`, 'give every object the same keys');
    cells.push(columns.map((c) => (typeof obj[c] === 'string' ? (obj[c] as string) : JSON.stringify(obj[c]))));
  }
  return { columns: columns!, cells };
}

/** Reads every `data:` source of a plan (paths already absolute or relative to the cwd). */
export function loadDataSets(data: Record<string, DataSource> | undefined, segment?: DataSegment): SharedTable[] {
  return Object.entries(data ?? {}).map(([name, src]) => {
    const text = readText(src.file);
    const isJson = /\.json$/i.test(src.file) || /^\s*\[/.test(text);
    const t = isJson ? jsonTable(src.file, text) : csvTable(src.file, text);
    return encodeTable(name, src.file, src, t.columns, t.cells, segment);
  });
}

/** A worker's read-only view of a shared table. */
export class DataTable {
  readonly name: string;
  readonly rows: number;
  readonly columns: readonly string[];
  private readonly colIndex: Map<string, number>;
  private readonly bytes: Buffer;
  private readonly off: Int32Array;
  private readonly cursor: Int32Array;

  constructor(readonly shared: SharedTable) {
    this.name = shared.name;
    this.rows = shared.rows;
    this.columns = shared.columns;
    this.colIndex = new Map(shared.columns.map((c, i) => [c, i]));
    this.bytes = Buffer.from(shared.bytes);
    this.off = new Int32Array(shared.offsets);
    this.cursor = new Int32Array(shared.cursor);
  }

  column(name: string): number {
    return this.colIndex.get(name) ?? -1;
  }

  /** The cell's text (decoded from the shared bytes). */
  cell(row: number, col: number): string {
    const k = row * this.columns.length + col;
    return this.bytes.toString('utf8', this.off[k]!, this.off[k + 1]!);
  }

  /** Row `row` as an object (for scripts). */
  rowObject(row: number): Record<string, string> {
    const o: Record<string, string> = {};
    this.columns.forEach((c, i) => (o[c] = this.cell(row, i)));
    return o;
  }

  /** Every row's value of one column, in file order (a loop over a data column). */
  columnValues(col: number): string[] {
    const out = new Array<string>(this.rows);
    for (let r = 0; r < this.rows; r++) out[r] = this.cell(r, col);
    return out;
  }

  /** Draws a row index for VU `vuIndex` by the table's mode; throws DataExhausted (unique, error). */
  draw(rng: Rng, vuIndex: number): number {
    const s = this.shared;
    switch (s.mode) {
      case 'random':
        return Math.floor(rng() * this.rows);
      case 'per-vu':
        return vuIndex % this.rows;
      case 'sequential':
        return Atomics.add(this.cursor, 0, 1) % this.rows;
      case 'unique': {
        const span = s.uniqueTo - s.uniqueFrom;
        const k = Atomics.add(this.cursor, 0, 1);
        if (k >= span) {
          if (s.onExhausted === 'error' || span === 0) throw new DataExhausted(this.name, span);
          return s.uniqueFrom + (k % span);
        }
        return s.uniqueFrom + k;
      }
    }
  }
}

/** Checks a template variable `table.column` against the loaded tables (plan error on a bad column). */
export function checkDataReference(tables: ReadonlyMap<string, DataTable>, variable: string, where: string): void {
  const dot = variable.indexOf('.');
  if (dot < 0) return;
  const t = tables.get(variable.slice(0, dot));
  if (!t) return;
  const col = variable.slice(dot + 1);
  if (t.column(col) < 0) {
    throw new LoadproofError('LP_PLAN_INVALID', `data ${t.name} (${basename(t.shared.file)}) has no column "${col}"`, {
      where,
      hint: `columns: ${t.columns.join(', ')}`,
    });
  }
}

/**
 * One VU's rows: the row index it holds in each table (−1: none drawn yet). A template reading
 * `{{ user.email }}` finds the table `user`, draws a row when the VU holds none, and decodes the
 * cell from the shared bytes. Nothing of the table is copied.
 */
export class VuRows {
  private readonly row: Int32Array;

  constructor(
    private readonly tables: readonly DataTable[],
    private readonly byName: ReadonlyMap<string, number>,
    private readonly rng: Rng,
    /** the VU's global index (per-vu mode) */
    public vuIndex: number,
  ) {
    this.row = new Int32Array(tables.length).fill(-1);
  }

  /** `table.column` → the cell of the VU's row; undefined when `name` is not a table's column. */
  get(name: string): string | undefined {
    const dot = name.indexOf('.');
    if (dot <= 0) return undefined;
    const t = this.byName.get(name.slice(0, dot));
    if (t === undefined) return undefined;
    const table = this.tables[t]!;
    const col = table.column(name.slice(dot + 1));
    return col < 0 ? undefined : table.cell(this.rowOf(t), col);
  }

  /** The VU's row of table `t`, drawn now when it holds none (may throw DataExhausted). */
  rowOf(t: number): number {
    let r = this.row[t]!;
    if (r < 0) {
      r = this.tables[t]!.draw(this.rng, this.vuIndex);
      this.row[t] = r;
    }
    return r;
  }

  /** The VU's row of the table named `name` as an object (scripts' vu.data), or undefined. */
  rowObject(name: string): Record<string, string> | undefined {
    const t = this.byName.get(name);
    return t === undefined ? undefined : this.tables[t]!.rowObject(this.rowOf(t));
  }

  /**
   * A new iteration begins: tables drawn per iteration let go of their row, and the tables the
   * scenario reads get their rows now, so that an exhausted table fails the iteration before it
   * sends anything (throws DataExhausted).
   */
  begin(used: readonly number[]): void {
    for (const t of used) {
      if (this.tables[t]!.shared.per === 'iteration') this.row[t] = -1;
      this.rowOf(t);
    }
  }

  /** Releases per-iteration rows without drawing (scripts draw on first read). */
  release(): void {
    for (let t = 0; t < this.tables.length; t++) if (this.tables[t]!.shared.per === 'iteration') this.row[t] = -1;
  }

  table(index: number): DataTable {
    return this.tables[index]!;
  }
}
