import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kneedle } from './kneedle.js';

// Figure 2 of Satopää et al. 2011: ten evenly spaced x on [0, 1], y = −1/(x + 0.1) + 5.
const xs = Array.from({ length: 10 }, (_, i) => i / 9);
const ys = xs.map((x) => -1 / (x + 0.1) + 5);

test('kneedle finds the knee of the paper’s Figure 2 at x = 2/9 ≈ 0.22', () => {
  const r = kneedle(xs, ys, { curve: 'concave', direction: 'increasing', sensitivity: 1 });
  assert.ok(r.knee);
  // within 0.1% of 2/9: with 10 points the knee can only be a sample point
  assert.ok(Math.abs(r.knee.x - 2 / 9) / (2 / 9) < 1e-3, `knee ${r.knee.x}`);
  assert.equal(r.knee.index, 2);
  assert.ok(Math.abs(r.knee.y - (-1 / (2 / 9 + 0.1) + 5)) < 1e-12);
});

test('kneedle transforms: the same knee mirrored into the other three curve shapes', () => {
  // concave decreasing: mirror x (read right to left)
  const xd = xs.map((x) => 1 - x).reverse();
  const yd = [...ys].reverse();
  const r1 = kneedle(xd, yd, { curve: 'concave', direction: 'decreasing' });
  assert.ok(r1.knee);
  assert.ok(Math.abs(r1.knee.x - (1 - 2 / 9)) < 1e-9, `concave decreasing knee ${r1.knee.x}`);
  // convex decreasing: mirror y
  const r2 = kneedle(xs, ys.map((y) => -y), { curve: 'convex', direction: 'decreasing' });
  assert.ok(r2.knee);
  assert.ok(Math.abs(r2.knee.x - 2 / 9) < 1e-9, `convex decreasing knee ${r2.knee.x}`);
  // convex increasing: mirror both
  const r3 = kneedle(xd, yd.map((y) => -y), { curve: 'convex', direction: 'increasing' });
  assert.ok(r3.knee);
  assert.ok(Math.abs(r3.knee.x - (1 - 2 / 9)) < 1e-9, `convex increasing knee ${r3.knee.x}`);
});

test('kneedle finds no knee on a straight line and needs three points', () => {
  assert.equal(kneedle([0, 1, 2, 3, 4], [0, 2, 4, 6, 8]).knee, null);
  assert.equal(kneedle([0, 1], [0, 1]).knee, null);
  assert.equal(kneedle([0, 1, 2], [5, 5, 5]).knee, null);
});

test('kneedle online reports every knee, the last one as the knee', () => {
  // two saturating stages: rises fast, flattens, rises fast again, flattens
  const x = Array.from({ length: 40 }, (_, i) => i);
  const y = x.map((v) => (v < 20 ? 10 * (1 - Math.exp(-v / 2)) : 10 + 10 * (1 - Math.exp(-(v - 20) / 2))));
  const offline = kneedle(x, y, { curve: 'concave', direction: 'increasing' });
  const online = kneedle(x, y, { curve: 'concave', direction: 'increasing', online: true });
  assert.ok(offline.knee && online.knee);
  assert.equal(offline.allKnees.length, 1);
  assert.ok(online.allKnees.length >= 2, `knees ${JSON.stringify(online.allKnees)}`);
  assert.equal(online.allKnees[0]!.x, offline.knee.x);
  assert.equal(online.knee.x, online.allKnees[online.allKnees.length - 1]!.x);
  assert.ok(online.knee.x > 20, `last knee ${online.knee.x}`);
});

test('kneedle rejects x that is not increasing', () => {
  assert.throws(() => kneedle([0, 2, 1], [0, 1, 2]), RangeError);
});
