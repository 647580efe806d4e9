import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binMeans, median, ranks, spearman, theilSen } from './stats.js';

test('theilSen recovers a line through 20% gross outliers, and its interval holds the true slope', () => {
  const xs = Array.from({ length: 50 }, (_, i) => i);
  const ys = xs.map((x, i) => 3 + 2 * x + (i % 5 === 0 ? 500 : 0) + ((i * 7919) % 13) / 13 - 0.5);
  const r = theilSen(xs, ys)!;
  assert.ok(Math.abs(r.slope - 2) < 0.05, `slope ${r.slope}`);
  assert.ok(r.slopeLow <= 2 && r.slopeHigh >= 2, `interval ${r.slopeLow}..${r.slopeHigh}`);
  assert.ok(r.slopeLow > 1.8 && r.slopeHigh < 2.2);
});

test('theilSen: a flat noisy series has an interval around 0', () => {
  const xs = Array.from({ length: 60 }, (_, i) => i);
  const ys = xs.map((i) => 100 + ((i * 7919) % 17) - 8);
  const r = theilSen(xs, ys)!;
  assert.ok(r.slopeLow <= 0 && r.slopeHigh >= 0, `interval ${r.slopeLow}..${r.slopeHigh}`);
});

test('ranks average ties; spearman is 1 for any increasing relation and −1 for a decreasing one', () => {
  assert.deepEqual(ranks([10, 20, 20, 5]), [2, 3.5, 3.5, 1]);
  const x = [1, 2, 3, 4, 5];
  assert.equal(spearman(x, x.map((v) => v ** 3)), 1);
  assert.equal(spearman(x, x.map((v) => -Math.exp(v))), -1);
  assert.equal(spearman(x, [3, 3, 3, 3, 3]), 0);
});

test('median and binMeans', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  const b = binMeans([0, 1, 2, 3, 4, 5], [0, 10, 20, 30, 40, 50], 3);
  assert.deepEqual(b, { xs: [0.5, 2.5, 4.5], ys: [5, 25, 45] });
});
