/** JSON files of foreign tools, with parse errors located by line and column. */
import { fileError, displayName, type SourceFile } from './source-file.js';
import { badFile } from '../../errors.js';

/** 1-based line and column of a character offset. */
export function lineColOf(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lastNl = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastNl = i;
    }
  }
  return { line, col: offset - lastNl };
}

/** Parses a whole-file JSON document; a syntax error names `file:line:col` and what was expected. */
export function parseJsonFile(file: SourceFile, what: string): unknown {
  try {
    return JSON.parse(file.text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /at position (\d+)/.exec(msg);
    const truncated = /end of JSON input|Unterminated/.test(msg) || (pos !== null && Number(pos[1]) >= file.text.trimEnd().length - 1);
    const at = pos ? lineColOf(file.text, Number(pos[1])) : lineColOf(file.text, file.text.length);
    throw badFile(
      `${displayName(file)}:${at.line}:${at.col}`,
      `expected ${what} (${truncated ? 'the JSON ends early: the file looks truncated' : 'this is not valid JSON'})`,
    );
  }
}

/** Plain-object check for parsed JSON. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fails naming the field path when `v` is not an object. */
export function expectObject(file: SourceFile, v: unknown, path: string, what: string): Record<string, unknown> {
  if (!isObject(v)) throw fileError(file, undefined, `expected ${path} to be an object (${what})`);
  return v;
}

/** A finite number or undefined. */
export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
