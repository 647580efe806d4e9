import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binMeans, median, rankAgreement, ranks, spearman, theilSen } from './stats.js';

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

test('rankAgreement: zero until a threshold is as monotone as the ties allow; a fall is not', () => {
  const loads = [40, 55, 70, 85, 100, 115];
  const errs = [0, 0, 0, 0, 0, 0.63];
  const a = rankAgreement(loads, errs);
  // 5 tied zeros and one top value: ρ = 0.655 (average ranks 3 and 6 against 1..6), the most they allow
  assert.ok(Math.abs(a.rho - 0.6547) < 1e-3, `rho ${a.rho}`);
  assert.ok(Math.abs(a.best - a.rho) < 1e-12);
  assert.equal(a.relative, 1);
  // the same errors at the lowest load instead: ρ negative, relative negative
  assert.ok(rankAgreement(loads, [0.63, 0, 0, 0, 0, 0]).relative < 0);
  // errors at a middle load only: ρ well under its best
  const mid = rankAgreement(loads, [0, 0, 0.63, 0, 0, 0]);
  assert.ok(mid.relative < 0.3, `relative ${mid.relative}`);
  // without ties relative is plain ρ; without variance it is 0
  assert.equal(rankAgreement([1, 2, 3, 4], [1, 3, 2, 4]).relative, spearman([1, 2, 3, 4], [1, 3, 2, 4]));
  assert.equal(rankAgreement([1, 2, 3], [0, 0, 0]).relative, 0);
});

test('median and binMeans', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  const b = binMeans([0, 1, 2, 3, 4, 5], [0, 10, 20, 30, 40, 50], 3);
  assert.deepEqual(b, { xs: [0.5, 2.5, 4.5], ys: [5, 25, 45] });
});
