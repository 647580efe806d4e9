/**
 * compareRuns on synthetic runs (test/helpers/synthetic-results.ts: a simulated service recorded the
 * way the engine records, one HdrHistogram per second): the same service twice gives no verdict of
 * change, a 30% slower service is a regression with an interval that excludes zero, a small real
 * change under the minimum effect is not, and differing plans or an invalid run get no verdict.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../analysis/analyze.js';
import type { Result } from '../result/types.js';
import { buildResult, simulate, steps, type Stage } from '../../test/helpers/synthetic-results.js';
import { chooseBlockLength } from './bootstrap.js';
import { compareRuns } from './compare.js';
import { runRecordOf, type ComparableRun } from './run-record.js';
import { overallSecondsOf } from './seconds.js';

const STAGES: Stage[] = [{ durationSec: 40, target: 100 }];

/** A service whose requests take `baseMs` × a lognormal-ish factor; `seed` varies the noise. */
function service(baseMs: number, seed: number, stages = STAGES, name = 'svc'): Result {
  const sim = simulate({
    stages,
    servers: Infinity,
    seed,
    request: (_t, _r, rnd) => ({ serviceMs: baseMs * Math.exp(0.4 * (rnd() + rnd() + rnd() - 1.5)) }),
  });
  return analyze(buildResult(sim, stages, { name, pattern: 'load' }));
}

function comparable(r: Result, label: string): ComparableRun {
  return { record: runRecordOf(r, {}), seconds: { overall: overallSecondsOf(r), endpoints: {} }, label };
}

const metric = (c: ReturnType<typeof compareRuns>, m: string) => c.overall.metrics.find((d) => d.metric === m)!;

test('A/A: the same service twice (different noise) → no significant change, intervals straddle zero', () => {
  const c = compareRuns(comparable(service(20, 1), 'A'), comparable(service(20, 2), 'B'), { replicates: 400 });
  assert.equal(c.comparable, true);
  assert.equal(c.verdict, 'no significant change', c.statement);
  for (const m of ['p50', 'p95', 'p99']) {
    const d = metric(c, m);
    assert.ok(d.ci !== null && d.ci[0] < 0.05 && d.ci[1] > -0.05, `${m} ${JSON.stringify(d)}`);
    assert.equal(d.significant, false);
  }
});

test('A/B: a service 30% slower per request → regression, p50 change ≈ +30% inside its interval', () => {
  const c = compareRuns(comparable(service(20, 1), 'A'), comparable(service(26, 2), 'B'), { replicates: 400 });
  assert.equal(c.verdict, 'regression', c.statement);
  const p50 = metric(c, 'p50');
  assert.equal(p50.direction, 'worse');
  assert.ok(p50.change! > 0.2 && p50.change! < 0.4, JSON.stringify(p50));
  assert.ok(p50.ci![0] > 0 && p50.ci![0] <= p50.change! && p50.change! <= p50.ci![1], JSON.stringify(p50));
  assert.match(c.statement, /^Regression: p50 \+/);
  // and the other way round it is an improvement
  const back = compareRuns(comparable(service(26, 2), 'A'), comparable(service(20, 1), 'B'), { replicates: 400 });
  assert.equal(back.verdict, 'improvement', back.statement);
});

test('a real change below the minimum effect is not a verdict; lowering --min-effect makes it one', () => {
  // 3% slower, 40 s at 100 req/s: the interval excludes zero but the change is under 5%
  const a = comparable(service(20, 1), 'A');
  const b = comparable(service(20.6, 1), 'B');
  const c = compareRuns(a, b, { replicates: 400 });
  const p50 = metric(c, 'p50');
  assert.ok(p50.ci![0] > 0, `interval should exclude zero: ${JSON.stringify(p50)}`);
  assert.equal(p50.significant, false);
  assert.equal(c.verdict, 'no significant change', c.statement);
  const strict = compareRuns(a, b, { replicates: 400, minEffect: 0.02 });
  assert.equal(strict.verdict, 'regression', strict.statement);
});

test('different plans, or an invalid run: figures compared but no verdict, and the reason given', () => {
  const other = compareRuns(comparable(service(20, 1), 'A'), comparable(service(20, 2, [{ durationSec: 40, target: 150 }]), 'B'), { replicates: 100 });
  assert.equal(other.comparable, false);
  assert.equal(other.verdict, null);
  assert.match(other.statement, /^No verdict: the plans differ/);
  assert.ok(metric(other, 'p95').a !== null);

  const bad = service(20, 2);
  bad.verdict = 'invalid';
  bad.analysis!.validity.push({ id: 'generator-saturated', severity: 'invalid', message: 'x' });
  const inv = compareRuns(comparable(service(20, 1), 'A'), comparable(bad, 'B'), { replicates: 100 });
  assert.equal(inv.verdict, null);
  assert.match(inv.statement, /B is invalid \(generator-saturated\)/);
});

test('capacity: a breakpoint whose pool saturates earlier in B → capacity down, with an interval', () => {
  const held = steps([50, 100, 150, 200], 10, 1);
  const run = (servers: number, seed: number): Result => {
    const sim = simulate({ stages: held, servers, seed, request: (_t, _r, rnd) => ({ serviceMs: 40 * (0.9 + 0.2 * rnd()) }) });
    return analyze(buildResult(sim, held, { name: 'bp', pattern: 'breakpoint' }));
  };
  // 40 ms per request: 10 servers carry 250 req/s (every step meets the SLO), 5 servers 125 req/s
  // (from 150 req/s the queue grows without bound and p95 passes 200 ms)
  const a = run(10, 1);
  const b = run(5, 2);
  assert.ok(a.steps.length >= 2 && b.steps.length >= 2, `steps: ${a.steps.length}, ${b.steps.length}`);
  const c = compareRuns(comparable(a, 'A'), comparable(b, 'B'), { replicates: 200 });
  const cap = metric(c, 'capacity');
  assert.ok(cap.a !== null && cap.b !== null && cap.b < cap.a, JSON.stringify(cap));
  assert.ok(cap.ci !== null && cap.ci[1] < 0, JSON.stringify(cap));
  assert.equal(cap.direction, 'worse');
  assert.equal(c.verdict, 'regression');
});

test('block length: ⌈n^(1/3)⌉ for uncorrelated seconds, longer when seconds are correlated', () => {
  let x = 1;
  const rnd = (): number => {
    x = (x * 48271) % 2147483647;
    return x / 2147483647;
  };
  const white = Array.from({ length: 125 }, () => rnd());
  assert.equal(chooseBlockLength(white).length, 5);
  // AR(1) with φ = 0.95: correlation lasts tens of seconds
  const ar: number[] = [];
  let v = 0;
  for (let i = 0; i < 125; i++) ar.push((v = 0.95 * v + (rnd() - 0.5)));
  const L = chooseBlockLength(ar);
  assert.ok(L.length > 5 && L.length <= 41, JSON.stringify(L));
  assert.equal(chooseBlockLength([1, 2]).length, 1);
});

test('the run-to-run spread of earlier runs widens the intervals: an 8% shift inside ±10% run-to-run noise is no verdict', () => {
  const a = comparable(service(20, 1), 'A');
  const b = comparable(service(21.6, 1), 'B');
  const within = compareRuns(a, b, { replicates: 300 });
  assert.equal(within.verdict, 'regression', within.statement);
  assert.equal(within.runToRun, null);
  // five earlier runs of the same plan whose p50 wandered ±10% from run to run
  const earlier = [0.9, 1.1, 0.95, 1.05, 1.0].map((f, i) => ({ ...runRecordOf(service(20 * f, 10 + i), { id: i + 1 }) }));
  const widened = compareRuns(a, b, { replicates: 300, history: earlier });
  assert.equal(widened.runToRun?.runs, 5);
  assert.ok(widened.runToRun!.sdLog.p50! > 0.05 && widened.runToRun!.sdLog.p50! < 0.12, JSON.stringify(widened.runToRun));
  const p50 = metric(widened, 'p50');
  const p50w = metric(within, 'p50');
  assert.ok(p50.ci![0] < p50w.ci![0] && p50.ci![1] > p50w.ci![1], `wider: ${JSON.stringify(p50.ci)} vs ${JSON.stringify(p50w.ci)}`);
  assert.ok(p50.ci![0] < 0, JSON.stringify(p50));
  assert.equal(widened.verdict, 'no significant change', widened.statement);
  // a 30% slowdown still stands out of that noise
  const slow = compareRuns(a, comparable(service(26, 1), 'B'), { replicates: 300, history: earlier });
  assert.equal(slow.verdict, 'regression', slow.statement);
  // runs of another plan do not count
  const otherPlan = [0.9, 1.1, 0.95].map((f, i) => runRecordOf(service(20 * f, 20 + i, STAGES, 'other'), { id: 50 + i }));
  assert.equal(compareRuns(a, b, { replicates: 50, history: otherPlan }).runToRun, null);
});
