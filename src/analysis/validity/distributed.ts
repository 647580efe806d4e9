/**
 * Validity of a run merged from N generators (`loadproof merge`; result.distributed). The merged
 * numbers describe the target only if every generator delivered its whole share of the schedule,
 * kept up with it, and started with the others.
 *
 *   `generator-failed` (invalid): a segment has no shard, or its generator was killed (its log has
 *     no end line), interrupted or its own run stopped early, or it fell behind its schedule
 *     (its own `generator-saturated` note is invalid: send lag or CPU, validity/generator.ts,
 *     judged on its shard alone). The note names each such generator (segment, host, file). A
 *     generator only close to its limit gives a `warn` naming it.
 *   `start-skew`: the generators' starts (each on its own clock, from its log header) spread over
 *     Δ ms. A shard's seconds are merged with the others' seconds of the same index, so a spread
 *     of Δ moves that share of the load by Δ relative to the rest. At the plan's peak rate R
 *     (arrivals or VUs per second) the single run's arrivals are 1000/R ms apart:
 *       - invalid when Δ ≥ 250 ms: a quarter of every merged second comes from another instant,
 *         so steps, ramps and spikes are blurred by more than the time resolution a step is
 *         judged at (the analysis leaves out each step's first second);
 *       - warn when Δ > 10 ms and Δ exceeds two arrival gaps (2000/R ms): below either, the skew
 *         reorders at most a couple of arrivals per segment and moves under 1% of a second.
 *     The hosts' clock offsets (NTP: typically a few ms) are not measured here and add to Δ.
 */
import type { Result, ValidityNote } from '../../result/types.js';

export const GENERATOR_FAILED_RULE_ID = 'generator-failed';
export const START_SKEW_RULE_ID = 'start-skew';
/** start spread (ms) at which a merged run is invalid */
export const SKEW_INVALID_MS = 250;
/** start spread (ms) under which it never warns */
export const SKEW_WARN_MS = 10;

/** The plan's peak rate per second (arrivals, or VUs for a closed model); 0 when unknown. */
function peakRate(result: Result): number {
  const stages = result.plan.stages ?? [];
  return stages.reduce((m, s) => Math.max(m, s.target), 0);
}

export function distributedGenerators(result: Result): ValidityNote[] | null {
  const d = result.distributed;
  if (d === undefined) return null;
  const notes: ValidityNote[] = [];
  const failed: string[] = [];
  const close: string[] = [];
  for (const i of d.missingSegments) failed.push(`segment ${i}/${d.segments}: no shard was given (its generator never reported)`);
  for (const g of d.generators) {
    const who = `segment ${g.segment}/${d.segments}${g.host ? ` on ${g.host}` : ''}${g.localAddress ? ` from ${g.localAddress}` : ''} (${g.file})`;
    if (g.ended === 'killed') failed.push(`${who} was killed after ${g.durationSec}s: its log has no end line`);
    else if (g.ended !== 'completed') failed.push(`${who} ended ${g.ended} after ${g.durationSec}s`);
    if (g.validity?.severity === 'invalid') failed.push(`${who} fell behind: ${g.validity.message.replace(/^the load generator fell behind: /, '').replace(/\. The numbers describe.*$/, '')}`);
    else if (g.validity?.severity === 'warn') close.push(who);
  }
  if (failed.length) {
    notes.push({
      id: GENERATOR_FAILED_RULE_ID,
      severity: 'invalid',
      message: `${failed.length} of ${d.segments} generators did not deliver their share of the load: ${failed.join('; ')}. The merged numbers miss that share — rerun (all segments) once the generator is fixed.`,
    });
  } else if (close.length) {
    notes.push({
      id: GENERATOR_FAILED_RULE_ID,
      severity: 'warn',
      message: `${close.length} of ${d.segments} generators were close to their limit: ${close.join('; ')}. The merged numbers are usable.`,
    });
  }
  const spread = d.startSpreadMs;
  const rate = peakRate(result);
  const gapMs = rate > 0 ? 1000 / rate : Infinity;
  const starts = d.startAt ? `around the requested ${d.startAt}` : 'without --start-at';
  if (spread >= SKEW_INVALID_MS) {
    notes.push({
      id: START_SKEW_RULE_ID,
      severity: 'invalid',
      message: `the ${d.segments} generators started ${Math.round(spread)} ms apart (${starts}): the merged seconds add up load from different instants — start every segment with the same --start-at, on hosts whose clocks are synchronised.`,
    });
  } else if (spread > SKEW_WARN_MS && spread > 2 * gapMs) {
    notes.push({
      id: START_SKEW_RULE_ID,
      severity: 'warn',
      message: `the ${d.segments} generators started ${Math.round(spread)} ms apart (${starts}); at the plan's peak of ${rate}/s that shifts ${Math.round(spread / gapMs)} arrivals' worth of each segment's load between merged seconds.`,
    });
  }
  return notes;
}
