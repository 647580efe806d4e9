/**
 * Model behaviours through the library API against a real loopback server: arrivals past
 * maxInFlight are dropped and counted (never skipped silently), closed-model VUs ramp up and down
 * with the stages, a Poisson schedule keeps its count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget } from '../targets/app.js';
import { parsePlan } from '../../src/plan/parse.js';
import { startRun } from '../../src/engine/runner.js';

test('open model: arrivals past maxInFlight are dropped and counted, the rest still measured', async () => {
  const t = await startTarget();
  try {
    const plan = parsePlan(`
name: drops
target: ${t.url}
load: { model: open, maxInFlight: 5, stages: [{ duration: 0s, target: 50 }, { duration: 2s, target: 50 }] }
scenarios: [{ name: a, flow: [{ get: "/slow?ms=1500" }] }]
`);
    const o = await startRun({ plan }).done;
    const s = o.totals.summary(o.durationSec, 'intended');
    // 100 arrivals; at most 5 iterations of 1.5 s at a time: 5 sent in the first 1.5 s, 5 more after
    assert.equal(s.requests + s.dropped!, 100, 'every arrival is either sent or counted as dropped');
    assert.ok(s.requests >= 5 && s.requests <= 15, `sent ${s.requests}`);
    assert.equal(s.errorKinds!.dropped, s.dropped);
    assert.equal(s.errors, 0, 'drops are not request errors');
    assert.equal(t.stats.requests, s.requests);
    const timelineDrops = o.totals.timeline.reduce((a, p) => a + (p.dropped ?? 0), 0);
    assert.equal(timelineDrops, s.dropped);
    assert.ok(s.latencyMs.min! >= 1400, 'the ones sent were timed');
  } finally {
    await t.close();
  }
});

test('closed model: VUs follow the stages up and down; setup-free flow loops with think time', async () => {
  const t = await startTarget();
  try {
    const plan = parsePlan(`
name: ramp
target: ${t.url}
load: { model: closed, stages: [{ duration: 0s, target: 4 }, { duration: 2s, target: 4 }, { duration: 2s, target: 0 }] }
defaults: { think: 50ms }
scenarios: [{ name: a, flow: [{ get: / }] }]
`);
    const o = await startRun({ plan }).done;
    const vus = o.totals.timeline.map((p) => p.vus);
    // seconds 0–1 hold 4 VUs; the ramp to 0 leaves ⌊v(t)⌋ = 2 at t = 3 s and none at the end
    assert.equal(vus[0], 4);
    assert.equal(vus[1], 4);
    assert.ok(vus[2]! <= 3 && vus[2]! >= 2, `vus ${vus.join(',')}`);
    assert.ok(vus[3]! <= 2, `vus ${vus.join(',')}`);
    assert.ok(o.durationSec < 6, `ran ${o.durationSec}s`);
    const s = o.totals.summary(o.durationSec, 'actual');
    // 4 VUs × (1 request per ~50 ms) for 2 s and fewer on the ramp: a few hundred requests
    assert.ok(s.requests > 100 && s.requests < 400, `requests ${s.requests}`);
    assert.equal(s.iterations, s.requests);
    assert.equal(s.latencyBasis, 'actual');
  } finally {
    await t.close();
  }
});

test('Poisson arrivals: the seeded schedule sends exactly its arrivals', async () => {
  const t = await startTarget();
  try {
    const plan = parsePlan(`
name: poisson
target: ${t.url}
load: { model: open, arrivals: poisson, stages: [{ duration: 0s, target: 100 }, { duration: 3s, target: 100 }] }
scenarios: [{ name: a, flow: [{ get: / }] }]
`);
    const a = await startRun({ plan, seed: 11 }).done;
    const b = await startRun({ plan, seed: 11 }).done;
    const na = a.totals.summary(a.durationSec, 'intended').requests;
    const nb = b.totals.summary(b.durationSec, 'intended').requests;
    assert.equal(na, nb, 'same seed, same number of arrivals');
    // 300 expected; a Poisson count has sd √300 ≈ 17: 5 sd
    assert.ok(Math.abs(na - 300) < 87, `arrivals ${na}`);
  } finally {
    await t.close();
  }
});
