/**
 * What every rule returns, built one way. A rule's confidence is a weighted sum of signal
 * strengths in 0..1 (each rule's doc comment gives its weights), gated by the signals the symptom
 * cannot do without; below MIN_CONFIDENCE a rule stays silent rather than name a weak cause, and
 * no finding scores above MAX_CONFIDENCE.
 */
import type { Diagnosis, DiagnosisId } from '../../result/types.js';

export const MIN_CONFIDENCE = 0.25;
/** No finding is certain: a load test shows signals moving together, not proof of a cause. */
export const MAX_CONFIDENCE = 0.95;

export function diagnosis(
  id: DiagnosisId,
  title: string,
  confidence: number,
  evidence: string[],
  recommendation: string,
  handoff: Diagnosis['handoff'],
): Diagnosis | null {
  const c = Math.round(Math.min(MAX_CONFIDENCE, Math.max(0, confidence)) * 100) / 100;
  if (!(c >= MIN_CONFIDENCE)) return null;
  return { id, title, confidence: c, evidence, recommendation, handoff };
}
