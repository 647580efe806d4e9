/**
 * A small seeded pseudo-random generator, so that scenario choice, think times and Poisson
 * arrivals can be replayed exactly from a seed (tests, and `--seed` runs).
 *
 * mulberry32 (Tommy Ettinger, public domain): a 32-bit state, one multiply-xorshift round per
 * draw, full period 2^32, passes gjrand/PractRand to 2^32 outputs — plenty for load generation,
 * not for cryptography. About 3 ns per draw on V8, as cheap as `Math.random`.
 */

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/** A seeded generator; the same seed gives the same sequence. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Derives independent seeds for workers or VUs from one run seed (splitmix32-style mixing), so
 * that worker 3 of a seeded run draws the same sequence every time without sharing state.
 */
export function deriveSeed(seed: number, index: number): number {
  let z = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** A uniform integer in [min, max] (both inclusive). */
export function randomIntInclusive(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}
