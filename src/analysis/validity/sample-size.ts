/**
 * Too few samples for the percentile asked. A p-th percentile needs at least 1/(1 − p/100)
 * samples to be more than the maximum (p95: 20, p99: 100, p99.9: 1000).
 *   invalid  a criterion (the verdict rests on it) judged from fewer samples than that
 *   warn     load levels whose p95/p99 (used for capacity) came from fewer samples
 */
import type { Result, ValidityNote } from '../../result/types.js';
import { parseMetricKey, parseThreshold } from '../../plan/thresholds.js';
import type { Evidence } from '../evidence.js';
import * as w from '../wording.js';

/** Samples needed for a percentile p (0..100) to be more than the maximum. */
export function samplesNeeded(p: number): number {
  return p >= 100 ? Infinity : Math.ceil(1 / (1 - p / 100) - 1e-9);
}

export function sampleSize(result: Result, ev: Evidence): ValidityNote[] {
  const notes: ValidityNote[] = [];
  for (const c of result.criteria ?? []) {
    const key = parseMetricKey(c.metric);
    if (typeof key === 'string' || key.type !== 'trend') continue;
    const e = parseThreshold(c.condition, 'trend');
    if (typeof e === 'string' || e.aggregation.kind !== 'percentile') continue;
    const need = samplesNeeded(e.aggregation.p);
    let n = result.summary?.requests ?? 0;
    let what = 'the run';
    if (key.tag) {
      const ep = (result.endpoints ?? []).find((x) => x.name === key.tag!.value || x.scenario === key.tag!.value);
      if (!ep) continue;
      n = ep.requests;
      what = `${key.tag.key} ${key.tag.value}`;
    }
    if (n < need) {
      notes.push({
        id: 'too-few-samples',
        severity: 'invalid',
        message: `${c.metric} ${c.condition} is judged from ${n} requests of ${what}: a p(${e.aggregation.p}) needs at least ${need} to mean more than the slowest request — run longer or at a higher rate.`,
      });
    }
  }
  const small: string[] = [];
  const ps = ev.slo.latency.filter((b) => b.aggregation.kind === 'percentile').map((b) => (b.aggregation as { p: number }).p);
  const p = ps.length ? Math.max(...ps) : 95;
  const need = samplesNeeded(p);
  for (const l of ev.levels) if (l.requests > 0 && l.requests < need) small.push(w.load(l.load, ev.unit));
  if (small.length) {
    notes.push({
      id: 'too-few-samples',
      severity: 'warn',
      message: `${small.length} of ${ev.levels.length} load levels (${small.slice(0, 4).join(', ')}${small.length > 4 ? ', …' : ''}) had fewer than ${need} requests: their p(${p}), used for the capacity, is not meaningful — use longer steps.`,
    });
  }
  if (!(result.criteria ?? []).length && (result.summary?.requests ?? 0) > 0 && result.summary.requests < 100) {
    notes.push({ id: 'too-few-samples', severity: 'warn', message: `the run has ${result.summary.requests} requests: its p99 is little more than the slowest request.` });
  }
  return notes;
}
