/**
 * Capacity, phases, validity and red flags on synthetic runs, and imported-like results that
 * record less (no histograms, no offered load, no timeline) — they must analyse without throwing
 * and say what could not be judged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../src/analysis/analyze.js';
import { LoadproofError } from '../../src/errors.js';
import type { Result } from '../../src/result/types.js';
import { buildResult, healthyCase, memoryLeakCase, poolExhaustionCase, simulate, steps, timeoutCascadeCase } from '../helpers/synthetic-results.js';

/** Latency grows with load without queueing: 10 ms per 100 req/s (infinite servers). */
function linearLatencyCase(): Result {
  const stages = steps([100, 200, 300, 400, 500, 600]);
  const sim = simulate({ stages, servers: Infinity, request: (_t, r, rnd) => ({ serviceMs: (r / 10) * (0.95 + 0.1 * rnd()) }) });
  return buildResult(sim, stages, { name: 'linear', pattern: 'breakpoint' });
}

const pool = poolExhaustionCase();

test('capacity not reached: the SLO held at every load → "above N req/s, not reached", no breaking point', () => {
  const a = analyze(healthyCase()).analysis!;
  const c = a.capacity;
  assert.equal(c.notReached, true);
  assert.ok(c.maxSustainableRps !== null && Math.abs(c.maxSustainableRps - 300) < 3, JSON.stringify(c));
  assert.equal(c.breakingPointRps, null);
  assert.equal(c.headroom, 0.4);
  assert.ok(Math.abs(c.recommendedMaxRps! - c.maxSustainableRps * 0.6) < 0.2);
  assert.match(c.statement!, /above 300 req\/s, not reached/);
  assert.equal(a.phases.knee, null);
  assert.equal(a.phases.collapse, null);
  assert.ok(a.phases.linearUntilRps !== null && a.phases.linearUntilRps > 295);
});

test('breaking point: the first level with errors over 5%; capacity bounded by the first failing level', () => {
  const a = analyze(timeoutCascadeCase()).analysis!;
  // designed: 8 workers × 38 ms ≈ 210 req/s; levels are 50 apart
  assert.equal(a.capacity.breakingPointRps, 250);
  assert.ok(a.capacity.maxSustainableRps !== null && Math.abs(a.capacity.maxSustainableRps - 200) < 3, JSON.stringify(a.capacity));
  assert.ok(a.phases.collapse !== null && a.phases.collapse.rps === 250 && a.phases.collapse.errorRate > 0.05);
  assert.match(a.capacity.statement!, /Breaking point: 250 req\/s offered/);
});

test('SLO override: --slo moves the capacity; the default SLO is stated when the plan has none', () => {
  const r = linearLatencyCase();
  const byPlan = analyze(r).analysis!.capacity;
  assert.equal(byPlan.notReached, true);
  assert.equal(byPlan.slo, 'p(95)<200ms, errors<1%');
  const tight = analyze(r, { slo: 'p(95)<35' }).analysis!.capacity;
  assert.equal(tight.slo, 'p(95)<35ms, errors<1%');
  assert.ok(tight.maxSustainableRps !== null && Math.abs(tight.maxSustainableRps - 300) < 3, JSON.stringify(tight));
  assert.ok(!tight.notReached);
  const h = analyze(r, { slo: 'p(95)<35', headroom: 0.25 }).analysis!.capacity;
  assert.ok(Math.abs(h.recommendedMaxRps! - 0.75 * h.maxSustainableRps!) < 0.2);
  const noThresholds = structuredClone(r);
  delete noThresholds.plan.thresholds;
  const d = analyze(noThresholds).analysis!;
  assert.equal(d.capacity.slo, 'p(95)<500ms, errors<1%');
  assert.match(d.phases.notes!.join(' '), /default p\(95\)<500/);
  assert.throws(() => analyze(r, { slo: 'p(95)>3' }), (e: unknown) => e instanceof LoadproofError && e.exitCode === 2);
});

test('phases: linear region, Kneedle knee and collapse on the pool case (10 slots × 19 ms ≈ 526 req/s)', () => {
  const a = analyze(pool).analysis!;
  assert.ok(Math.abs(a.phases.linearUntilRps! - 500) < 3, JSON.stringify(a.phases));
  assert.ok(Math.abs(a.phases.knee!.rps - 500) < 3);
  assert.equal(a.phases.collapse!.rps, 600);
  assert.match(a.phases.notes!.join(' '), /Kneedle/);
  assert.ok(a.usl !== null);
});

test('red flags: the median over the p(95) threshold, failing checks', () => {
  const r = structuredClone(pool);
  r.summary.checks = { passes: 90, fails: 10, rate: 0.9 };
  const flags = analyze(r).analysis!.redFlags!;
  assert.ok(flags.some((f) => /10 of 100 checks failed/.test(f)), JSON.stringify(flags));
  assert.ok(flags.some((f) => /median .* already over the p\(95\)<200 threshold/.test(f)), JSON.stringify(flags));
  assert.deepEqual(analyze(healthyCase()).analysis!.redFlags, []);
});

test('validity: a criterion judged from too few samples makes the verdict invalid', () => {
  const r = structuredClone(healthyCase());
  r.summary.requests = 60;
  r.criteria = [{ metric: 'http_req_duration', condition: 'p(99)<500', observed: 12, pass: true }];
  const a = analyze(r);
  const v = a.analysis!.validity.find((n) => n.id === 'too-few-samples');
  assert.equal(v?.severity, 'invalid');
  assert.match(v!.message, /p\(99\) needs at least 100/);
  assert.equal(a.verdict, 'invalid');
  r.summary.requests = 5000;
  assert.equal(analyze(r).verdict, 'pass');
  r.criteria[0]!.pass = false;
  assert.equal(analyze(r).verdict, 'fail');
});

test('validity: short soak, short steps, achieved below offered, Little’s law mismatch', () => {
  const soak = analyze(memoryLeakCase()).analysis!.validity;
  assert.ok(soak.some((v) => v.id === 'short-soak' && v.severity === 'warn' && /10 min, under 30 minutes/.test(v.message)), JSON.stringify(soak));

  const stages = steps([50, 100, 150, 200], 5, 1);
  const sim = simulate({ stages, servers: 20, request: () => ({ serviceMs: 5 }) });
  const short = analyze(buildResult(sim, stages, { name: 's', pattern: 'breakpoint' })).analysis!.validity;
  // the message says what it measured, and the figure it quotes is under the bound it names
  assert.ok(short.some((v) => v.id === 'short-steps' && /^4 of 4 constant-load steps lasted under 10 s \(the shortest held its load for 5 s\)/.test(v.message)), JSON.stringify(short));
  // holds of 10 s in a run that ended 0.3 s early (its last timeline point partial): not short
  const tenStages = steps([50, 100, 150, 200], 10, 1);
  const ten = buildResult(simulate({ stages: tenStages, servers: 20, request: () => ({ serviceMs: 5 }) }), tenStages, { name: 't', pattern: 'breakpoint' });
  ten.timeline[ten.timeline.length - 1]!.durationSec = (ten.timeline[ten.timeline.length - 1]!.durationSec ?? 1) - 0.3;
  assert.ok(!analyze(ten).analysis!.validity.some((v) => v.id === 'short-steps'), JSON.stringify(analyze(ten).analysis!.validity));
  // a hold cut to 9 s is short, and quoted as 9 s
  const cutStages = steps([50, 100, 150, 200], 10, 1);
  cutStages[cutStages.length - 1]!.durationSec = 9;
  const cut = analyze(buildResult(simulate({ stages: cutStages, servers: 20, request: () => ({ serviceMs: 5 }) }), cutStages, { name: 'c', pattern: 'breakpoint' })).analysis!.validity;
  assert.ok(cut.some((v) => v.id === 'short-steps' && /^1 of 4 constant-load steps lasted under 10 s \(the shortest held its load for 9 s\)/.test(v.message)), JSON.stringify(cut));

  // the generator sent 20% less than offered while the target answered in 10 ms
  const gen = structuredClone(healthyCase());
  for (const p of gen.timeline) if (p.offeredRps !== null) p.offeredRps = p.offeredRps * 1.25;
  const ach = analyze(gen).analysis!.validity;
  assert.ok(ach.some((v) => v.id === 'achieved-below-offered'), JSON.stringify(ach));

  const lit = structuredClone(healthyCase());
  for (const p of lit.timeline) p.inFlight = 40;
  const ll = analyze(lit).analysis!.validity;
  assert.ok(ll.some((v) => v.id === 'littles-law-mismatch' && /40 requests in flight/.test(v.message)), JSON.stringify(ll));
  assert.ok(!analyze(healthyCase()).analysis!.validity.some((v) => v.severity !== 'info'));
});

test('validity: a closed model with stalls longer than a user’s cycle warns of coordinated omission', () => {
  const r = structuredClone(healthyCase());
  r.plan.model = 'closed';
  r.summary.latencyBasis = 'actual';
  for (const p of r.timeline) {
    p.vus = 2;
    p.offeredRps = null;
  }
  // 2 VUs at ~180 req/s: a cycle of ~11 ms; a p99 of 400 ms is a stall
  r.summary.latencyMs = { ...r.summary.latencyMs, p50: 10, p99: 400 };
  const v = analyze(r).analysis!.validity.find((n) => n.id === 'coordinated-omission');
  assert.equal(v?.severity, 'warn');
  assert.match(v!.message, /coordinated omission/);
});

test('imported-like: no histograms → max-of-intervals percentiles, an upper bound of the exact ones', () => {
  const exact = analyze(pool);
  const r = structuredClone(pool);
  for (const p of r.timeline) delete p.hdr;
  delete r.summary.hdr;
  const a = analyze(r);
  assert.ok(a.steps.length === exact.steps.length && a.steps.length > 0);
  a.steps.forEach((s, i) => {
    assert.equal(s.percentileSource, 'max-of-intervals');
    assert.ok(s.latencyMs.p95 >= exact.steps[i]!.latencyMs.p95 - 0.01, `step ${i}: ${s.latencyMs.p95} < ${exact.steps[i]!.latencyMs.p95}`);
  });
  assert.ok(a.analysis!.validity.some((v) => v.id === 'not-judged' && /no latency histograms/.test(v.message)));
  assert.equal(a.analysis!.diagnoses[0]?.id, 'pool-exhaustion');
});

test('imported-like: no offered load and no stages → no knee on an unknown axis, capacity from what was achieved', () => {
  const r = structuredClone(pool);
  delete r.plan.stages;
  for (const p of r.timeline) p.offeredRps = null;
  const a = analyze(r).analysis!;
  assert.equal(a.phases.knee, null);
  assert.match(a.phases.notes!.join(' '), /load axis is unknown/);
  assert.ok(a.validity.some((v) => v.id === 'not-judged' && /offered load nor the VUs/.test(v.message)));
  assert.ok(a.capacity.maxSustainableRps !== null && a.capacity.maxSustainableRps <= 530);
  assert.match(a.capacity.statement!, /offered load was not recorded/);
});

test('imported-like: no timeline (wrk-style summary only) → one whole-run step, limitations and what was not judged', () => {
  const r = structuredClone(pool);
  r.source = 'wrk';
  r.timeline = [];
  r.watch = {};
  delete r.plan.stages;
  r.limitations = ['wrk records no time series: phases cannot be detected'];
  r.stop = { reason: 'imported' };
  const a = analyze(r);
  assert.equal(a.steps.length, 1);
  assert.equal(a.steps[0]!.percentileSource, 'stage-summary');
  const an = a.analysis!;
  assert.deepEqual(an.diagnoses, []);
  assert.equal(an.usl, null);
  assert.equal(an.phases.knee, null);
  assert.ok(an.validity.some((v) => v.id === 'import-limitation' && v.severity === 'info'));
  assert.ok(an.validity.some((v) => v.id === 'not-judged' && /no time series/.test(v.message)));
  assert.ok(an.capacity.statement!.length > 0);
});

test('imported-like: a summary without the percentile the SLO asks for → capacity not judged, never a 0 taken as a pass', () => {
  const r = structuredClone(pool);
  r.source = 'k6';
  r.timeline = [];
  r.watch = {};
  delete r.plan.stages;
  (r.summary.latencyMs as unknown as Record<string, number | null>).p95 = null;
  r.summary.errors = 0;
  r.summary.errorRate = 0;
  const a = analyze(r);
  assert.equal(a.analysis!.capacity.maxSustainableRps, null);
  assert.match(a.analysis!.capacity.statement!, /could not be judged: the result does not record p\(95\)/);
  // the whole-run row is left out of the step table rather than shown with a missing p95
  assert.equal(a.steps.length, 0);
});

test('imported-like: nothing recorded at all → no steps, capacity not estimated, no throw', () => {
  const r = structuredClone(pool);
  r.timeline = [];
  r.watch = {};
  r.summary = { ...r.summary, requests: 0, errors: 0, errorRate: 0, throughputRps: 0 };
  const an = analyze(r).analysis!;
  assert.equal(an.capacity.maxSustainableRps, null);
  assert.match(an.capacity.statement!, /could not be estimated/);
  assert.deepEqual(an.diagnoses, []);
});

test('analyze is pure: the input is not modified, and a second analysis gives the same document', () => {
  const before = JSON.stringify(pool);
  const a = analyze(pool);
  assert.equal(JSON.stringify(pool), before);
  assert.deepEqual(analyze(a), a);
});

/**
 * A closed model (VUs with think time) computed exactly by mean value analysis: one CPU core with
 * S = 5 ms per request and Z = 45 ms think time saturates at N* = (S + Z)/S = 10 VUs and 200 req/s.
 * No offered rate, no histograms: VUs are the load axis.
 */
function closedModelCase(): Result {
  const S = 5;
  const Z = 45;
  const base = healthyCase();
  const levels = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20];
  const timeline: Result['timeline'] = [];
  const cpu: Array<[number, number]> = [];
  let q = 0;
  let n = 0;
  levels.forEach((vus, li) => {
    let R = 0;
    let X = 0;
    for (; n < vus; ) {
      n++;
      R = S * (1 + q);
      X = n / (R + Z);
      q = X * R;
    }
    for (let s = 0; s < 20; s++) {
      const t = li * 20 + s;
      const rps = Math.round(X * 1000);
      timeline.push({ t, durationSec: 1, offeredRps: null, rps, errors: 0, inFlight: null, vus, latencyMs: { p50: R, p95: 1.6 * R, p99: 2 * R, mean: R } });
      cpu.push([t, Math.min(100, X * S * 100)]);
    }
  });
  return {
    ...base,
    plan: {
      ...base.plan,
      model: 'closed',
      stages: levels.flatMap((v) => [
        { durationSec: 1, target: v },
        { durationSec: 19, target: v },
      ]),
    },
    timeline,
    watch: { 'process.port3000.cpuPct': { unit: '%', points: cpu, watcher: 'process', role: 'app' } },
    summary: { ...base.summary, latencyBasis: 'actual' },
  };
}

test('closed model: VUs are the load axis; USL peak, knee and the CPU diagnosis near the designed 10 VUs / 200 req/s', () => {
  const a = analyze(closedModelCase());
  const an = a.analysis!;
  assert.ok(a.steps.every((s) => s.offeredRps === null && s.percentileSource === 'max-of-intervals'));
  // concurrency of a closed-model step is its VUs
  assert.deepEqual(
    a.steps.slice(0, 3).map((s) => s.concurrency),
    [2, 4, 6],
  );
  assert.ok(an.usl !== null, an.phases.notes!.join(' | '));
  assert.ok(an.phases.knee !== null && an.phases.knee.rps >= 150 && an.phases.knee.rps <= 200, JSON.stringify(an.phases));
  assert.equal(an.diagnoses[0]?.id, 'cpu-bound', JSON.stringify(an.diagnoses));
  assert.match(an.diagnoses[0]!.evidence.join(' '), /per-VU throughput fell/);
});
