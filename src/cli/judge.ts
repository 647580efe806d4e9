/**
 * The verdict of a run before the full analysis is wired in: the stop reason, the generator's
 * validity rule and the criteria. Kept in one small function so that `run` can switch to the
 * analysis (`analyze()` filling `result.analysis`, whose validity notes `verdictOf` reads) in one
 * place.
 */
import { generatorSaturation } from '../analysis/validity/generator.js';
import type { Result, ValidityNote } from '../result/types.js';
import { verdictOf } from '../result/verdict.js';

/** Sets `result.verdict`; returns the validity notes it used (for the summary). */
export function judge(result: Result): ValidityNote[] {
  const notes: ValidityNote[] = [];
  const g = generatorSaturation(result);
  if (g !== null) notes.push(g);
  if (result.analysis !== null) {
    // the analysis ran: its validity list gets the generator note when it lacks one
    for (const n of notes) if (!result.analysis.validity.some((v) => v.id === n.id)) result.analysis.validity.push(n);
    result.verdict = verdictOf(result);
    return result.analysis.validity;
  }
  if (result.stop?.reason === 'aborted') result.verdict = 'aborted';
  else if (notes.some((n) => n.severity === 'invalid')) result.verdict = 'invalid';
  else result.verdict = verdictOf(result);
  return notes;
}
