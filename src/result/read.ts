/**
 * Reading a stored result document (`result.json`) for the commands that re-use one (analyze,
 * report). Anything that is not a loadproof result is bad input (exit 2) with a hint.
 */
import { readFileSync } from 'node:fs';
import { badFile } from '../errors.js';
import { RESULT_SCHEMA, type Result } from './types.js';

/** Parses a result document's text; `where` names it in errors (the file path). */
export function parseResult(text: string, where: string): Result {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw badFile(where, `not valid JSON (${(e as Error).message})`, 'pass the result.json written by loadproof run, quick or import');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw badFile(where, 'not a loadproof result (expected a JSON object)', 'pass the result.json written by loadproof run, quick or import');
  }
  const r = doc as Partial<Result> & Record<string, unknown>;
  if (r.schema !== RESULT_SCHEMA) {
    throw badFile(
      where,
      r.schema === undefined ? 'not a loadproof result (no "schema" field)' : `not a loadproof result (schema "${String(r.schema)}", expected "${RESULT_SCHEMA}")`,
      "another tool's output? turn it into a result with: loadproof import <file>",
    );
  }
  const need: Array<[keyof Result, string]> = [
    ['summary', 'object'],
    ['plan', 'object'],
  ];
  for (const [k, type] of need) {
    if (typeof r[k] !== type || r[k] === null) throw badFile(`${where}: ${k}`, `missing or not an ${type}`, 'the file is damaged or was not written by loadproof');
  }
  for (const k of ['timeline', 'steps', 'criteria', 'endpoints'] as const) {
    if (r[k] !== undefined && !Array.isArray(r[k])) throw badFile(`${where}: ${k}`, 'must be an array', 'the file is damaged or was not written by loadproof');
  }
  if (r.watch !== undefined && (typeof r.watch !== 'object' || r.watch === null || Array.isArray(r.watch))) {
    throw badFile(`${where}: watch`, 'must be an object of series', 'the file is damaged or was not written by loadproof');
  }
  return {
    ...(r as Result),
    timeline: r.timeline ?? [],
    steps: r.steps ?? [],
    criteria: r.criteria ?? [],
    endpoints: r.endpoints ?? [],
    watch: r.watch ?? {},
    analysis: r.analysis ?? null,
  };
}

/** Reads and checks a result file. */
export function readResultFile(path: string): Result {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw badFile(path, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? (e as Error).message})`, code === 'EISDIR' ? 'pass the result.json inside it' : undefined);
  }
  return parseResult(text, path);
}
