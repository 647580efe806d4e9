/**
 * Red flags: plain statements that something is badly off, read from the whole-run summary against
 * the stated thresholds (the plan's, or `--slo`; never the default SLO the capacity falls back to).
 *   - checks failing
 *   - the median already over a latency threshold (most requests miss it, not just the tail)
 *   - a latency statistic more than 2× its threshold
 *   - errors more than 5× the error budget (and over 1%)
 */
import type { Result } from '../result/types.js';
import type { Slo } from './slo.js';
import * as w from './wording.js';

export function redFlags(result: Result, slo: Slo): string[] {
  const out: string[] = [];
  const sm = result.summary;
  if (!sm) return out;
  if (sm.checks && sm.checks.fails > 0) {
    const total = sm.checks.passes + sm.checks.fails;
    out.push(`${sm.checks.fails} of ${total} checks failed (${w.pct(sm.checks.fails / Math.max(total, 1))})`);
  }
  if (slo.origin === 'default' || !(sm.requests > 0)) return out;
  const l = sm.latencyMs;
  const statOf = (b: Slo['latency'][number]): number | null => {
    const a = b.aggregation;
    if (a.kind === 'avg') return l.mean;
    if (a.kind === 'med') return l.p50;
    if (a.kind === 'max') return l.max;
    if (a.kind !== 'percentile') return null;
    const table: Record<number, number | null> = { 50: l.p50, 90: l.p90, 95: l.p95, 99: l.p99, 99.9: l.p999 };
    return table[a.p] ?? null;
  };
  for (const b of slo.latency) {
    const isTail = b.aggregation.kind === 'percentile' && b.aggregation.p > 50;
    if ((isTail || b.aggregation.kind === 'max') && l.p50 !== null && l.p50 > b.valueMs) {
      out.push(`the median (${w.ms(l.p50)}) is already over the ${b.source} threshold: most requests miss it, not just the tail`);
      continue;
    }
    const v = statOf(b);
    if (v !== null && v > 2 * b.valueMs) {
      const name = b.source.replace(/\s*(<=|<).*$/, '');
      out.push(`${name} is ${w.ms(v)}, ${w.times(v / b.valueMs)} its ${w.ms(b.valueMs)} threshold`);
    }
  }
  if (sm.errorRate > 0.01 && sm.errorRate > 5 * slo.errorBudget) {
    out.push(`errors are ${w.pct(sm.errorRate)}, ${w.times(sm.errorRate / Math.max(slo.errorBudget, 1e-9))} the ${w.pct(slo.errorBudget)} budget`);
  }
  return out;
}
