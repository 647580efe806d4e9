import { test } from 'node:test';
import assert from 'node:assert/strict';
import { histogramQuantile } from './histogram-quantile.js';

const b = (pairs: Array<[number, number]>) => pairs.map(([le, count]) => ({ le, count }));

test('interpolates linearly inside the bucket holding the rank (as PromQL histogram_quantile)', () => {
  // 100 observations: 50 in (0, 0.1], 40 in (0.1, 0.5], 10 in (0.5, 1]
  const h = b([
    [0.1, 50],
    [0.5, 90],
    [1, 100],
    [Infinity, 100],
  ]);
  assert.equal(histogramQuantile(0.5, h), 0.1); // rank 50 is the top of the first bucket
  assert.ok(Math.abs(histogramQuantile(0.7, h)! - (0.1 + 0.4 * (20 / 40))) < 1e-12);
  assert.ok(Math.abs(histogramQuantile(0.95, h)! - (0.5 + 0.5 * (5 / 10))) < 1e-12);
  assert.ok(Math.abs(histogramQuantile(0.25, h)! - 0.05) < 1e-12); // first bucket starts at 0
});

test('a rank in the +Inf bucket answers the highest finite bound', () => {
  const h = b([
    [0.1, 1],
    [Infinity, 10],
  ]);
  assert.equal(histogramQuantile(0.99, h), 0.1);
});

test('no observation, no +Inf bucket or a bad q → null; unsorted input and non-monotonic counts are handled', () => {
  assert.equal(histogramQuantile(0.5, b([[0.1, 0], [Infinity, 0]])), null);
  assert.equal(histogramQuantile(0.5, b([[0.1, 3], [1, 5]])), null);
  assert.equal(histogramQuantile(1.5, b([[0.1, 3], [Infinity, 5]])), null);
  const shuffled = b([
    [Infinity, 10],
    [1, 10],
    [0.5, 4], // below its predecessor: treated as 5
    [0.1, 5],
  ]);
  assert.equal(histogramQuantile(0.5, shuffled), 0.1);
  assert.ok(Math.abs(histogramQuantile(0.75, shuffled)! - (0.5 + 0.5 * (2.5 / 5))) < 1e-12);
});
