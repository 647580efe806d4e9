/**
 * Flags shared by `run` and `quick` that steer the engine.
 */
import { isIP } from 'node:net';
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

/** `--start-at ISO`: an ISO 8601 instant with a time zone (e.g. 2026-12-07T02:00:00Z), or undefined. */
export function parseStartAtFlag(v: string | undefined, nowMs = Date.now()): Date | undefined {
  if (v === undefined) return undefined;
  const zoned = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(v.trim());
  const ms = Date.parse(v);
  if (!zoned || !Number.isFinite(ms)) throw badFlag(`--start-at ${v} is not an ISO 8601 instant with a time zone`, 'write e.g. --start-at 2026-12-07T02:00:00Z', '--start-at');
  if (ms < nowMs - 24 * 3600_000) throw badFlag(`--start-at ${v} is more than a day in the past`, 'give the instant all segments should start at, a little ahead of now', '--start-at');
  return new Date(ms);
}

/** `--local-address IP`: an IPv4 or IPv6 address to send from, or undefined. */
export function parseLocalAddressFlag(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (isIP(v) === 0) throw badFlag(`--local-address ${v} is not an IP address`, 'write e.g. --local-address 127.0.0.2 (an address of this host)', '--local-address');
  return v;
}
