import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePlan, parsePlanSafe } from './parse.js';
import type { PlanIssue } from '../errors.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function issues(text: string, env: Record<string, string> = {}): PlanIssue[] {
  const r = parsePlanSafe(text, { file: 'p.yaml', env });
  assert.equal(r.ok, false, 'the plan should be rejected');
  return r.ok ? [] : r.issues;
}
const brief = (list: PlanIssue[]): string[] => list.map((i) => `${i.line}:${i.col} ${i.path}`);

test('plan-example.yaml parses and is normalised to milliseconds and parsed expressions', () => {
  const plan = parsePlan(readFileSync(resolve(REPO_ROOT, 'examples/plan-example.yaml'), 'utf8'));
  assert.equal(plan.target, 'http://127.0.0.1:3000');
  assert.deepEqual(plan.load?.stages, [
    { durationMs: 10_000, target: 100 },
    { durationMs: 30_000, target: 100 },
    { durationMs: 5_000, target: 0 },
  ]);
  assert.equal(plan.defaults?.timeoutMs, 10_000);
  assert.deepEqual(plan.thresholds?.http_req_duration?.map((t) => [t.aggregation, t.op, t.value]), [
    [{ kind: 'percentile', p: 95 }, '<', 200],
    [{ kind: 'percentile', p: 99 }, '<', 500],
  ]);
  assert.equal(plan.abort?.http_req_failed?.[0]?.forMs, 10_000);
  const browse = plan.scenarios[0]!;
  assert.equal(browse.weight, 3);
  assert.deepEqual(browse.flow[1], { kind: 'think', think: { minMs: 1000, maxMs: 3000 } });
  const get = browse.flow[0]!;
  assert.equal(get.kind, 'request');
  if (get.kind === 'request') {
    assert.equal(get.method, 'GET');
    assert.equal(get.path, '/items');
    assert.equal(get.expect?.maxDurationMs, 200);
  }
  assert.deepEqual(plan.watch?.[0], { process: { port: 3000 }, intervalMs: undefined });
});

test('every problem is reported at once, sorted by position, each with line:col and path', () => {
  const list = issues(`name: x
target: http://127.0.0.1:3000
pattern: { type: lod, peak: -1 }
thresholds:
  http_req_duraton: ["p(95)<200"]
  http_req_failed: ["rate<0.01", "rate<>1"]
scenarios:
  - name: a
    flow:
      - get: /
        post: /x
  - name: a
    weight: 0
    flow:
      - think: 3s..1s
`);
  assert.deepEqual(brief(list), [
    '3:18 pattern.type',
    '3:29 pattern.peak',
    '5:3 thresholds.http_req_duraton',
    '6:34 thresholds.http_req_failed.1',
    '10:9 scenarios.0.flow.0',
    '12:11 scenarios.1.name',
    '13:13 scenarios.1.weight',
    '15:16 scenarios.1.flow.0.think',
  ]);
  assert.equal(list[0]!.hint, 'did you mean "load"?');
  assert.equal(list[1]!.message, 'must be greater than 0');
  assert.equal(list[2]!.hint, 'did you mean "http_req_duration"?');
  assert.match(list[4]!.message, /one request or one think, found get, post/);
  assert.match(list[5]!.message, /duplicate scenario name "a"/);
  assert.match(list[7]!.message, /ends before it starts/);
  assert.equal(list[7]!.hint, 'write 1s..3s');
});

test('"did you mean" for fields, metrics and enum values; a typo does not also report the field as missing', () => {
  const list = issues(`name: x
target: http://127.0.0.1:3000
patern: { type: load, peak: 10 }
scenarios:
  - name: a
    flow:
      - gte: /
        expect: { staus: 200 }
watch:
  - proces: { port: 3000 }
`);
  assert.deepEqual(
    list.map((i) => [i.path, i.hint]),
    [
      ['patern', 'did you mean "pattern"?'],
      ['scenarios.0.flow.0.gte', 'did you mean "get"?'],
      ['scenarios.0.flow.0.expect.staus', 'did you mean "status"?'],
      ['watch.0.proces', 'did you mean "process"?'],
    ],
  );
});

test('${env.NAME} is substituted; an unset name is one issue at its position', () => {
  const text = `name: x
target: \${env.LP_TARGET}
pattern: { type: load, peak: 10 }
defaults:
  headers: { Authorization: "Bearer \${env.LP_TOKEN}" }
scenarios:
  - name: a
    flow: [ { get: / } ]
`;
  const plan = parsePlan(text, { env: { LP_TARGET: 'http://127.0.0.1:9', LP_TOKEN: 'abc' } });
  assert.equal(plan.target, 'http://127.0.0.1:9');
  assert.equal(plan.defaults?.headers?.Authorization, 'Bearer abc');
  const list = issues(text, { LP_TOKEN: 'abc' });
  assert.deepEqual(brief(list), ['2:9 target']);
  assert.match(list[0]!.message, /LP_TARGET is not set/);
});

test('JSON plans get JSON positions', () => {
  const list = issues(`{
  "name": "x",
  "target": "http://127.0.0.1:3000",
  "pattern": { "type": "load", "peak": 10 },
  "scenarios": [
    { "name": "a", "flow": [ { "get": "/", "expect": { "status": "ok" } } ] }
  ]
}`);
  assert.deepEqual(brief(list), ['6:66 scenarios.0.flow.0.expect.status']);
  assert.equal(list[0]!.message, 'expected a number or a list, got "ok"');
});

test('YAML syntax errors, duplicate keys and non-mappings are issues, not exceptions', () => {
  assert.deepEqual(brief(issues('name: x\nname: y\n')), ['2:1 ']);
  assert.match(issues('- a\n- b\n')[0]!.message, /a plan is a mapping/);
  assert.match(issues('')[0]!.message, /a plan is a mapping/);
  assert.match(issues('name: [x\n')[0]!.hint ?? '', /YAML/);
});

test('the target must be an http(s) URL', () => {
  const a = issues(`name: x\ntarget: localhost:3000\npattern: { type: load, peak: 1 }\nscenarios: [ { name: a, flow: [ { get: / } ] } ]\n`);
  assert.deepEqual(brief(a), ['2:9 target']);
  assert.equal(a[0]!.hint, 'write http://localhost:3000');
  const b = issues(`name: x\ntarget: not a url\npattern: { type: load, peak: 1 }\nscenarios: [ { name: a, flow: [ { get: / } ] } ]\n`);
  assert.match(b[0]!.message, /is not a URL/);
});

test('property: no plan text makes the parser throw; every issue has a position', async () => {
  const fc = await import('fast-check');
  const { parse: parseYaml, stringify } = await import('yaml');
  const base = parseYaml(readFileSync(resolve(REPO_ROOT, 'examples/plan-example.yaml'), 'utf8')) as unknown;
  const paths: Array<Array<string | number>> = [];
  const walk = (v: unknown, path: Array<string | number>): void => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(base, []);
  const setAt = (root: unknown, path: Array<string | number>, value: unknown): unknown => {
    if (path.length === 0) return value;
    const copy = structuredClone(root) as Record<string | number, unknown>;
    let node = copy;
    for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
    node[path[path.length - 1]!] = value;
    return copy;
  };
  const check = (text: string): void => {
    const r = parsePlanSafe(text, { file: 'p.yaml', env: {} });
    if (!r.ok) {
      assert.ok(r.issues.length > 0);
      for (const i of r.issues) {
        assert.equal(typeof i.path, 'string');
        assert.ok(i.line === undefined || i.line >= 1, JSON.stringify(i));
        assert.equal(typeof i.message, 'string');
      }
    }
  };
  // one value anywhere in the example replaced by anything JSON can hold
  fc.assert(
    fc.property(fc.nat({ max: paths.length - 1 }), fc.jsonValue({ maxDepth: 2 }), (i, value) => {
      check(stringify(setAt(base, paths[i]!, value)));
    }),
    { numRuns: 300 },
  );
  // and arbitrary text
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => check(text)), { numRuns: 300 });
});
