import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveSeed, mulberry32, randomIntInclusive } from './rng.js';

test('mulberry32 is deterministic per seed and differs between seeds', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const c = mulberry32(43);
  const sa = Array.from({ length: 5 }, a);
  assert.deepEqual(sa, Array.from({ length: 5 }, b));
  assert.notDeepEqual(sa, Array.from({ length: 5 }, c));
});

test('mulberry32 draws lie in [0, 1) with a uniform mean and spread', () => {
  const r = mulberry32(7);
  const n = 100_000;
  let sum = 0;
  const buckets = new Array<number>(10).fill(0);
  for (let i = 0; i < n; i++) {
    const x = r();
    assert.ok(x >= 0 && x < 1);
    sum += x;
    buckets[Math.floor(x * 10)]!++;
  }
  // mean of U(0,1) is 0.5 with standard error 0.29/sqrt(n) ≈ 0.0009: 0.005 is > 5 sigma
  assert.ok(Math.abs(sum / n - 0.5) < 0.005, `mean ${sum / n}`);
  // each decile expects 10,000 ± 95 (binomial sd): 500 is > 5 sigma
  for (const b of buckets) assert.ok(Math.abs(b - n / 10) < 500, `bucket ${b}`);
});

test('randomIntInclusive covers both ends and nothing outside', () => {
  const r = mulberry32(1);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const v = randomIntInclusive(r, 3, 6);
    assert.ok(v >= 3 && v <= 6 && Number.isInteger(v));
    seen.add(v);
  }
  assert.deepEqual([...seen].sort(), [3, 4, 5, 6]);
});

test('deriveSeed gives distinct, stable seeds', () => {
  const seeds = new Set(Array.from({ length: 1000 }, (_, i) => deriveSeed(99, i)));
  assert.equal(seeds.size, 1000);
  assert.equal(deriveSeed(99, 5), deriveSeed(99, 5));
});
