/**
 * Saturation order on synthetic runs with designed limits (test/helpers/synthetic-results.ts): the
 * resource built to saturate first heads the order at its designed load, a later one follows, and a
 * competing diagnosis is ranked after the first with the reason said.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analysisContext, analyze } from '../../src/analysis/analyze.js';
import { rankBySaturation, saturationOrder } from '../../src/analysis/saturation.js';
import type { Diagnosis } from '../../src/result/types.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { buildCharts } from '../../src/report/charts.js';
import { cpuBoundCase, healthyCase, poolExhaustionCase, series, simulate, steps, buildResult } from '../helpers/synthetic-results.js';

test('saturation: a 10-slot pool (500 req/s designed) saturates first, at 500 req/s; the CPU never does', () => {
  const { evidence } = analysisContext(poolExhaustionCase());
  const sat = saturationOrder(evidence)!;
  assert.ok(sat.first);
  assert.equal(sat.first.kind, 'pool');
  assert.equal(sat.first.load, 500);
  assert.equal(sat.first.how, 'limit');
  const cpu = sat.resources.find((r) => r.kind === 'app-cpu')!;
  assert.equal(cpu.saturatedAtLoad, null, JSON.stringify(cpu));
  assert.equal(sat.resources[0]!.kind, 'pool');
});

test('saturation: one core at 2.4 ms per request (~400 req/s designed) saturates first at 400 req/s', () => {
  const { evidence } = analysisContext(cpuBoundCase());
  const sat = saturationOrder(evidence)!;
  assert.ok(sat.first);
  assert.ok(sat.first.kind === 'app-cpu' || sat.first.kind === 'event-loop', sat.first.kind);
  assert.equal(sat.first.load, 400);
});

/** CPU first (one core, 2.4 ms → ~400 req/s), then a 20-slot pool that fills only with requests queued behind the CPU. */
function cpuThenPoolCase() {
  const stages = steps([100, 200, 300, 400, 500, 600, 700]);
  const sim = simulate({ seed: 42, stages, servers: 1, request: (_t, _r, rnd) => ({ serviceMs: 2.4 * (0.7 + 0.6 * rnd()) }) });
  return buildResult(sim, stages, {
    name: 'cpu-then-pool',
    pattern: 'breakpoint',
    watch: {
      'process.port3000.cpuPct': series(sim.states, '%', (s, r) => Math.min(100, s.busyMs / 10 + 2 + r() * 2), { watcher: 'process', role: 'app' }),
      'eventLoop.app.gauge.pool_in_use': series(sim.states, 'count', (s) => Math.min(20, s.inService + s.waiting), { watcher: 'eventLoop', role: 'app' }),
      'eventLoop.app.gauge.pool_size': series(sim.states, 'count', () => 20, { watcher: 'eventLoop', role: 'app' }),
    },
  });
}

test('saturation: the order reverses when the CPU saturates before the pool (pool fills behind it)', () => {
  const { evidence } = analysisContext(cpuThenPoolCase());
  const sat = saturationOrder(evidence)!;
  assert.equal(sat.first?.kind, 'app-cpu');
  assert.equal(sat.first?.load, 400);
  const pool = sat.resources.find((r) => r.kind === 'pool')!;
  assert.ok(pool.saturatedAtLoad !== null && pool.saturatedAtLoad > 400, JSON.stringify(pool));
  assert.ok(sat.resources.indexOf(pool) > 0);
});

test('saturation: a healthy run (20 slots, tested to 300 req/s) has no resource saturated', () => {
  const { evidence } = analysisContext(healthyCase());
  const sat = saturationOrder(evidence)!;
  assert.equal(sat.first, null, JSON.stringify(sat.resources.map((r) => [r.resource, r.saturatedAtLoad, r.how])));
});

test('competing causes: the diagnosis whose resource saturated later ranks after the first and says why', () => {
  const { evidence } = analysisContext(cpuThenPoolCase());
  const sat = saturationOrder(evidence)!;
  const d = (id: Diagnosis['id'], confidence: number): Diagnosis => ({ id, title: id, confidence, evidence: ['x 1'], recommendation: 'r', handoff: null });
  const ranked = rankBySaturation([d('pool-exhaustion', 0.8), d('cpu-bound', 0.7)], sat);
  assert.deepEqual(
    ranked.map((x) => x.id),
    ['cpu-bound', 'pool-exhaustion'],
  );
  assert.equal(ranked[1]!.confidence, 0.69);
  assert.match(ranked[1]!.evidence.at(-1)!, /ranked after cpu-bound: an independent limit: pool pool_in_use of app reached its own limit/);
  // without a saturation order the list is unchanged
  assert.deepEqual(rankBySaturation([d('pool-exhaustion', 0.8), d('cpu-bound', 0.7)], null).map((x) => x.id), ['pool-exhaustion', 'cpu-bound']);
});

test('saturation in result.json, Markdown and the HTML chart data', () => {
  const out = analyze(poolExhaustionCase());
  assert.equal(out.analysis!.saturation!.first!.kind, 'pool');
  const md = renderMarkdown(out);
  assert.match(md, /Saturated first: pool pool_in_use of app \(pool_size 10\) at 500 req\/s, step \d+ — reached its limit\./);
  assert.match(md, /\| resource \| limit \| saturated at \| how \| value there \|/);
  const chart = buildCharts(out).load.find((c) => c.id === 'saturation-vs-load')!;
  assert.ok(chart);
  assert.deepEqual(chart.series[0]!.x, out.analysis!.saturation!.loads);
  assert.ok(chart.series.some((s) => s.label.startsWith('pool') && s.y.some((v) => v !== null && v >= 0.9)));
});
