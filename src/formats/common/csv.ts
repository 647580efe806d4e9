/**
 * Delimited text (RFC 4180 CSV with quotes, and plain tab-separated logs), with line numbers kept
 * for messages. Shared by the Locust, hey, ab and Gatling importers.
 */
import { fileError, type SourceFile } from './source-file.js';

export interface DelimitedRow {
  /** 1-based line where the row starts */
  line: number;
  cells: string[];
}

/**
 * Parses CSV: `,` separated, `"` quoted (a quote inside is doubled), a quoted cell may span lines.
 * An unterminated quote is an error (a truncated file).
 */
export function parseCsv(file: SourceFile): DelimitedRow[] {
  const text = file.text;
  const rows: DelimitedRow[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let rowLine = 1;
  let quoted = false;
  let quoteStartLine = 0;
  let any = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
      continue;
    }
    if (c === '"' && cell === '') {
      quoted = true;
      quoteStartLine = line;
      any = true;
    } else if (c === ',') {
      cells.push(cell);
      cell = '';
      any = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      if (any || cell !== '') {
        cells.push(cell);
        rows.push({ line: rowLine, cells });
      }
      cells = [];
      cell = '';
      any = false;
      line++;
      rowLine = line;
    } else {
      cell += c;
      any = true;
    }
  }
  if (quoted) throw fileError(file, quoteStartLine, 'a quoted CSV cell is not closed (the file looks truncated)');
  if (any || cell !== '') {
    cells.push(cell);
    rows.push({ line: rowLine, cells });
  }
  return rows;
}

/** Splits tab-separated lines (no quoting; Gatling and ab's gnuplot file). Empty lines are skipped. */
export function parseTsv(file: SourceFile): DelimitedRow[] {
  const out: DelimitedRow[] = [];
  const lines = file.text.split(/\r\n|\n/);
  lines.forEach((l, i) => {
    if (l.trim() !== '') out.push({ line: i + 1, cells: l.split('\t') });
  });
  return out;
}

/**
 * A table with a header row: looks cells up by column name and fails with the file and line when a
 * required column is missing or a number does not parse.
 */
export class Table {
  readonly header: string[];
  readonly rows: DelimitedRow[];
  private readonly index = new Map<string, number>();

  constructor(
    readonly file: SourceFile,
    all: DelimitedRow[],
    what: string,
  ) {
    const head = all[0];
    if (!head) throw fileError(file, 1, `expected a ${what} header line, the file is empty`);
    this.header = head.cells.map((c) => c.trim());
    this.header.forEach((h, i) => this.index.set(h, i));
    this.rows = all.slice(1);
    for (const r of this.rows) {
      if (r.cells.length !== this.header.length) {
        throw fileError(
          file,
          r.line,
          `expected ${this.header.length} ${what} columns, found ${r.cells.length}${r === this.rows[this.rows.length - 1] ? ' (the file looks truncated)' : ''}`,
        );
      }
    }
  }

  has(column: string): boolean {
    return this.index.has(column);
  }

  /** Fails naming the missing columns. */
  require(columns: string[], what: string): void {
    const missing = columns.filter((c) => !this.index.has(c));
    if (missing.length) {
      throw fileError(this.file, 1, `expected ${what} columns ${missing.map((m) => `"${m}"`).join(', ')} in the header`);
    }
  }

  text(row: DelimitedRow, column: string): string {
    const i = this.index.get(column);
    return i === undefined ? '' : (row.cells[i] ?? '').trim();
  }

  /** A number cell; `N/A` and empty give `fallback` when one is allowed, else an error. */
  num(row: DelimitedRow, column: string, fallback?: number): number {
    const t = this.text(row, column);
    if ((t === '' || t === 'N/A') && fallback !== undefined) return fallback;
    const n = Number(t);
    if (t === '' || !Number.isFinite(n)) throw fileError(this.file, row.line, `expected a number in column "${column}", found "${t}"`);
    return n;
  }
}
