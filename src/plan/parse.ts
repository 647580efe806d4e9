/**
 * Plan text → validated `Plan`, or a `PlanError` listing every problem with `file:line:col`.
 *
 * YAML and JSON both go through the `yaml` parser (JSON is YAML), which keeps source ranges, so a
 * schema issue at `scenarios.0.flow.1.expect.status` is reported at the line and column where that
 * value is written. `${env.NAME}` is substituted in string values before validation; an unset
 * variable is an issue like any other.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, isPair, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { PlanError, badFile, type PlanIssue } from '../errors.js';
import { PlanSchema, requestStepsOf, type Plan } from './schema.js';
import { suggest } from './suggest.js';
import { protocolStepsOf } from './protocols.js';

export interface ParsePlanOptions {
  /** file name used in messages */
  file?: string;
  /** environment for `${env.NAME}` (default: process.env) */
  env?: Record<string, string | undefined>;
}

const ENV_REF = /\$\{env\.([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Reads and parses a plan file. Throws `PlanError` or a bad-file `LoadproofError` (exit 2). */
export function loadPlan(file: string, opts: Omit<ParsePlanOptions, 'file'> = {}): Plan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw badFile(file, code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(err)})`, 'check the path');
  }
  return resolvePlanPaths(parsePlan(text, { ...opts, file }), dirname(resolve(file)));
}

/**
 * Makes the plan's file references absolute, relative to the plan file's folder: data files,
 * multipart files and scripts. (A plan parsed from text keeps them relative to the working folder.)
 */
export function resolvePlanPaths(plan: Plan, baseDir: string): Plan {
  for (const src of Object.values(plan.data ?? {})) src.file = resolve(baseDir, src.file);
  for (const s of plan.scenarios) {
    if (s.script !== undefined) s.script = resolve(baseDir, s.script);
    for (const step of requestStepsOf([...(s.setup ?? []), ...s.flow])) {
      for (const v of Object.values(step.multipart ?? {})) if (typeof v === 'object') v.file = resolve(baseDir, v.file);
    }
    for (const { step } of protocolStepsOf({ scenarios: [s] })) if (step.kind === 'grpc') step.proto = resolve(baseDir, step.proto);
  }
  return plan;
}

/** Parses plan text (YAML or JSON). Throws `PlanError` with every issue found. */
export function parsePlan(text: string, opts: ParsePlanOptions = {}): Plan {
  const result = parsePlanSafe(text, opts);
  if (!result.ok) throw new PlanError(result.issues);
  return result.plan;
}

export type ParsePlanResult = { ok: true; plan: Plan; doc: Document } | { ok: false; issues: PlanIssue[] };

/** Like `parsePlan` but returns the issues instead of throwing. */
export function parsePlanSafe(text: string, opts: ParsePlanOptions = {}): ParsePlanResult {
  const env = opts.env ?? process.env;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const issues: PlanIssue[] = [];
  const at = (offset: number | undefined): { line?: number; col?: number } => {
    if (offset === undefined) return {};
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, col: pos.col };
  };

  for (const e of doc.errors) {
    issues.push({ file: opts.file, ...at(e.pos[0]), path: '', message: firstLine(e.message), hint: 'fix the YAML syntax' });
  }
  if (issues.length) return { ok: false, issues };
  if (doc.contents === null || !isMap(doc.contents)) {
    return {
      ok: false,
      issues: [{ file: opts.file, ...at(doc.contents?.range?.[0] ?? 0), path: '', message: 'a plan is a mapping (name, target, scenarios, ...)', hint: 'see loadproof init' }],
    };
  }

  // ${env.NAME}: substitute in scalar values, keeping positions for missing names.
  visit(doc, {
    Scalar(key, node, path) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${env.')) return;
      node.value = node.value.replace(ENV_REF, (whole: string, name: string) => {
        const v = env[name];
        if (v === undefined) {
          issues.push({
            file: opts.file,
            ...at(node.range?.[0]),
            path: pathOf(path, doc),
            message: `environment variable ${name} is not set`,
            hint: `export ${name}=... before running, or remove the reference`,
          });
          return whole;
        }
        return v;
      });
    },
  });

  // toJS resolves aliases: an alias to an anchor defined after it, or a document that expands
  // past the alias limit (a "billion laughs"), is a YAML mistake at the document's level
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { ok: false, issues: [{ file: opts.file, ...at(0), path: '', message: firstLine((err as Error).message), hint: 'define each &anchor before its *alias, and do not nest aliases deeply' }] };
  }
  const parsed = PlanSchema.safeParse(js);
  if (!parsed.success) {
    const envPaths = new Set(issues.map((i) => i.path));
    const schemaIssues = parsed.error.issues.flatMap((zi) => toPlanIssues(zi, doc, opts.file, at));
    // An unset variable already explains why the value at that path is invalid.
    issues.push(...dropExplained(schemaIssues.filter((i) => !envPaths.has(i.path))));
  }
  if (issues.length) return { ok: false, issues: sortIssues(issues) };
  return { ok: true, plan: parsed.data!, doc };
}

/**
 * Drops "missing field" issues that a misspelt key already explains: `patern:` yields both
 * `unknown field "patern"` (did you mean "pattern"?) and "the plan needs a load pattern"; the
 * first one is the one to fix.
 */
function dropExplained(issues: PlanIssue[]): PlanIssue[] {
  const suggested: Array<{ parent: string; name: string }> = [];
  for (const i of issues) {
    const m = /^did you mean "([^"]+)"\?$/.exec(i.hint ?? '');
    if (m && i.message.startsWith('unknown field')) suggested.push({ parent: i.path.split('.').slice(0, -1).join('.'), name: m[1]! });
  }
  return issues.filter((i) => {
    const need = MISSING.get(i);
    return !need || !suggested.some((s) => s.parent === need.parent && need.names.includes(s.name));
  });
}

/**
 * Issues that report an absent field: the mapping (dotted path) that lacks it and the field
 * names any one of which would satisfy it. Filled by toPlanIssues, read by dropExplained.
 */
const MISSING = new WeakMap<PlanIssue, { parent: string; names: readonly string[] }>();

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

function sortIssues(issues: PlanIssue[]): PlanIssue[] {
  return issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

/** Dotted path of a node reached by `visit` (its ancestry). */
function pathOf(ancestry: readonly unknown[], _doc: Document): string {
  const parts: string[] = [];
  for (let i = 0; i < ancestry.length; i++) {
    const n = ancestry[i];
    if (isPair(n) && isScalar(n.key)) parts.push(String(n.key.value));
    else if (isSeq(n)) {
      const child = ancestry[i + 1];
      const idx = n.items.indexOf(child as Node);
      if (idx >= 0) parts.push(String(idx));
    }
  }
  return parts.join('.');
}

type Path = readonly PropertyKey[];

/** Finds the YAML node at a path; `key: true` returns the key node of the last segment. */
function nodeAt(doc: Document, path: Path, key = false): { range?: readonly number[] } | undefined {
  let node: unknown = doc.contents;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return node as { range?: readonly number[] };
      if (last && key) return pair.key as { range?: readonly number[] };
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      if (item === undefined) return node as { range?: readonly number[] };
      node = item;
    } else {
      return node as { range?: readonly number[] } | undefined;
    }
  }
  return node as { range?: readonly number[] } | undefined;
}

function toPlanIssues(
  zi: z.core.$ZodIssue,
  doc: Document,
  file: string | undefined,
  at: (offset: number | undefined) => { line?: number; col?: number },
): PlanIssue[] {
  const path = zi.path;
  const dotted = path.map(String).join('.');
  const params = (zi as { params?: { hint?: string; key?: boolean; missing?: { up: number; names: readonly string[] } } }).params;

  if (zi.code === 'unrecognized_keys') {
    return zi.keys.map((k) => {
      const s = suggest(k);
      return {
        file,
        ...at(nodeAt(doc, [...path, k], true)?.range?.[0]),
        path: [...path.map(String), k].join('.'),
        message: `unknown field "${k}"`,
        hint: s ? `did you mean "${s}"?` : 'remove it, or see schema/plan.schema.json for the fields allowed here',
      };
    });
  }

  // Record keys (threshold metric names) are reported at the key.
  const isKeyIssue = params?.key === true || (zi.code === 'invalid_key' as string);
  const node = nodeAt(doc, path, isKeyIssue);
  let hint = params?.hint;
  let message = zi.message;
  if (isKeyIssue) {
    const k = String(path[path.length - 1]);
    const s = suggest(k.replace(/\{.*$/, ''), 'metric');
    if (s) hint = `did you mean "${s}"?`;
    if (zi.code === ('invalid_key' as string)) {
      const inner = (zi as unknown as { issues?: { message: string }[] }).issues?.[0];
      if (inner) message = inner.message;
    }
  }
  // params.missing: the field names that would satisfy a custom "needs one of" rule, and how many
  // path segments above the issue's path the mapping lacking them is.
  let missing = params?.missing && { parent: path.slice(0, path.length - params.missing.up).map(String).join('.'), names: params.missing.names };
  if (zi.code === 'invalid_type') {
    const received = describe(valueAt(doc, path));
    if (received === 'missing') missing = { parent: path.slice(0, -1).map(String).join('.'), names: [String(path[path.length - 1])] };
    message = received === 'missing' ? `required field (expected ${typeWords(zi.expected)})` : `expected ${typeWords(zi.expected)}, got ${received}`;
    if (received === 'missing') hint = hint ?? `add \`${String(path[path.length - 1])}:\``;
  }
  if (zi.code === 'invalid_union') {
    // Name what each alternative expects: "expected a number or a list, got "ok"".
    const alternatives = new Set<string>();
    for (const branch of zi.errors) {
      const top = branch.find((b) => b.path.length === 0);
      if (top?.code === 'invalid_type') alternatives.add(typeWords(top.expected));
      else if (top?.code === 'unrecognized_keys' || branch.some((b) => b.path.length > 0)) alternatives.add('a mapping');
    }
    const got = describe(valueAt(doc, path));
    if (alternatives.size) message = `expected ${[...alternatives].join(' or ')}, got ${got}`;
  }
  if (zi.code === 'too_small' || zi.code === 'too_big') message = boundWords(zi);
  if (zi.code === 'invalid_value' && 'values' in zi) {
    const got = valueAt(doc, path);
    const s = typeof got === 'string' ? suggest(got, 'value', zi.values.map(String)) : undefined;
    message = `expected one of ${zi.values.map((v) => JSON.stringify(v)).join(', ')}${got === undefined ? '' : `, got ${JSON.stringify(got)}`}`;
    if (s) hint = `did you mean "${s}"?`;
  }
  const issue: PlanIssue = { file, ...at(node?.range?.[0]), path: dotted, message, hint };
  if (missing) MISSING.set(issue, missing);
  return [issue];
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

function typeWords(expected: string): string {
  return TYPE_WORDS[expected] ?? expected;
}

/** zod's "Too small: expected number to be >0" in plain words. */
function boundWords(zi: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = zi.code === 'too_small';
  const limit = Number(small ? (zi as z.core.$ZodIssueTooSmall).minimum : (zi as z.core.$ZodIssueTooBig).maximum);
  const inclusive = zi.inclusive !== false;
  switch (zi.origin) {
    case 'array':
    case 'set':
      return small ? `needs at least ${limit} item${limit === 1 ? '' : 's'}` : `takes at most ${limit} item${limit === 1 ? '' : 's'}`;
    case 'string':
      return small ? (limit === 1 ? 'must not be empty' : `needs at least ${limit} characters`) : `takes at most ${limit} characters`;
    default:
      if (small) return inclusive ? `must be at least ${limit}` : `must be greater than ${limit}`;
      return inclusive ? `must be at most ${limit}` : `must be less than ${limit}`;
  }
}

function valueAt(doc: Document, path: Path): unknown {
  const v = doc.getIn(path as unknown[], false);
  return doc.hasIn(path as unknown[]) ? v : undefined;
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (isSeq(v) || Array.isArray(v)) return 'a list';
  if (isMap(v)) return 'a mapping';
  if (isScalar(v)) return describe(v.value);
  if (typeof v === 'string') return `"${v.length > 40 ? v.slice(0, 37) + '...' : v}"`;
  return typeof v === 'number' || typeof v === 'boolean' ? `${typeof v} ${String(v)}` : typeof v;
}
