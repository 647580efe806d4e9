/**
 * Two-column numeric CSV for `fit usl` (N,X) and `fit knee` (x,y): one pair per line, separated by a
 * comma, semicolon, tab or spaces; an optional header line (the first line, when it is not numbers);
 * blank lines and `#` comments skipped. Anything else is bad input naming its line (exit 2).
 */
import { badFile } from '../errors.js';

export interface XyRows {
  xs: number[];
  ys: number[];
  /** 1-based source line of each row, for messages */
  lines: number[];
  header: [string, string] | null;
}

const NUM = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function parseXyCsv(text: string, file: string, columns: [string, string]): XyRows {
  const out: XyRows = { xs: [], ys: [], lines: [], header: null };
  const rows = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let seenFirst = false;
  rows.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const cells = line.split(/\s*[,;\t]\s*|\s+/).map((c) => c.replace(/^"(.*)"$/, '$1').trim());
    const first = !seenFirst;
    seenFirst = true;
    if (first && cells.length === 2 && !cells.every((c) => NUM.test(c))) {
      out.header = [cells[0]!, cells[1]!];
      return;
    }
    if (cells.length !== 2 || !cells.every((c) => NUM.test(c))) {
      throw badFile(`${file}:${i + 1}`, `expected two numbers (${columns.join(',')}), got "${line.length > 60 ? line.slice(0, 57) + '...' : line}"`, `one ${columns.join(',')} pair per line; a header line is allowed first`);
    }
    out.xs.push(Number(cells[0]));
    out.ys.push(Number(cells[1]));
    out.lines.push(i + 1);
  });
  return out;
}
