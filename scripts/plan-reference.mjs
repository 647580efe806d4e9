#!/usr/bin/env node
// docs/plan-reference.md, generated from the plan schema: every field with its type, whether it is
// required, its default and its description, read from the JSON Schema that the zod schema
// (src/plan/schema.ts) emits (planJsonSchema(), the same document editors use). The texts are the
// zod `.describe()` strings, so the reference cannot drift from what `design` and `run` accept.
// Usage (after `npm run build`):
//   node scripts/plan-reference.mjs           print the reference
//   node scripts/plan-reference.mjs --write   write docs/plan-reference.md
//   node scripts/plan-reference.mjs --check   exit 1 when docs/plan-reference.md differs (a test runs this)
//   (--write FILE / --check FILE: another file, for the test that proves --check fails on a stale copy)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { planJsonSchema } from '../dist/src/plan/emit-json-schema.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = resolve(ROOT, 'docs/plan-reference.md');

/** JSON Schema integer bounds zod adds for `.int()` (±2^53−1): not worth printing. */
const SAFE = Number.MAX_SAFE_INTEGER;

const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (v) => `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``;

/** A duration (or range) is a string with the duration pattern or a number of milliseconds. */
function durationKind(s) {
  const str = s.anyOf?.find((v) => v.type === 'string' && typeof v.pattern === 'string');
  if (!str || !s.anyOf.some((v) => v.type === 'number') || !str.pattern.includes('ms|us')) return null;
  return str.pattern.includes('\\.\\.') ? 'duration or range (`1s..3s`)' : 'duration';
}

/** Where each sub-schema is described: `$defs` entries get their own section. */
const DEF_SECTIONS = { __schema0: 'step' };

/** "≥ 1", "> 0", "1–65535" from the numeric bounds (zod's safe-integer bounds left out). */
function bounds(s) {
  const parts = [];
  const lo = s.minimum !== undefined && Math.abs(s.minimum) !== SAFE ? s.minimum : undefined;
  const hi = s.maximum !== undefined && Math.abs(s.maximum) !== SAFE ? s.maximum : undefined;
  if (lo !== undefined && hi !== undefined) parts.push(`${lo}–${hi}`);
  else if (lo !== undefined) parts.push(`≥ ${lo}`);
  else if (hi !== undefined) parts.push(`≤ ${hi}`);
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.minItems !== undefined) parts.push(`at least ${s.minItems}`);
  if (s.minLength !== undefined) parts.push('not empty');
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** A short type text for a schema; `objects` collects object schemas to expand as dotted rows. */
function typeText(s) {
  if (!s || Object.keys(s).filter((k) => k !== 'description' && k !== 'default').length === 0) return 'any';
  if (s.$ref) {
    const name = s.$ref.replace('#/$defs/', '');
    return `[${DEF_SECTIONS[name] ?? name}](#${DEF_SECTIONS[name] ?? name})`;
  }
  const dur = durationKind(s);
  if (dur) return dur;
  if (s.enum) return s.enum.map(code).join(', ');
  if (s.anyOf) return [...new Set(s.anyOf.map(typeText))].join(' or ');
  if (Array.isArray(s.type)) return s.type.join(' or ');
  switch (s.type) {
    case 'string':
      return 'string' + bounds(s);
    case 'number':
      return 'number' + bounds(s);
    case 'integer':
      return 'integer' + bounds(s);
    case 'boolean':
      return 'boolean';
    case 'array':
      return `list of ${typeText(s.items)}${bounds(s)}`;
    case 'object':
      if (s.properties) return 'object';
      // thresholds and abort rules are keyed by metric (their key pattern lists the metrics)
      if (s.additionalProperties) return `map: ${String(s.propertyNames?.pattern ?? '').includes('http_req_duration') ? 'metric' : 'name'} → ${typeText(s.additionalProperties)}`;
      return 'object';
    default:
      return 'any';
  }
}

/** "one of: `pid`, `port`, `name`" from `oneOf: [{required: [...]}, ...]`. */
function oneOfNote(s) {
  if (!Array.isArray(s.oneOf) || !s.oneOf.every((o) => Array.isArray(o.required) && o.required.length === 1)) return '';
  return `exactly one of ${s.oneOf.map((o) => code(o.required[0])).join(', ')}`;
}

/** The object variant of a union (a data source, a capture), to expand its fields. */
function objectVariants(s) {
  return (s.anyOf ?? []).filter((v) => v.type === 'object' && v.properties);
}

/**
 * Rows for the fields of an object schema, nested objects expanded as dotted paths. A list of
 * objects becomes `path[].field`, a map of objects `path.<name>.field`; a union with object
 * variants lists each variant's fields.
 */
function rows(s, prefix, out) {
  const required = new Set(s.required ?? []);
  for (const [key, sub] of Object.entries(s.properties ?? {})) {
    const path = `${prefix}${key}`;
    const notes = [];
    const one = oneOfNote(sub.type === 'array' ? (sub.items ?? {}) : sub);
    if (one) notes.push(one);
    out.push({
      path,
      type: typeText(sub),
      required: required.has(key),
      default: sub.default,
      description: [sub.description ?? sub.items?.description ?? '', ...notes].filter(Boolean).join('; '),
    });
    if (sub.type === 'object' && sub.properties) rows(sub, `${path}.`, out);
    else if (sub.type === 'array' && sub.items?.type === 'object' && sub.items.properties) rows(sub.items, `${path}[].`, out);
    else if (sub.type === 'object' && sub.additionalProperties) {
      const v = sub.additionalProperties;
      if (v.type === 'object' && v.properties) rows(v, `${path}.<name>.`, out);
      for (const variant of objectVariants(v)) rows(variant, `${path}.<name>.`, out);
    } else for (const variant of objectVariants(sub)) rows(variant, `${path}.`, out);
  }
  return out;
}

function table(list) {
  const lines = ['| field | type | required | default | meaning |', '|---|---|---|---|---|'];
  const seen = new Set();
  for (const r of list) {
    // A field shared by two variants of a union (regex, group) is listed once.
    const key = `${r.path}\u0000${r.type}\u0000${r.description}`;
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(`| \`${cell(r.path)}\` | ${cell(r.type)} | ${r.required ? 'yes' : ''} | ${r.default === undefined ? '' : cell(code(r.default))} | ${cell(r.description)} |`);
  }
  return lines.join('\n');
}

export function planReference() {
  const schema = planJsonSchema();
  const top = { ...schema, properties: { ...schema.properties } };
  const step = schema.$defs?.__schema0;
  const needs = (schema.anyOf ?? []).map((a) => a.required?.join(' ')).filter(Boolean);
  const out = [
    '# Plan reference',
    '',
    '<!-- generated by scripts/plan-reference.mjs --write from src/plan/schema.ts; do not edit by hand -->',
    '',
    'Every field a plan may contain, generated from the plan schema (`src/plan/schema.ts`, also shipped',
    'as `schema/plan.schema.json` for editors). A guided tour with examples is [The plan format](plan.md);',
    'scenarios, steps and test data are explained in [Scenarios and user flows](scenarios.md), the',
    'patterns in [Patterns](patterns.md), the watchers in [Watching the target](watch.md).',
    '',
    'Types: a *duration* is `250ms`, `30s`, `1m30s`, `2h` (also `us`/`µs`), or a number of',
    'milliseconds; a *range* is `1s..3s` (uniform). Unknown fields are errors (with a "did you mean"',
    'hint). Strings may hold `${env.NAME}` (read when the plan is loaded); request fields hold templates',
    '(`{{ name }}`). A field inside an optional object is required only when that object is given.',
    '',
    `A plan needs ${needs.map((n) => code(n)).join(' or ')}${needs.some((n) => n === 'load') ? ' (with `load.stages`)' : ''}.`,
    '',
    '## Plan',
    '',
    table(rows(top, '', [])),
  ];
  if (step) {
    out.push(
      '',
      '## Step',
      '',
      `An entry of \`scenarios[].setup\`, \`scenarios[].flow\`, \`loop.steps\`, \`then\` and \`else\`: ${oneOfNote(step)}. A request step has at most one body (\`json\`, \`form\`, \`body\` or \`multipart\`).`,
      '',
      table(rows(step, '', [])),
    );
  }
  return `${out.join('\n')}\n`;
}

const mode = process.argv[2];
const file = process.argv[3] ? resolve(process.argv[3]) : DOC;
if (mode === '--write') writeFileSync(file, planReference());
else if (mode === '--check') {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    // missing: stale
  }
  if (current !== planReference()) {
    console.error(`plan-reference: ${file} differs from the schema; run \`npm run build && node scripts/plan-reference.mjs --write\``);
    process.exit(1);
  }
} else process.stdout.write(planReference());
