/**
 * Flags shared by `run` and `quick` that steer the engine.
 */
import { badFlag } from '../errors.js';

/** `--workers N`: a positive integer (at most 64), or undefined for the default. */
export function parseWorkersFlag(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw badFlag(`--workers ${v} is not a whole number from 1 to 64`, 'write e.g. --workers 2', '--workers');
  return n;
}

/** `--seed N`: a non-negative integer below 2^32, or undefined for a random seed. */
export function parseSeedFlag(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32) throw badFlag(`--seed ${v} is not a whole number from 0 to 4294967295`, 'write e.g. --seed 42', '--seed');
  return n;
}
