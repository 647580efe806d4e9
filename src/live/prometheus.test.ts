import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHistogram, recordUs } from '../metrics/histogram.js';
import { addToBuckets, BUCKETS_SEC } from './prometheus.js';

test('classic buckets from an HdrHistogram: each value under the first bound at or above it (to 0.1%)', () => {
  const h = createHistogram();
  // values away from the bounds by more than the histogram's 0.1% precision
  const values = [200, 900, 2_000, 4_000, 7_000, 20_000, 40_000, 90_000, 240_000, 400_000, 700_000, 1_500_000, 3_000_000, 9_000_000, 70_000_000];
  for (let i = 0; i < values.length; i++) for (let k = 0; k <= i; k++) recordUs(h, values[i]!);
  const bounds = BUCKETS_SEC.map((s) => s * 1e6);
  const buckets = new Array<number>(bounds.length + 1).fill(0);
  const sum = addToBuckets(h, buckets, bounds);
  const expected = new Array<number>(bounds.length + 1).fill(0);
  let exactSum = 0;
  values.forEach((v, i) => {
    const b = bounds.findIndex((x) => v <= x);
    expected[b < 0 ? bounds.length : b]! += i + 1;
    exactSum += v * (i + 1);
  });
  assert.deepEqual(buckets, expected);
  assert.ok(Math.abs(sum - exactSum) / exactSum < 0.001, `sum ${sum} vs ${exactSum}`);
});

test('a value exactly on a bound is counted under it (le is inclusive)', () => {
  const h = createHistogram();
  recordUs(h, 5_000);
  recordUs(h, 1_000_000);
  const bounds = BUCKETS_SEC.map((s) => s * 1e6);
  const buckets = new Array<number>(bounds.length + 1).fill(0);
  addToBuckets(h, buckets, bounds);
  assert.equal(buckets[bounds.indexOf(5_000)], 1);
  assert.equal(buckets[bounds.indexOf(1_000_000)], 1);
});
