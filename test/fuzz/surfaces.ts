/**
 * Fuzzing the surfaces that read what a user (or another tool) hands loadproof: plan text (YAML
 * and JSON), every importer, result files given to `analyze` and `report`, templates, JSONPath
 * expressions and the Prometheus exposition parser. The property, for every input: the surface
 * either works or throws a `LoadproofError` that says where (a `where`, or a `PlanError` whose issues
 * carry a path) — never another exception — and it answers within a second (a catastrophic regular
 * expression or an unbounded loop shows up as a slow input).
 *
 * Inputs are mutations of real seeds (the shipped examples and the importers' fixtures): byte-level
 * (insert, delete, replace, duplicate a slice, truncate, absurd numbers) and, for JSON and YAML,
 * structure-aware (a value at a random path replaced by another random value, removed, or
 * duplicated). `test/integration/fuzz.test.ts` runs a CI-sized seeded run; `npm run fuzz` runs
 * 10,000 inputs per surface (`scripts/fuzz.mjs`).
 */
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { LoadproofError, PlanError } from '../../src/errors.js';
import { parsePlan } from '../../src/plan/parse.js';
import { IMPORTERS } from '../../src/formats/import.js';
import type { ImportTool } from '../../src/formats/sniff.js';
import { parseResult } from '../../src/report/read-result.js';
import { analyze } from '../../src/analysis/analyze.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJunit } from '../../src/report/junit.js';
import { compileTemplate, Vars } from '../../src/engine/scenario/template.js';
import { compileJsonPath } from '../../src/engine/scenario/jsonpath.js';
import { parseExposition } from '../../src/watch/exposition.js';
import { REPO_ROOT } from '../helpers/cli.js';

/** One surface: seeds to mutate, and how to feed it one input. */
export interface Surface {
  name: string;
  seeds: string[];
  /** structure-aware mutations apply to these seeds (parsed as JSON or YAML) */
  structured?: 'json' | 'yaml';
  run(input: string): unknown;
}

/** The slowest an input may take, ms. */
export const SLOW_MS = 1000;

/** What a surface may throw: a located LoadproofError. */
export function acceptable(err: unknown): boolean {
  if (err instanceof PlanError) return err.issues.length > 0 && err.issues.every((i) => typeof i.path === 'string');
  return err instanceof LoadproofError && typeof err.where === 'string' && err.where.length > 0;
}

const fixtures = (tool: string): string => resolve(REPO_ROOT, 'src/formats', tool, 'fixtures');
const read = (p: string): string => readFileSync(p, 'utf8');
const filesIn = (dir: string, re: RegExp): string[] =>
  readdirSync(dir)
    .filter((f) => re.test(f))
    .map((f) => read(join(dir, f)));

function importerSurface(tool: ImportTool, files: string[], name: string = tool): Surface {
  return {
    name: `import ${name}`,
    seeds: files.map((f) => read(join(fixtures(tool), f))),
    structured: files.every((f) => f.endsWith('.json')) ? 'json' : undefined,
    run: (text) => IMPORTERS[tool].import({ files: [{ path: `fuzz/${files[0]}`, text }], mtimeMs: 0 }),
  };
}

/** Every surface, with its seeds read from the repository. */
export function surfaces(): Surface[] {
  const examples = resolve(REPO_ROOT, 'examples');
  const planYaml = filesIn(examples, /\.ya?ml$/);
  const results = resolve(REPO_ROOT, 'test/fixtures/results');
  return [
    { name: 'plan (YAML)', seeds: planYaml, structured: 'yaml', run: (t) => parsePlan(t, { file: 'fuzz.yaml', env: {} }) },
    { name: 'plan (JSON)', seeds: planYaml.map((y) => JSON.stringify(YAML.parse(y))), structured: 'json', run: (t) => parsePlan(t, { file: 'fuzz.json', env: {} }) },
    importerSurface('k6', ['k6-summary.json'], 'k6 summary'),
    importerSurface('k6', ['k6-out.ndjson'], 'k6 NDJSON'),
    importerSurface('locust', ['run_stats.csv'], 'locust stats'),
    importerSurface('locust', ['run_stats_history.csv'], 'locust history'),
    importerSurface('artillery', ['report.json']),
    importerSurface('wrk', ['wrk.txt', 'wrk-latency.txt', 'wrk2-documented.txt']),
    importerSurface('ab', ['ab.txt']),
    importerSurface('ab', ['ab-gnuplot.tsv'], 'ab gnuplot'),
    importerSurface('hey', ['hey.txt']),
    importerSurface('hey', ['hey.csv'], 'hey csv'),
    importerSurface('gatling', ['simulation.log']),
    importerSurface('gatling', ['simulation-2.2.log'], 'gatling 2.x'),
    importerSurface('jmeter', ['results.csv'], 'jmeter csv'),
    importerSurface('jmeter', ['results.xml'], 'jmeter xml'),
    {
      name: 'result → analyze, report',
      seeds: filesIn(results, /^(pass-load|invalid-generator|imported-wrk|recorded-.*)\.json$/),
      structured: 'json',
      run: (t) => {
        const r = analyze(parseResult(t, 'fuzz.json'));
        renderMarkdown(r);
        renderHtml(r);
        renderJunit(r);
        return r;
      },
    },
    {
      name: 'template',
      seeds: ['Bearer {{ token }}', '{{ $randomInt(1, 100) }}-{{ $uuid() }}', '/items/{{ id }}?q={{ $randomString(8) }}', '{{ user.email }} {{ $timestamp() }}'],
      run: (t) => compileTemplate(t, 'fuzz').render(new Vars(), []),
    },
    {
      name: 'JSONPath',
      seeds: ['$.token', '$.items[*].id', '$..name', "$['a b'][0]", '$.items[?(@.price < 10)].id', '$.a.b[-1:]'],
      run: (t) => compileJsonPath(t, 'fuzz').first({ token: 'x', items: [{ id: 1, price: 3, name: 'n' }], a: { b: [1, 2] } }),
    },
    {
      name: 'Prometheus exposition',
      seeds: [
        '# HELP http_requests_total x\n# TYPE http_requests_total counter\nhttp_requests_total{method="get",code="200"} 1027 1395066363000\n',
        '# TYPE rpc_duration_seconds histogram\nrpc_duration_seconds_bucket{le="0.05"} 24054\nrpc_duration_seconds_bucket{le="+Inf"} 144320\nrpc_duration_seconds_sum 53423\nrpc_duration_seconds_count 144320\n',
        'nodejs_heap_size_used_bytes 1.2e+07\nprocess_open_fds NaN\nmetric_without_value{a="b\\"c"}\n',
      ],
      run: (t) => parseExposition(t),
    },
  ];
}

const ABSURD = ['1e12', '-1', '9999999999999999999999', 'NaN', '1e308', '0', '-0.0000001', '""', 'null', '[]', '{}', '\u0000', '\uffff', '💥'];

/** A byte-level mutation of `s`, driven by fast-check's random choices. */
function byteMutation(): fc.Arbitrary<(s: string) => string> {
  return fc.oneof(
    fc.tuple(fc.nat(), fc.string({ maxLength: 8 })).map(([at, ins]) => (s: string) => s.slice(0, at % (s.length + 1)) + ins + s.slice(at % (s.length + 1))),
    fc.tuple(fc.nat(), fc.nat({ max: 64 })).map(([at, n]) => (s: string) => s.slice(0, at % (s.length + 1)) + s.slice((at % (s.length + 1)) + n)),
    fc.tuple(fc.nat(), fc.nat({ max: 255 })).map(([at, c]) => (s: string) => {
      const i = at % Math.max(1, s.length);
      return s.slice(0, i) + String.fromCharCode(c) + s.slice(i + 1);
    }),
    fc.tuple(fc.nat(), fc.nat({ max: 200 })).map(([at, n]) => (s: string) => {
      const i = at % (s.length + 1);
      return s.slice(0, i) + s.slice(i, i + n) + s.slice(i);
    }),
    fc.nat().map((at) => (s: string) => s.slice(0, at % (s.length + 1))),
    fc.tuple(fc.nat(), fc.constantFrom(...ABSURD)).map(([at, v]) => (s: string) => {
      // replace the number at or after `at` with an absurd value (timestamps, counts, durations)
      const i = at % (s.length + 1);
      const m = /-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(s.slice(i));
      return m ? s.slice(0, i + m.index) + v + s.slice(i + m.index + m[0].length) : s;
    }),
  );
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function paths(v: Json, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(prefix);
  if (out.length > 2000) return out;
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  return out;
}

/** A structure-aware mutation: at a random path, replace, remove or duplicate the value. */
function structuredMutation(kind: 'json' | 'yaml'): fc.Arbitrary<(s: string) => string> {
  const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom<Json>(1e12, -1, 0, '', 'x'.repeat(10_000), [], {}, null, '1e12', 'http://127.0.0.1:1'));
  return fc.tuple(fc.nat(), fc.nat({ max: 2 }), value).map(([at, op, v]) => (s: string) => {
    let doc: Json;
    try {
      doc = (kind === 'json' ? JSON.parse(s) : YAML.parse(s)) as Json;
    } catch {
      return s;
    }
    const all = paths(doc).filter((p) => p.length > 0);
    if (all.length === 0) return s;
    const p = all[at % all.length]!;
    let parent: Json = doc;
    for (const k of p.slice(0, -1)) parent = (parent as Record<string | number, Json>)[k]!;
    const key = p[p.length - 1]!;
    const holder = parent as Record<string | number, Json>;
    if (op === 0) holder[key] = v as Json;
    else if (op === 1) {
      if (Array.isArray(holder)) holder.splice(key as number, 1);
      else delete holder[key];
    } else if (Array.isArray(holder)) holder.push(holder[key as number]!);
    else holder[`${key}_copy`] = holder[key]!;
    return kind === 'json' ? JSON.stringify(doc) : YAML.stringify(doc);
  });
}

/** Inputs for a surface: a seed with 1–4 mutations applied in turn. */
export function inputs(s: Surface): fc.Arbitrary<string> {
  const mutation = s.structured ? fc.oneof(byteMutation(), structuredMutation(s.structured)) : byteMutation();
  return fc.tuple(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([i, muts]) => muts.reduce((acc, m) => m(acc), s.seeds[i % s.seeds.length]!));
}

/** Runs one input; returns a problem (a crash or a slow input) or null. */
export async function check(s: Surface, input: string): Promise<string | null> {
  const t0 = performance.now();
  try {
    const out = s.run(input);
    if (out instanceof Promise) await out;
  } catch (err) {
    if (!acceptable(err)) {
      const e = err as Error;
      return `${s.name}: ${e?.name ?? 'thrown'}: ${e?.message ?? String(err)}\n${(e?.stack ?? '').split('\n').slice(1, 4).join('\n')}`;
    }
  }
  const ms = performance.now() - t0;
  return ms > SLOW_MS ? `${s.name}: took ${Math.round(ms)} ms` : null;
}
