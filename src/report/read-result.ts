/**
 * Reading a stored `result.json` back: the schema tag and the shape every renderer relies on are
 * checked, so a garbled or foreign file is a one-line bad-input error naming the file and what was
 * expected (exit 2), never a crash deep inside a renderer.
 *
 * The check is deliberately structural (the fields the reports read, with their JSON types), not a
 * full schema: results from newer versions may carry more fields, and imported results carry less.
 */
import { shapeProblem } from '../result/shape.js';
import { readFile } from 'node:fs/promises';
import { badFile } from '../errors.js';
import { RESULT_SCHEMA, type Result } from '../result/types.js';
import { encodedHistogramProblem } from './histogram-check.js';

type Kind = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null';

function kindOf(v: unknown): Kind | 'undefined' {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as Kind | 'undefined';
}

/** Field path → the kinds it may have. Checked in order; the first mismatch is reported. */
const REQUIRED: Array<[string, Kind[]]> = [
  ['source', ['string']],
  ['tool', ['object']],
  ['tool.name', ['string']],
  ['tool.version', ['string']],
  ['plan', ['object']],
  ['plan.name', ['string']],
  ['plan.target', ['string']],
  ['plan.hypothesis', ['string', 'null']],
  ['startedAt', ['string']],
  ['durationSec', ['number']],
  ['verdict', ['string']],
  ['summary', ['object']],
  ['summary.requests', ['number']],
  ['summary.errors', ['number']],
  ['summary.errorRate', ['number']],
  ['summary.throughputRps', ['number']],
  ['summary.peakRps', ['number']],
  ['summary.latencyMs', ['object']],
  ['summary.latencyMs.p50', ['number', 'null']],
  ['summary.latencyMs.p95', ['number', 'null']],
  ['summary.latencyMs.p99', ['number', 'null']],
  ['endpoints', ['array']],
  ['criteria', ['array']],
  ['timeline', ['array']],
  ['steps', ['array']],
  ['watch', ['object']],
  ['analysis', ['object', 'null']],
];

const VERDICTS = ['pass', 'fail', 'aborted', 'invalid'];

function get(doc: unknown, path: string): unknown {
  let v: unknown = doc;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/**
 * Checks a parsed document. Returns the problem as `[field path, message]`, or null when the
 * document has the shape of a result.
 */
export function resultShapeProblem(doc: unknown): [string, string] | null {
  if (kindOf(doc) !== 'object') return ['', `expected a JSON object (a loadproof result), found ${kindOf(doc)}`];
  const schema = (doc as Record<string, unknown>).schema;
  if (schema !== RESULT_SCHEMA) {
    return [
      'schema',
      schema === undefined
        ? `expected "schema": "${RESULT_SCHEMA}", found no schema field`
        : `expected "schema": "${RESULT_SCHEMA}", found ${JSON.stringify(schema)}`,
    ];
  }
  for (const [path, kinds] of REQUIRED) {
    const k = kindOf(get(doc, path));
    if (!(kinds as string[]).includes(k)) {
      return [path, `expected ${kinds.join(' or ')}, found ${k === 'undefined' ? 'nothing' : k}`];
    }
  }
  const verdict = (doc as Record<string, unknown>).verdict as string;
  if (!VERDICTS.includes(verdict)) return ['verdict', `expected one of ${VERDICTS.join(', ')}, found ${JSON.stringify(verdict)}`];
  const analysis = (doc as Record<string, unknown>).analysis;
  if (analysis !== null) {
    for (const path of ['phases', 'capacity', 'validity', 'diagnoses']) {
      const k = kindOf(get(analysis, path));
      const want = path === 'validity' || path === 'diagnoses' ? 'array' : 'object';
      if (k !== want) return [`analysis.${path}`, `expected ${want}, found ${k === 'undefined' ? 'nothing' : k}`];
    }
  }
  return histogramProblem(doc as Record<string, unknown>) ?? shapeProblem(doc);
}

/**
 * The first encoded histogram (summary, endpoints, timeline) that would not decode, located by its
 * field path: a corrupt one must be bad input here, not a raw zlib error inside the analysis.
 */
function histogramProblem(doc: Record<string, unknown>): [string, string] | null {
  const check = (holder: unknown, path: string): [string, string] | null => {
    if (holder === null || typeof holder !== 'object' || !('hdr' in holder)) return null;
    const v = (holder as Record<string, unknown>).hdr;
    if (v === undefined || v === null) return null;
    const problem = encodedHistogramProblem(v);
    return problem ? [`${path}.hdr`, problem] : null;
  };
  const first = check(doc.summary, 'summary');
  if (first) return first;
  for (const list of ['endpoints', 'timeline'] as const) {
    const items = doc[list] as unknown[];
    for (let i = 0; i < items.length; i++) {
      const p = check(items[i], `${list}.${i}`);
      if (p) return p;
    }
  }
  return null;
}

/** Parses and checks result text; `file` names it in errors. */
export function parseResult(text: string, file: string): Result {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw badFile(file, `not a JSON document (${(err as Error).message})`, 'pass the result.json that `loadproof run` or `loadproof import` wrote');
  }
  const problem = resultShapeProblem(doc);
  if (problem) {
    const [path, message] = problem;
    throw badFile(path ? `${file}: ${path}` : file, `not a loadproof result: ${message}`, 'pass the result.json that `loadproof run` or `loadproof import` wrote');
  }
  return doc as Result;
}

/** Reads and checks a stored result. Bad input (missing file, not JSON, wrong shape) → exit 2. */
export async function readResult(file: string): Promise<Result> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw badFile(file, `cannot read the result: ${why}`);
  }
  return parseResult(text, file);
}
