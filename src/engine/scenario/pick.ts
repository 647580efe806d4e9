/**
 * Weighted scenario choice in O(1) per pick: Vose's alias method.
 *
 * Setup splits the n weights into n columns of height 1; column i keeps probability `prob[i]` of
 * its own index and gives the rest to `alias[i]`. A pick draws one uniform u in [0, 1):
 * column = floor(u·n), and the fractional part f = u·n − column decides own (f < prob) or alias.
 * One draw, one multiply, two array reads — no allocation, no search.
 */
import { LoadproofError } from '../../errors.js';
import type { Rng } from '../rng.js';

/** Returns a function that picks an index with probability weight[i] / Σ weights. */
export function createPicker(weights: readonly number[], rng: Rng = Math.random): () => number {
  const n = weights.length;
  if (n === 0) throw new LoadproofError('LP_PLAN_INVALID', 'no scenarios to choose from', { where: 'scenarios' });
  weights.forEach((w, i) => {
    if (!(Number.isFinite(w) && w > 0)) {
      throw new LoadproofError('LP_PLAN_INVALID', `weight must be a positive number, got ${w}`, { where: `scenarios.${i}.weight` });
    }
  });
  if (n === 1) return () => 0;

  const total = weights.reduce((a, b) => a + b, 0);
  const prob = new Float64Array(n);
  const alias = new Uint32Array(n);
  // scaled[i] = weight share × n: the mean column height is exactly 1.
  const scaled = weights.map((w) => (w * n) / total);
  const small: number[] = [];
  const large: number[] = [];
  scaled.forEach((s, i) => (s < 1 ? small : large).push(i));
  while (small.length && large.length) {
    const s = small.pop()!;
    const l = large.pop()!;
    prob[s] = scaled[s]!;
    alias[s] = l;
    scaled[l] = scaled[l]! + scaled[s]! - 1;
    (scaled[l]! < 1 ? small : large).push(l);
  }
  // Leftovers are 1 up to rounding error: they keep their whole column.
  for (const i of large) prob[i] = 1;
  for (const i of small) prob[i] = 1;

  return () => {
    const x = rng() * n;
    const column = x | 0;
    return x - column < prob[column]! ? column : alias[column]!;
  };
}
