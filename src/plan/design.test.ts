import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDesign, DESIGN_SECTIONS, redactUrl, renderDesign } from './design.js';
import { parsePlan } from './parse.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const example = (): string => readFileSync(resolve(REPO_ROOT, 'examples/plan-example.yaml'), 'utf8');

const plan = (pattern: string, extra = ''): string => `
name: t
hypothesis: it holds
target: http://127.0.0.1:4000
pattern: ${pattern}
thresholds: { http_req_duration: ["p(95)<250"], http_req_failed: ["rate<0.02"] }
${extra}
scenarios:
  - name: a
    flow: [ { get: /items }, { post: /items, json: { n: 1 } } ]
`;

test('the text begins with the three sections, in order, before anything else', () => {
  const text = renderDesign(buildDesign(parsePlan(example()), { file: 'plan-example.yaml' }));
  const headings = text.split('\n').filter((l) => l.startsWith('## '));
  assert.deepEqual(headings.slice(0, 3), DESIGN_SECTIONS.map((h) => `## ${h}`));
  assert.ok(text.startsWith(`## ${DESIGN_SECTIONS[0]}\n`));
  for (const line of text.split('\n')) assert.ok(line.length <= 100, `line too long: ${line}`);
});

test('What test to run: model, stages with times and targets, total, request mix with weights', () => {
  const d = buildDesign(parsePlan(example()));
  assert.equal(d.test.model, 'open');
  assert.equal(d.test.totalMs, 45_000);
  assert.deepEqual(
    d.test.stages.map((s) => [s.startMs, s.durationMs, s.from, s.target]),
    [
      [0, 10_000, 0, 100],
      [10_000, 30_000, 100, 100],
      [40_000, 5_000, 100, 0],
    ],
  );
  assert.deepEqual(d.test.scenarios.map((s) => [s.name, s.weight, s.share]), [
    ['browse', 3, 0.75],
    ['create', 1, 0.25],
  ]);
  assert.deepEqual(d.test.scenarios[0]!.setup, ['POST /auth/login (capture token)']);
  assert.deepEqual(d.test.scenarios[0]!.flow, ['GET /items (expect 200, within 200ms)', 'think 1s..3s']);
  const text = renderDesign(d);
  assert.match(text, /0s–40s +0\/s → 100\/s over 10s, hold 30s/);
  assert.match(text, /Duration: +45s/);
  assert.match(text, /browse — weight 3 \(75% of iterations\)/);
});

test('What to watch: client metrics with thresholds, the plan\'s targets with their series, gaps per pattern', () => {
  const d = buildDesign(parsePlan(example()));
  const byMetric = Object.fromEntries(d.watch.client.map((c) => [c.metric, c]));
  assert.deepEqual(byMetric.http_req_duration!.thresholds, ['p(95)<200', 'p(99)<500']);
  assert.deepEqual(byMetric.http_req_failed!.abort, ['rate>0.05 for 10s']);
  assert.deepEqual(d.watch.targets.map((t) => t.prefix), ['process.port3000', 'eventLoop.app', 'self.generator']);
  // the example watches CPU and memory: only the PostgreSQL suggestion remains
  assert.deepEqual(d.watch.gaps.map((g) => [g.level, g.what]), [['suggested', 'PostgreSQL, if the service uses it']]);

  const soak = buildDesign(parsePlan(plan('{ type: soak, peak: 10 }')));
  assert.equal(soak.watch.gaps[0]!.level, 'needed');
  assert.match(soak.watch.gaps[0]!.what, /memory/);
  assert.equal(soak.watch.gaps[0]!.add, '- process: { port: 4000 }');
  const soakWatched = buildDesign(parsePlan(plan('{ type: soak, peak: 10 }', 'watch: [ { eventLoop: { url: http://127.0.0.1:4000/m } } ]')));
  assert.ok(!soakWatched.watch.gaps.some((g) => g.level === 'needed'));

  for (const type of ['stress', 'breakpoint']) {
    const g = buildDesign(parsePlan(plan(`{ type: ${type}, peak: 10 }`))).watch.gaps;
    assert.equal(g[0]!.level, 'needed', type);
    assert.match(g[0]!.what, /CPU/, type);
    const watched = buildDesign(parsePlan(plan(`{ type: ${type}, peak: 10 }`, 'watch: [ { process: { port: 4000 } } ]'))).watch.gaps;
    assert.ok(!watched.some((x) => x.level === 'needed'), type);
  }
  // a postgres watch is only ever a suggestion, and absent once watched
  const pg = buildDesign(parsePlan(plan('{ type: load, peak: 10 }', 'watch: [ { postgres: { url: "postgres://u:secret@127.0.0.1:5432/shop" } } ]')));
  assert.ok(!pg.watch.gaps.some((g) => /PostgreSQL/.test(g.what)));
  assert.equal(pg.watch.targets[0]!.prefix, 'postgres.shop');
  assert.doesNotMatch(renderDesign(pg), /secret/);
  assert.equal(buildDesign(parsePlan(plan('{ type: smoke, peak: 10 }'))).watch.gaps.length, 0);
});

test('How to interpret: each criterion as a rule in words, phases, and the symptom rows of the pattern', () => {
  const d = buildDesign(parsePlan(example()));
  assert.deepEqual(
    d.interpret.criteria.map((c) => c.rule),
    [
      'pass when the 95th percentile of request latency over the whole run is below 200 ms; fail when it is at least 200 ms',
      'pass when the 99th percentile of request latency over the whole run is below 500 ms; fail when it is at least 500 ms',
      'pass when the share of failed requests over the whole run is below 1%; fail when it is at least 1%',
      'pass when the share of passing checks over the whole run is above 99%; fail when it is at most 99%',
    ],
  );
  assert.deepEqual(d.interpret.abortRules.map((c) => c.rule), ['stop the run (exit 3) when the share of failed requests stays above 5% for 10s']);
  assert.deepEqual(d.interpret.phases.map((p) => p.name), ['linear region', 'knee', 'collapse']);

  const ids = (pattern: string): string[] => buildDesign(parsePlan(plan(pattern))).interpret.symptoms.map((s) => s.id);
  assert.deepEqual(ids('{ type: soak, peak: 10 }'), ['memory-leak', 'connection-leak', 'missing-index', 'gc-pressure', 'thundering-herd', 'lock-contention', 'fd-exhaustion']);
  assert.deepEqual(ids('{ type: spike, peak: 10 }'), [
    'pool-exhaustion',
    'timeout-cascade',
    'cold-start',
    'downstream-rate-limit',
    'thundering-herd',
    'listen-backlog',
    'fd-exhaustion',
  ]);
  for (const type of ['stress', 'breakpoint']) {
    const list = ids(`{ type: ${type}, peak: 10 }`);
    for (const id of ['pool-exhaustion', 'cpu-bound', 'timeout-cascade']) assert.ok(list.includes(id), `${type} reveals ${id}`);
    assert.ok(!list.includes('memory-leak'));
  }
  assert.deepEqual(ids('{ type: smoke, peak: 10 }'), []);
  // the five later causes: a breakpoint climbs into GC, lock and backlog limits, a herd needs a jump or time
  const bp = ids('{ type: breakpoint, peak: 10 }');
  for (const id of ['gc-pressure', 'lock-contention', 'listen-backlog', 'fd-exhaustion']) assert.ok(bp.includes(id), `breakpoint reveals ${id}`);
  assert.ok(!bp.includes('thundering-herd'));
  assert.ok(!ids('{ type: soak, peak: 10 }').includes('listen-backlog'));

  const throughput = buildDesign(parsePlan(plan('{ type: load, peak: 10 }', 'abort: { "http_req_duration{name:GET /items}": "p(99)>=1s for 10s" }').replace(
    'http_req_failed: ["rate<0.02"]',
    'http_reqs: ["rate>=9"], iterations: ["count>100"]',
  )));
  assert.deepEqual(throughput.interpret.criteria.map((c) => c.rule).slice(1), [
    'pass when throughput (completed requests per second) over the whole run is at least 9/s; fail when it is below 9/s',
    'pass when the number of iterations over the whole run is above 100; fail when it is at most 100',
  ]);
  assert.deepEqual(throughput.interpret.abortRules.map((c) => c.rule), [
    'stop the run (exit 3) when the 99th percentile of request latency (name GET /items) stays at least 1000 ms for 10s',
  ]);
});

test('notes: explicit stages, exploratory soak, breakpoint stop rules, smoke without criteria, run refusal', () => {
  const notes = (text: string): string => buildDesign(parsePlan(text)).notes.join('\n');
  assert.match(notes(example()), /explicit load.stages override the load pattern/);
  assert.match(notes(plan('{ type: soak, peak: 10, duration: 5m }')), /exploratory/);
  assert.match(notes(plan('{ type: breakpoint, peak: 10 }')), /breakpoint stop rule added: http_req_failed rate>0.05 for 5s/);
  const smoke = `name: s\ntarget: http://127.0.0.1:4000\npattern: { type: smoke, peak: 1 }\nscenarios: [ { name: a, flow: [ { get: / } ] } ]\n`;
  assert.match(notes(smoke), /run would accept this smoke test without criteria/);
  assert.match(notes(smoke.replace('smoke', 'load')), /run would refuse this plan: a plan needs a hypothesis/);
  assert.doesNotMatch(notes(example()), /refuse/);
});

test('closed model: stage targets are virtual users', () => {
  const d = buildDesign(parsePlan(plan('{ type: load, peak: 20 }', 'load: { model: closed }')));
  assert.equal(d.test.unit, 'VUs');
  assert.match(renderDesign(d), /0 VUs → 20 VUs over 1m, hold 4m/);
  assert.match(d.test.modelExplained, /^closed/);
});

test('URLs lose their password', () => {
  assert.equal(redactUrl('postgres://u:pw@127.0.0.1:5432/db'), 'postgres://u:***@127.0.0.1:5432/db');
  assert.equal(redactUrl('http://127.0.0.1:3000'), 'http://127.0.0.1:3000');
});

test('the five later causes: per pattern, what each needs watched, and whether the plan watches it', () => {
  const sym = (pattern: string, extra = ''): Map<string, { evidence: string; evidenceWatched: boolean }> =>
    new Map(buildDesign(parsePlan(plan(pattern, extra))).interpret.symptoms.map((s) => [s.id, s]));
  const spike = sym('{ type: spike, peak: 10 }');
  // a herd needs the backing store watched; a full accept queue shows in the client's own figures
  assert.equal(spike.get('thundering-herd')!.evidenceWatched, false);
  assert.match(spike.get('thundering-herd')!.evidence, /postgres watch \(scans, commits, connections\)/);
  assert.equal(spike.get('listen-backlog')!.evidenceWatched, true);
  assert.match(spike.get('listen-backlog')!.evidence, /refused, reset.*near 1 s and 3 s/);
  assert.equal(spike.get('fd-exhaustion')!.evidenceWatched, false);
  const watched = sym('{ type: spike, peak: 10 }', 'watch: [ { postgres: { url: "postgres://u:p@127.0.0.1:5432/shop" } }, { process: { port: 4000 } } ]');
  assert.equal(watched.get('thundering-herd')!.evidenceWatched, true);
  assert.equal(watched.get('fd-exhaustion')!.evidenceWatched, true);
  assert.match(watched.get('fd-exhaustion')!.evidence, /\/proc\/PID\/limits/);

  const soak = sym('{ type: soak, peak: 10 }');
  assert.match(soak.get('gc-pressure')!.evidence, /nodejs_gc_duration_seconds.*nodejs_heap_size_used_bytes.*nodejs_heap_size_total_bytes/);
  assert.equal(soak.get('gc-pressure')!.evidenceWatched, false);
  assert.equal(sym('{ type: soak, peak: 10 }', 'watch: [ { prometheus: { url: http://127.0.0.1:4000/metrics } } ]').get('gc-pressure')!.evidenceWatched, true);
  assert.equal(sym('{ type: load, peak: 10 }', 'watch: [ { eventLoop: { url: http://127.0.0.1:4000/m } } ]').get('gc-pressure')!.evidenceWatched, true);
  const lock = sym('{ type: breakpoint, peak: 10 }').get('lock-contention')!;
  assert.equal(lock.evidenceWatched, false);
  assert.match(lock.evidence, /waiting on a lock \(postgres watch/);

  // the text names each with its id and says when its evidence is not watched
  const text = renderDesign(buildDesign(parsePlan(plan('{ type: spike, peak: 10 }'))), { width: 400 });
  assert.match(text, /→ synchronized misses without request coalescing \[thundering-herd\]; evidence: .*postgres watch/);
  assert.match(text, /→ accept queue overflow \[listen-backlog\]/);
});
