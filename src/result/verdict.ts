/**
 * The verdict of a result and its exit code, decided in one place.
 *
 * Precedence: aborted (the incident guard stopped the run) > invalid (the numbers describe the
 * generator, or too few samples) > fail (a criterion failed) > pass. An aborted run is still
 * analysed and reported; its exit code is 3 whatever the criteria say.
 */
import { ExitCode, type ExitCodeValue } from '../errors.js';
import type { Result, Verdict } from './types.js';

export function verdictOf(result: Pick<Result, 'stop' | 'criteria' | 'analysis'>): Verdict {
  if (result.stop?.reason === 'aborted') return 'aborted';
  if (result.analysis?.validity.some((v) => v.severity === 'invalid')) return 'invalid';
  if (result.criteria.some((c) => !c.pass)) return 'fail';
  return 'pass';
}

export function exitCodeFor(verdict: Verdict): ExitCodeValue {
  switch (verdict) {
    case 'pass':
      return ExitCode.ok;
    case 'fail':
      return ExitCode.criterionFailed;
    case 'aborted':
      return ExitCode.aborted;
    case 'invalid':
      return ExitCode.invalid;
  }
}

/** How the hypothesis fared, in words for reports: held / refuted / invalid / aborted. */
export function hypothesisOutcome(verdict: Verdict): 'held' | 'refuted' | 'invalid' | 'aborted' {
  return verdict === 'pass' ? 'held' : verdict === 'fail' ? 'refuted' : verdict;
}
