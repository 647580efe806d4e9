/**
 * Validity: can the numbers be trusted to describe the target? An explicit list of checks, one
 * small file each under validity/. Each returns notes with a severity — `invalid` makes the
 * verdict invalid (exit 4), `warn` is shown before the numbers, `info` says what was not judged.
 *
 * A check is `(result, evidence) => note | notes | null`; a check that needs only the result (such
 * as the engine's generator-saturation check, validity/generator.ts) fits the same list.
 */
import type { Result, ValidityNote } from '../result/types.js';
import type { Evidence } from './evidence.js';
import { achievedBelowOffered } from './validity/achieved-offered.js';
import { generatorSaturation } from './validity/generator.js';
import { distributedGenerators } from './validity/distributed.js';
import { coordinatedOmission } from './validity/coordinated-omission.js';
import { importLimitations } from './validity/imported.js';
import { littlesLaw } from './validity/littles-law.js';
import { notJudged } from './validity/not-judged.js';
import { runLength } from './validity/run-length.js';
import { sampleSize } from './validity/sample-size.js';
import { untested } from './validity/untested.js';

export type ValidityCheck = (result: Result, ev: Evidence) => ValidityNote | ValidityNote[] | null;

/** Every check, most severe kinds first. */
export const VALIDITY_CHECKS: readonly ValidityCheck[] = [
  untested,
  generatorSaturation,
  distributedGenerators,
  sampleSize,
  coordinatedOmission,
  achievedBelowOffered,
  littlesLaw,
  runLength,
  importLimitations,
  notJudged,
];

const RANK = { invalid: 0, warn: 1, info: 2 } as const;

/** Runs every check; notes ordered invalid, warn, info (stable within a severity). */
export function checkValidity(result: Result, ev: Evidence, checks: readonly ValidityCheck[] = VALIDITY_CHECKS): ValidityNote[] {
  const out: ValidityNote[] = [];
  for (const check of checks) {
    const r = check(result, ev);
    if (r === null) continue;
    if (Array.isArray(r)) out.push(...r);
    else out.push(r);
  }
  return out.map((n, i) => [n, i] as const).sort((a, b) => RANK[a[0].severity] - RANK[b[0].severity] || a[1] - b[1]).map(([n]) => n);
}
