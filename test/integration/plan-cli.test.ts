/**
 * The plan through the real CLI: `loadproof design` on malformed plans must exit 2 and name every
 * problem as `file:line:col: field.path: message`, with no stack trace; on valid plans it prints the
 * three sections first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { parsePlan } from '../../src/plan/parse.js';

interface BadPlan {
  name: string;
  file: string;
  text: string;
  /** every issue expected, as [line, col, path] in output order */
  issues: Array<[number, number, string]>;
  /** a fragment the output must contain (message or hint) */
  says?: RegExp;
}

const OK_TAIL = `scenarios:
  - name: a
    flow: [ { get: /items } ]
`;
const HEAD = `name: x
target: http://127.0.0.1:3000
`;

const CASES: BadPlan[] = [
  { name: 'bad YAML: unclosed flow mapping', file: 'a.yaml', text: `${HEAD}pattern: { type: load, peak: 10\n${OK_TAIL}`, issues: [[4, 1, '']], says: /fix the YAML syntax/ },
  { name: 'bad YAML: tab indentation', file: 'a.yaml', text: `${HEAD}pattern: { type: load, peak: 10 }\nscenarios:\n  - name: a\n    flow:\n\t- get: /\n`, issues: [[7, 1, '']], says: /Tabs are not allowed/ },
  { name: 'duplicate key', file: 'a.yaml', text: `${HEAD}name: y\npattern: { type: load, peak: 10 }\n${OK_TAIL}`, issues: [[3, 1, '']], says: /Map keys must be unique/ },
  { name: 'unknown top-level field, with a hint', file: 'a.yaml', text: `${HEAD}patern: { type: load, peak: 10 }\n${OK_TAIL}`, issues: [[3, 1, 'patern']], says: /did you mean "pattern"\?/ },
  { name: 'unknown nested field', file: 'a.yaml', text: `${HEAD}pattern: { type: load, peak: 10, peek: 3 }\n${OK_TAIL}`, issues: [[3, 34, 'pattern.peek']], says: /did you mean "peak"\?/ },
  { name: 'wrong type: peak as text', file: 'a.yaml', text: `${HEAD}pattern:\n  type: load\n  peak: lots\n${OK_TAIL}`, issues: [[5, 9, 'pattern.peak']], says: /expected a number, got "lots"/ },
  { name: 'wrong type: scenarios as a mapping', file: 'a.yaml', text: `${HEAD}pattern: { type: load, peak: 10 }\nscenarios: {}\n`, issues: [[4, 12, 'scenarios']], says: /expected a list, got a mapping/ },
  { name: 'bad duration in a stage', file: 'a.yaml', text: `${HEAD}load:\n  stages:\n    - { duration: 10 seconds, target: 5 }\n${OK_TAIL}`, issues: [[5, 19, 'load.stages.0.duration']], says: /"10 seconds" is not a duration/ },
  { name: 'bad duration in pattern', file: 'a.yaml', text: `${HEAD}pattern: { type: soak, peak: 10, duration: 1hour }\n${OK_TAIL}`, issues: [[3, 44, 'pattern.duration']] },
  { name: 'bad threshold expression', file: 'a.yaml', text: `${HEAD}pattern: { type: load, peak: 10 }\nthresholds:\n  http_req_duration: ["p(95)<200", "p95<300"]\n${OK_TAIL}`, issues: [[5, 36, 'thresholds.http_req_duration.1']], says: /"p95<300" is not a threshold expression/ },
  { name: 'threshold aggregation that does not fit the metric', file: 'a.yaml', text: `${HEAD}pattern: { type: load, peak: 10 }\nthresholds:\n  checks: "p(95)<3"\n${OK_TAIL}`, issues: [[5, 11, 'thresholds.checks']], says: /does not apply to a rate metric/ },
  { name: 'rate outside 0..1', file: 'a.yaml', text: `${HEAD}pattern: { type: load, peak: 10 }\nthresholds:\n  http_req_failed: ["rate<5"]\n${OK_TAIL}`, issues: [[5, 21, 'thresholds.http_req_failed.0']], says: /fraction between 0 and 1/ },
  { name: 'unknown metric, with a hint', file: 'a.yaml', text: `${HEAD}pattern: { type: load, peak: 10 }\nthresholds:\n  http_req_duraton: ["p(95)<200"]\n${OK_TAIL}`, issues: [[5, 3, 'thresholds.http_req_duraton']], says: /did you mean "http_req_duration"\?/ },
  { name: 'bad abort rules', file: 'a.yaml', text: `${HEAD}pattern: { type: load, peak: 10 }\nabort:\n  http_req_failed: "rate>0.05"\n  http_req_duration: "p(95)>2000 for ever"\n${OK_TAIL}`, issues: [[5, 20, 'abort.http_req_failed'], [6, 22, 'abort.http_req_duration']], says: /is not an abort rule/ },
  { name: 'missing env', file: 'a.yaml', text: `name: x\ntarget: \${env.LP_TEST_SURELY_UNSET}\npattern: { type: load, peak: 10 }\n${OK_TAIL}`, issues: [[2, 9, 'target']], says: /environment variable LP_TEST_SURELY_UNSET is not set/ },
  { name: 'duplicate scenario name', file: 'a.yaml', text: `${HEAD}pattern: { type: load, peak: 10 }\nscenarios:\n  - { name: a, flow: [ { get: / } ] }\n  - { name: a, flow: [ { get: / } ] }\n`, issues: [[6, 13, 'scenarios.1.name']], says: /duplicate scenario name "a"/ },
  { name: 'two methods in one step', file: 'a.yaml', text: `${HEAD}pattern: { type: load, peak: 10 }\nscenarios:\n  - name: a\n    flow:\n      - get: /\n        post: /x\n`, issues: [[7, 9, 'scenarios.0.flow.0']], says: /found get, post/ },
  { name: 'two bodies in one request', file: 'a.yaml', text: `${HEAD}pattern: { type: load, peak: 10 }\nscenarios:\n  - name: a\n    flow:\n      - post: /\n        json: {}\n        body: x\n`, issues: [[7, 9, 'scenarios.0.flow.0']], says: /one body, found json, body/ },
  { name: 'unknown pattern type, with a hint', file: 'a.yaml', text: `${HEAD}pattern: { type: burst, peak: 10 }\n${OK_TAIL}`, issues: [[3, 18, 'pattern.type']], says: /expected one of "smoke", "load", "stress", "spike", "soak", "breakpoint", got "burst"/ },
  { name: 'bad URL', file: 'a.yaml', text: `name: x\ntarget: localhost:3000\npattern: { type: load, peak: 10 }\n${OK_TAIL}`, issues: [[2, 9, 'target']], says: /write http:\/\/localhost:3000/ },
  { name: 'no pattern and no stages', file: 'a.yaml', text: `${HEAD}${OK_TAIL}`, issues: [[1, 1, 'pattern']], says: /needs a load pattern or explicit load.stages/ },
  { name: 'missing required fields', file: 'a.yaml', text: `target: http://127.0.0.1:3000\npattern: { type: load, peak: 10 }\n`, issues: [[1, 1, 'name'], [1, 1, 'scenarios']], says: /required field/ },
  { name: 'empty flow and reversed think range', file: 'a.yaml', text: `${HEAD}pattern: { type: load, peak: 10 }\nscenarios:\n  - name: a\n    flow: []\n  - name: b\n    flow: [ { think: 3s..1s } ]\n`, issues: [[6, 11, 'scenarios.0.flow'], [8, 22, 'scenarios.1.flow.0.think']], says: /ends before it starts/ },
  { name: 'watch entry with two watchers and a process without a selector', file: 'a.yaml', text: `${HEAD}pattern: { type: load, peak: 10 }\n${OK_TAIL}watch:\n  - process: { port: 3000 }\n    eventLoop: { url: http://127.0.0.1:3000/m }\n  - process: { role: app }\n`, issues: [[8, 5, 'watch.0'], [10, 14, 'watch.1.process']] },
  { name: 'many problems at once', file: 'a.yaml', text: `${HEAD}pattern: { type: lod, peak: -1 }\nload: { model: closd }\n${OK_TAIL}`, issues: [[3, 18, 'pattern.type'], [3, 29, 'pattern.peak'], [4, 16, 'load.model']], says: /did you mean "closed"\?/ },
  { name: 'JSON: wrong type deep inside', file: 'a.json', text: `{\n  "name": "x",\n  "target": "http://127.0.0.1:3000",\n  "pattern": { "type": "load", "peak": 10 },\n  "scenarios": [ { "name": "a", "flow": [ { "get": "/", "expect": { "status": "ok" } } ] } ]\n}\n`, issues: [[5, 79, 'scenarios.0.flow.0.expect.status']], says: /expected a number or a list, got "ok"/ },
  { name: 'JSON: syntax error', file: 'a.json', text: `{\n  "name": "x",\n  "target": "http://127.0.0.1:3000"\n  "pattern": {}\n}\n`, issues: [[4, 3, '']] },
  { name: 'JSON: unknown field', file: 'a.json', text: `{\n  "name": "x",\n  "target": "http://127.0.0.1:3000",\n  "pattern": { "type": "load", "peak": 10 },\n  "scenarios": [ { "name": "a", "flow": [ { "get": "/" } ] } ],\n  "tresholds": {}\n}\n`, issues: [[6, 3, 'tresholds']], says: /did you mean "thresholds"\?/ },
];

test(`design rejects ${CASES.length} malformed plans with exit 2, line:col and field path, and no stack trace`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lp-plans-'));
  try {
    // Four CLIs at a time: each is a short node start-up (bounded by the 30 s timeout).
    for (let i = 0; i < CASES.length; i += 4) {
      await Promise.all(
        CASES.slice(i, i + 4).map(async (c, j) => {
          const file = join(dir, `${i + j}-${c.file}`);
          writeFileSync(file, c.text);
          const r = await runCli(['design', file], { timeoutMs: 30_000, env: { LP_TEST_SURELY_UNSET: undefined } });
          const ctx = `${c.name}\n${r.stderr}`;
          assert.equal(r.code, 2, ctx);
          assert.equal(r.stdout, '', ctx);
          assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?\n/, `no stack trace: ${ctx}`);
          const lines = r.stderr.trimEnd().split('\n');
          if (c.issues.every(([, , p]) => p !== '')) assert.equal(lines.length, c.issues.length, `exactly the expected issues: ${ctx}`);
          c.issues.forEach(([line, col, path], k) => {
            const head = `${file}:${line}:${col}: ${path ? `${path}: ` : ''}`;
            assert.ok(lines[k]!.replace(/^loadproof: /, '').startsWith(head), `issue ${k} should start with "${head}": ${ctx}`);
          });
          if (c.says) assert.match(r.stderr, c.says, ctx);
        }),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('design on plan-example.yaml: exit 0 and the three sections first, in order', async () => {
  const r = await runCli(['design', resolve(REPO_ROOT, 'examples/plan-example.yaml')], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  const headings = r.stdout.split('\n').filter((l) => l.startsWith('## '));
  assert.deepEqual(headings, ['## What test to run', '## What to watch', '## How to interpret', '## Notes']);
  assert.ok(r.stdout.startsWith('## What test to run\n'));
});

test('design --json prints the structured design', async () => {
  const r = await runCli(['design', resolve(REPO_ROOT, 'examples/plan-example.yaml'), '--json'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout) as { test: { totalMs: number; scenarios: unknown[] }; interpret: { criteria: unknown[] } };
  assert.equal(d.test.totalMs, 45_000);
  assert.equal(d.test.scenarios.length, 2);
  assert.equal(d.interpret.criteria.length, 4);
});

test('design on a missing file: exit 2, one line naming the file', async () => {
  const r = await runCli(['design', '/nonexistent/plan.yaml'], { timeoutMs: 30_000 });
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim(), 'loadproof: /nonexistent/plan.yaml: no such file (hint: check the path)');
});

test('init with flags and --yes writes a plan that validates; refuses to overwrite without --force', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lp-init-'));
  try {
    const file = join(dir, 'plan.yaml');
    const args = ['init', file, '--target', 'http://127.0.0.1:3000', '--endpoint', 'GET /items', '--endpoint', 'POST /items', '--p95', '150', '--error-rate', '0.5%', '--pattern', 'breakpoint', '--peak', '300', '--peak-source', 'analytics', '--yes'];
    const r = await runCli(args, { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^wrote .*plan\.yaml/);
    const text = readFileSync(file, 'utf8');
    // the $schema line points at this package's schema, relative to the plan
    const ref = /^# yaml-language-server: \$schema=(\S+)\n/.exec(text)?.[1];
    assert.ok(ref, text);
    assert.equal(resolve(dir, ref), resolve(REPO_ROOT, 'schema/plan.schema.json'));
    const plan = parsePlan(text);
    assert.equal(plan.pattern?.type, 'breakpoint');
    assert.equal(plan.pattern?.peak, 300);
    assert.deepEqual(plan.thresholds?.http_req_duration?.map((t) => t.source), ['p(95)<150', 'p(99)<375']); // p99 defaults to 2.5 × p95
    assert.deepEqual(plan.thresholds?.http_req_failed?.map((t) => t.source), ['rate<0.005']);
    assert.match(plan.hypothesis ?? '', /at least 300 req\/s \(the expected peak, from analytics\) at p95 < 150 ms/);
    const d = await runCli(['design', file], { timeoutMs: 30_000 });
    assert.equal(d.code, 0, d.stderr);

    const again = await runCli(args, { timeoutMs: 30_000 });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists \(hint: pass --force/);
    assert.equal(readFileSync(file, 'utf8'), text, 'the file is untouched');
    const forced = await runCli([...args.map((a) => (a === '300' ? '400' : a)), '--force'], { timeoutMs: 30_000 });
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(parsePlan(readFileSync(file, 'utf8')).pattern?.peak, 400);

    const badFlag = await runCli(['init', join(dir, 'x.yaml'), '--pattern', 'burst', '--yes'], { timeoutMs: 30_000 });
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /--pattern: "burst" is not a pattern/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('init reads piped answers one per line, blank lines and end of input taking the defaults', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lp-init-'));
  try {
    const file = join(dir, 'piped.yaml');
    // target, endpoints, p95, p99 (default), error rate, throughput, pattern, model, peak, source; name and hypothesis by default
    const input = ['http://127.0.0.1:4010', 'GET /items, POST /items', '300', '', '2%', '20', 'soak', 'closed', '40', 'last quarter'].join('\n');
    const r = await runCli(['init', file], { input, timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    const plan = parsePlan(readFileSync(file, 'utf8'));
    assert.equal(plan.target, 'http://127.0.0.1:4010');
    assert.deepEqual(plan.scenarios.map((s) => s.flow[0]).map((s) => (s?.kind === 'request' ? `${s.method} ${s.path}` : '')), ['GET /items', 'POST /items']);
    assert.deepEqual(plan.thresholds?.http_req_duration?.map((t) => t.source), ['p(95)<300', 'p(99)<750']);
    assert.deepEqual(plan.thresholds?.http_req_failed?.map((t) => t.source), ['rate<0.02']);
    assert.deepEqual(plan.thresholds?.http_reqs?.map((t) => t.source), ['rate>=20']);
    assert.equal(plan.pattern?.type, 'soak');
    assert.equal(plan.pattern?.peak, 40);
    assert.equal(plan.pattern?.peakSource, 'last quarter');
    assert.equal(plan.load?.model, 'closed');
    assert.equal(plan.name, 'GET /items, POST /items on 127.0.0.1:4010');
    assert.deepEqual(plan.watch, [{ process: { port: 4010 }, intervalMs: undefined }]);

    const bad = await runCli(['init', join(dir, 'bad.yaml')], { input: 'http://127.0.0.1:4010\nFETCH /x\n', timeoutMs: 30_000 });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^loadproof: stdin:2: unknown method "FETCH"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the patterns table of docs/patterns.md matches the stages the code generates", async () => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, [resolve(REPO_ROOT, 'scripts/patterns-table.mjs'), '--check'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
});

test('docs/plan-reference.md is the reference generated from the schema, and a stale copy is caught', async () => {
  const { spawnSync } = await import('node:child_process');
  const script = resolve(REPO_ROOT, 'scripts/plan-reference.mjs');
  const r = spawnSync(process.execPath, [script, '--check'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const text = readFileSync(resolve(REPO_ROOT, 'docs/plan-reference.md'), 'utf8');
  // every top-level field of the schema has its row, with the zod description
  for (const row of ['| `target` | string | yes |', '| `load.model` | `open`, `closed` |  | `open` |', '| `scenarios[].weight` | number (> 0) |  | `1` |', '| `loop.steps` | list of [step](#step)']) {
    assert.ok(text.includes(row), `missing row ${row}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'lp-planref-'));
  try {
    const stale = join(dir, 'plan-reference.md');
    writeFileSync(stale, text.replace('| `target` | string | yes |', '| `target` | number | yes |'));
    const s = spawnSync(process.execPath, [script, '--check', stale], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
    assert.equal(s.status, 1);
    assert.match(s.stderr, /differs from the schema/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
