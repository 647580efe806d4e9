import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateCurve } from './rate-curve.js';
import { ArrivalSchedule, totalArrivals } from './arrivals.js';

const S = 1000;

function all(stages: Array<{ durationMs: number; target: number }>, opts: ConstructorParameters<typeof ArrivalSchedule>[1] = {}): number[] {
  const s = new ArrivalSchedule(stages, opts);
  const out: number[] = [];
  for (let t = s.next(); t !== Infinity; t = s.next()) out.push(t);
  return out;
}

test('constant rate: arrival n at n/R exactly, count = R × duration', () => {
  const t = all([{ durationMs: 2 * S, target: 10 }].map((x) => x), {});
  // a single stage ramps from 0: use a zero-length jump first for a constant rate
  const c = all([
    { durationMs: 0, target: 10 },
    { durationMs: 2 * S, target: 10 },
  ]);
  assert.equal(c.length, 20);
  assert.deepEqual(c.slice(0, 4), [0, 100_000, 200_000, 300_000]);
  assert.equal(c[19], 1_900_000);
  assert.ok(t.length > 0);
});

test('linear ramp 0→R over D: A(t) = R t²/(2D), arrival n at sqrt(2nD/R)', () => {
  const D = 10;
  const R = 100;
  const arr = all([{ durationMs: D * S, target: R }]);
  // A(D) = R·D/2 = 500 arrivals
  assert.equal(arr.length, 500);
  for (const n of [0, 1, 2, 50, 499]) {
    const expected = Math.round(Math.sqrt((2 * n * D) / R) * 1e6);
    assert.equal(arr[n], expected, `arrival ${n}`);
  }
  // the rate grows: gaps shrink
  assert.ok(arr[10]! - arr[9]! > arr[400]! - arr[399]!);
});

test('ramp down R→0 and piecewise stages: cumulative counts match the integral', () => {
  const stages = [
    { durationMs: 0, target: 50 },
    { durationMs: 4 * S, target: 50 }, // 200
    { durationMs: 2 * S, target: 150 }, // (50+150)/2·2 = 200
    { durationMs: 3 * S, target: 0 }, // 150/2·3 = 225
  ];
  const arr = all(stages);
  assert.equal(arr.length, 625);
  assert.equal(totalArrivals(stages), 625);
  const curve = new RateCurve(stages);
  // every arrival n sits exactly where the cumulative count reaches n
  for (let n = 0; n < arr.length; n += 37) {
    assert.ok(Math.abs(curve.cumulative(arr[n]! / 1e6) - n) < 1e-3, `A(t_${n}) = ${n}`);
  }
  // stage boundaries: arrival 200 is the first of stage 2, at 4 s exactly
  assert.equal(arr[200], 4_000_000);
  // monotone
  for (let i = 1; i < arr.length; i++) assert.ok(arr[i]! >= arr[i - 1]!);
  assert.ok(arr[arr.length - 1]! < 9_000_000);
});

test('ramp down closes exactly: the last arrival is before the end', () => {
  const arr = all([
    { durationMs: 0, target: 10 },
    { durationMs: 10 * S, target: 0 },
  ]);
  // A(10) = 10·10/2 = 50
  assert.equal(arr.length, 50);
  // A⁻¹(n) on r(t) = 10 − t: 10τ − τ²/2 = n → τ = 10 − sqrt(100 − 2n)
  for (const n of [0, 1, 25, 49]) assert.equal(arr[n], Math.round((10 - Math.sqrt(100 - 2 * n)) * 1e6));
});

test('zero-rate stages have no arrivals and are skipped', () => {
  const arr = all([
    { durationMs: 0, target: 10 },
    { durationMs: 1 * S, target: 10 },
    { durationMs: 0, target: 0 },
    { durationMs: 2 * S, target: 0 },
    { durationMs: 0, target: 10 },
    { durationMs: 1 * S, target: 10 },
  ]);
  assert.equal(arr.length, 20);
  assert.equal(arr[9], 900_000);
  assert.equal(arr[10], 3_000_000);
});

test('split across workers: the union is the whole schedule, disjoint, for constant and Poisson', () => {
  const stages = [
    { durationMs: 3 * S, target: 200 },
    { durationMs: 2 * S, target: 200 },
    { durationMs: 1 * S, target: 50 },
  ];
  for (const arrivals of ['constant', 'poisson'] as const) {
    const whole = all(stages, { arrivals, seed: 7 });
    for (const W of [2, 3, 5]) {
      const parts: number[] = [];
      for (let w = 0; w < W; w++) {
        const mine = all(stages, { arrivals, seed: 7, worker: w, workers: W });
        // worker w owns arrivals w, w+W, …
        mine.forEach((t, i) => assert.equal(t, whole[w + i * W]));
        parts.push(...mine);
      }
      parts.sort((a, b) => a - b);
      assert.deepEqual(parts, whole, `${arrivals}, ${W} workers`);
    }
  }
});

test('Poisson arrivals: seeded (same seed, same schedule), mean rate follows the curve', () => {
  const stages = [
    { durationMs: 0, target: 1000 },
    { durationMs: 20 * S, target: 1000 },
  ];
  const a = all(stages, { arrivals: 'poisson', seed: 42 });
  const b = all(stages, { arrivals: 'poisson', seed: 42 });
  const c = all(stages, { arrivals: 'poisson', seed: 43 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  // 20,000 expected; a Poisson count has sd √20000 ≈ 141: 5 sd = 707
  assert.ok(Math.abs(a.length - 20_000) < 707, `count ${a.length}`);
  // gaps are exponential: coefficient of variation ≈ 1 (constant arrivals: 0)
  const gaps = a.slice(1).map((t, i) => t - a[i]!);
  const mean = gaps.reduce((x, y) => x + y, 0) / gaps.length;
  const sd = Math.sqrt(gaps.reduce((x, g) => x + (g - mean) ** 2, 0) / gaps.length);
  assert.ok(Math.abs(sd / mean - 1) < 0.05, `cv ${sd / mean}`);
});

test('Poisson on a ramp keeps the ramp: the second half holds 3/4 of the arrivals', () => {
  const a = all([{ durationMs: 10 * S, target: 2000 }], { arrivals: 'poisson', seed: 1 });
  // A(t) ∝ t²: A(5)/A(10) = 1/4
  const firstHalf = a.filter((t) => t < 5_000_000).length;
  assert.ok(Math.abs(firstHalf / a.length - 0.25) < 0.02, `share ${firstHalf / a.length}`);
});

test('rate curve: rateAt, stageAt and expectedBetween', () => {
  const c = new RateCurve([
    { durationMs: 2 * S, target: 100 },
    { durationMs: 0, target: 300 },
    { durationMs: 2 * S, target: 300 },
  ]);
  assert.equal(c.durationSec, 4);
  assert.equal(c.rateAt(1), 50);
  assert.equal(c.rateAt(3), 300);
  assert.equal(c.rateAt(5), 0);
  assert.equal(c.stageAt(1.5), 0);
  assert.equal(c.stageAt(2), 2); // the zero-length stage is never current
  assert.equal(c.expectedBetween(0, 1), 25);
  assert.equal(c.expectedBetween(2, 3), 300);
  assert.equal(c.totalExpected, 700);
});
