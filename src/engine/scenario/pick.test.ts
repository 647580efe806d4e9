import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPicker } from './pick.js';
import { mulberry32 } from '../rng.js';
import { LoadproofError } from '../../errors.js';

function shares(weights: number[], picks: number, seed: number): number[] {
  const pick = createPicker(weights, mulberry32(seed));
  const counts = new Array<number>(weights.length).fill(0);
  for (let i = 0; i < picks; i++) counts[pick()]!++;
  return counts.map((c) => c / picks);
}

test('100k picks match the weights within 1 percentage point', () => {
  for (const weights of [[3, 1], [1, 2, 3, 4], [0.5, 10, 0.25, 7, 1], [1, 1, 1]]) {
    const total = weights.reduce((a, b) => a + b, 0);
    const got = shares(weights, 100_000, 12345);
    // binomial sd of a share at n=100k is at most 0.0016: 0.01 is > 6 sigma
    got.forEach((g, i) => assert.ok(Math.abs(g - weights[i]! / total) < 0.01, `weights ${weights}: index ${i} got ${g}`));
  }
});

test('a tiny weight is still picked about as often as it should be', () => {
  const got = shares([1, 999], 200_000, 3);
  // expected 0.001 (200 picks, sd ≈ 14): 0.0005..0.0015 is > 7 sigma wide
  assert.ok(got[0]! > 0.0005 && got[0]! < 0.0015, `got ${got[0]}`);
});

test('the same seed picks the same sequence', () => {
  const a = createPicker([3, 1, 2], mulberry32(9));
  const b = createPicker([3, 1, 2], mulberry32(9));
  assert.deepEqual(Array.from({ length: 50 }, a), Array.from({ length: 50 }, b));
});

test('one scenario always picks 0; bad weights are plan errors', () => {
  assert.equal(createPicker([5])(), 0);
  assert.throws(() => createPicker([]), LoadproofError);
  assert.throws(() => createPicker([1, 0]), (e: LoadproofError) => e.where === 'scenarios.1.weight');
  assert.throws(() => createPicker([1, Number.NaN]), LoadproofError);
});
