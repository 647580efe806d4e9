/**
 * What the analysis could not judge from this result, info: said out loud rather than left as
 * missing numbers (imported results often record no time series, no offered load, no histograms).
 */
import type { Result, ValidityNote } from '../../result/types.js';
import type { Evidence } from '../evidence.js';

export function notJudged(result: Result, ev: Evidence): ValidityNote[] {
  const out: ValidityNote[] = [];
  const note = (message: string): void => void out.push({ id: 'not-judged', severity: 'info', message });
  if (!(result.timeline ?? []).length) {
    note('no time series was recorded: the knee, the collapse and the diagnoses that need load steps or trends over time could not be judged; the capacity rests on the whole-run summary.');
  } else if (ev.curve.kind === 'achieved') {
    note('neither the offered load nor the VUs were recorded: whether throughput kept up with the load could not be judged, and no knee can be placed on a load axis.');
  }
  const lvl = ev.steps.filter((s) => s.latencyMs !== null && s.percentileSource === 'max-of-intervals');
  if (lvl.length) {
    note(`${lvl.length} step(s) carried no latency histograms: their percentiles are the worst per-interval values, an upper bound rather than exact.`);
  }
  const watched = ev.series.filter((s) => s.role !== 'generator');
  if (watched.length === 0 && ev.levels.length > 0) {
    note('nothing was watched on the target (CPU, memory, pools, database): diagnoses rest on client-side figures only, and causes that need those signals cannot be named.');
  }
  return out;
}
