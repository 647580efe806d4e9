import { test } from 'node:test';
import assert from 'node:assert/strict';
import { breakpointAbortRules, expandPattern, resolveLoad } from './patterns.js';
import { parsePlan } from './parse.js';
import type { Pattern, PatternType } from './schema.js';

const s = 1000;
const m = 60 * s;
/** Stages as [seconds, target] pairs: easy to read against the table in docs/patterns.md. */
const pairs = (type: PatternType, peak = 100, durationMs?: number): Array<[number, number]> =>
  expandPattern({ type, peak, durationMs } as Pattern).map((st) => [st.durationMs / 1000, st.target]);

test('smoke: minimal load (1% of peak, at least 1) for 30s', () => {
  assert.deepEqual(pairs('smoke'), [[1, 1], [29, 1]]);
  assert.deepEqual(pairs('smoke', 1000), [[1, 10], [29, 10]]);
  assert.deepEqual(pairs('smoke', 20, 10 * s), [[1, 1], [9, 1]]);
});

test('load: ramp 1m, hold 4m, ramp down 1m; duration scales the whole shape', () => {
  assert.deepEqual(pairs('load'), [[60, 100], [240, 100], [60, 0]]);
  assert.deepEqual(pairs('load', 100, 3 * m), [[30, 100], [120, 100], [30, 0]]);
  assert.deepEqual(pairs('load', 100, 12 * m), [[120, 100], [480, 100], [120, 0]]);
});

test('stress: steps at 50/100/150/200% of peak (30s ramp + 2m hold each), then down', () => {
  assert.deepEqual(pairs('stress'), [
    [30, 50], [120, 50],
    [30, 100], [120, 100],
    [30, 150], [120, 150],
    [30, 200], [120, 200],
    [60, 0],
  ]);
  // 5m30s is half the default 11m: every stage halves.
  assert.deepEqual(pairs('stress', 100, 5 * m + 30 * s), [
    [15, 50], [60, 50], [15, 100], [60, 100], [15, 150], [60, 150], [15, 200], [60, 200], [30, 0],
  ]);
});

test('spike: baseline P/5, a 10x jump within 10s, hold, drop, recovery window', () => {
  assert.deepEqual(pairs('spike'), [[10, 20], [60, 20], [10, 200], [60, 200], [10, 20], [120, 20], [10, 0]]);
  const base = pairs('spike')[1]![1];
  const top = pairs('spike')[3]![1];
  assert.equal(top / base, 10);
  // 2m20s is half of the default 4m40s.
  assert.deepEqual(pairs('spike', 100, 2 * m + 20 * s), [[5, 20], [30, 20], [5, 200], [30, 200], [5, 20], [60, 20], [5, 0]]);
});

test('soak: 2m ramp, hold for the duration (default 30m), 1m down', () => {
  assert.deepEqual(pairs('soak'), [[120, 100], [1800, 100], [60, 0]]);
  assert.deepEqual(pairs('soak', 100, 2 * 60 * m), [[120, 100], [7200, 100], [60, 0]]);
});

test('breakpoint: 16 steps of P/4 (3s ramp + 27s hold) up to 4P; duration sets the step length', () => {
  const expected: Array<[number, number]> = [];
  for (let i = 1; i <= 16; i++) expected.push([3, 25 * i], [27, 25 * i]);
  assert.deepEqual(pairs('breakpoint'), expected);
  // 4m over 16 steps: 15s steps with a 2s ramp (a tenth, rounded to whole seconds).
  const short = pairs('breakpoint', 100, 4 * m);
  assert.equal(short.length, 32);
  assert.deepEqual(short.slice(0, 4), [[2, 25], [13, 25], [2, 50], [13, 50]]);
  assert.equal(short.reduce((a, [d]) => a + d, 0), 240);
});

test('expansion is pure and scales with peak', () => {
  for (const type of ['smoke', 'load', 'stress', 'spike', 'soak', 'breakpoint'] as const) {
    assert.deepEqual(pairs(type, 100), pairs(type, 100), type);
    const a = pairs(type, 100);
    const b = pairs(type, 1000);
    assert.deepEqual(b.map(([d]) => d), a.map(([d]) => d), `${type}: durations do not depend on peak`);
    if (type !== 'smoke') assert.deepEqual(b.map(([, t]) => t), a.map(([, t]) => t * 10), `${type}: targets scale with peak`);
  }
});

const plan = (pattern: string, extra = ''): string => `
name: t
target: http://127.0.0.1:3000
pattern: ${pattern}
${extra}
scenarios:
  - name: a
    flow: [ { get: / } ]
`;

test('resolveLoad: explicit stages override the pattern, with a note', () => {
  const r = resolveLoad(parsePlan(plan('{ type: stress, peak: 100 }', 'load: { stages: [ { duration: 5s, target: 3 } ] }')));
  assert.equal(r.source, 'stages');
  assert.deepEqual(r.stages, [{ durationMs: 5000, target: 3 }]);
  assert.equal(r.totalMs, 5000);
  assert.match(r.notes.join('\n'), /override the stress pattern/);
});

test('resolveLoad: breakpoint adds stop rules from the p95 SLO unless the plan has its own', () => {
  const r = resolveLoad(parsePlan(plan('{ type: breakpoint, peak: 100 }', 'thresholds: { http_req_duration: ["p(95)<200"] }')));
  assert.deepEqual(
    Object.entries(r.abort).map(([k, v]) => [k, v.map((e) => e.source)]),
    [
      ['http_req_failed', ['rate>0.05 for 5s']],
      ['http_req_duration', ['p(95)>1000 for 5s']],
    ],
  );
  assert.equal(r.totalMs, 8 * m);
  const own = resolveLoad(parsePlan(plan('{ type: breakpoint, peak: 100 }', 'abort: { http_req_failed: "rate>0.1 for 3s" }')));
  assert.deepEqual(own.abort.http_req_failed!.map((e) => e.source), ['rate>0.1 for 3s']);
  assert.deepEqual(own.abort.http_req_duration!.map((e) => e.source), ['p(95)>2000 for 5s']);
  assert.deepEqual(breakpointAbortRules({ thresholds: undefined }).http_req_duration![0]!.value, 2000);
});

test('resolveLoad: a soak under 30 minutes is exploratory', () => {
  assert.equal(resolveLoad(parsePlan(plan('{ type: soak, peak: 50, duration: 10m }'))).exploratory, true);
  assert.equal(resolveLoad(parsePlan(plan('{ type: soak, peak: 50, duration: 30m }'))).exploratory, false);
  assert.equal(resolveLoad(parsePlan(plan('{ type: load, peak: 50 }'))).exploratory, false);
});

test('pattern.precision: a percentage or a fraction, breakpoint only; 5% by default for a breakpoint', () => {
  const refine = (p: string): ReturnType<typeof resolveLoad>['refine'] => resolveLoad(parsePlan(plan(p))).refine;
  assert.equal(refine('{ type: breakpoint, peak: 100, precision: 2.5% }')!.precision, 0.025);
  assert.equal(refine('{ type: breakpoint, peak: 100, precision: 0.1 }')!.precision, 0.1);
  assert.deepEqual(refine('{ type: breakpoint, peak: 100 }'), { precision: 0.05, rampMs: 3000, holdMs: 27000, explicit: false });
  assert.equal(refine('{ type: load, peak: 100 }'), null);
  const err = (p: string): string => {
    try {
      parsePlan(plan(p));
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  assert.match(err('{ type: breakpoint, peak: 100, precision: 5 }'), /pattern\.precision: precision 5 is outside 0\.1%\.\.50%/);
  assert.match(err('{ type: breakpoint, peak: 100, precision: "5 percent" }'), /pattern\.precision/);
  assert.match(err('{ type: spike, peak: 100, precision: 5% }'), /precision refines a breakpoint's capacity; a spike pattern has none/);
});
