/**
 * The prometheus watcher: scrapes a text exposition and keeps the families whose names match any of
 * the plan's regexes (anchored, as PromQL's `=~`). Counters become per-second rates, histograms
 * become p50/p95/p99 of the observations made during each interval (bucket deltas, interpolated as
 * `histogram_quantile` does), summaries keep their own quantiles, gauges and untyped samples are
 * stored as read.
 *
 * Names: `prometheus.<label>.<metric>{k="v",...}` (label pairs sorted by name; none → no braces), and
 * for histograms and summaries `…<metric>{…}.p50` / `.p95` / `.p99` (summaries: whatever quantiles
 * they expose, e.g. `.p90`, `.p999`, `.max` for 1). Histograms and summaries also give their `_sum`
 * as a rate, `…<metric>{…}.sumPerSec` (for a `_seconds` family: seconds spent per second).
 */
import { LoadproofError } from '../errors.js';
import { labelKey, type MetricFamily } from './exposition.js';
import { histogramQuantile, type Bucket } from './histogram-quantile.js';
import { seriesLabel } from './label.js';
import { redactUrl } from './redact.js';
import { Scraper, scrapeTimeoutMs } from './scrape.js';
import type { Reading, SeriesValue, WarnFn, Watcher } from './types.js';

export interface PrometheusSpec {
  url: string;
  match?: string[];
  label?: string;
}

/** At most this many series per prometheus watcher (an unfiltered node_exporter has thousands). */
export const MAX_PROMETHEUS_SERIES = 500;
const HISTOGRAM_QUANTILES: Array<[number, string]> = [
  [0.5, 'p50'],
  [0.95, 'p95'],
  [0.99, 'p99'],
];

/** The unit a metric's name declares by the Prometheus naming convention. */
export function unitFromName(name: string): string {
  const base = name.replace(/_(total|count|sum|bucket)$/, '');
  if (/_seconds$/.test(base)) return 's';
  if (/_milliseconds$|_ms$/.test(base)) return 'ms';
  if (/_bytes$/.test(base)) return 'bytes';
  if (/_ratio$/.test(base)) return 'ratio';
  if (/_percent$/.test(base)) return '%';
  return '';
}

/** `p50` for 0.5, `p999` for 0.999, `max` for 1. */
export function quantileSuffix(q: number): string {
  if (q === 1) return 'max';
  return `p${String(Math.round(q * 1000) / 10).replace('.', '')}`;
}

/** Compiles the plan's `match` regexes, anchored; a bad one is the user's mistake (exit 2). */
export function compileMatchers(match: string[] | undefined, where: string): RegExp[] {
  return (match ?? []).map((m, i) => {
    try {
      return new RegExp(`^(?:${m})$`);
    } catch (e) {
      throw new LoadproofError('LP_PLAN_INVALID', `"${m}" is not a valid regular expression: ${(e as Error).message}`, {
        where: `${where}.match.${i}`,
        hint: 'write a JavaScript regular expression, e.g. "http_.*"',
      });
    }
  });
}

function seriesKey(name: string, labels: Record<string, string>, omit?: string): string {
  const k = labelKey(labels, omit);
  return k ? `${name}{${k}}` : name;
}

export class PrometheusWatcher implements Watcher {
  readonly kind = 'prometheus' as const;
  readonly name: string;
  readonly target: string;
  readonly role = 'other' as const;
  readonly intervalMs: number;
  readonly expectedSeries = [];
  private readonly prefix: string;
  private readonly matchers: RegExp[];
  private readonly scraper: Scraper;
  private warn: WarnFn | undefined;
  private prevMonoMs: number | null = null;
  private prevCounters = new Map<string, number>();
  private prevBuckets = new Map<string, Map<number, number>>();
  private kept = new Set<string>();
  private warnedCap = false;
  private familiesKept = new Set<string>();

  constructor(spec: PrometheusSpec, intervalMs: number, label = seriesLabel(spec.label ?? 'prom'), where = 'watch') {
    this.intervalMs = intervalMs;
    this.prefix = `prometheus.${label}`;
    this.name = this.prefix;
    this.target = redactUrl(spec.url);
    this.matchers = compileMatchers(spec.match, where);
    this.scraper = new Scraper(spec.url, scrapeTimeoutMs(intervalMs));
  }

  async start(warn: WarnFn): Promise<void> {
    this.warn = warn;
  }

  private wanted(f: MetricFamily): boolean {
    return this.matchers.length === 0 || this.matchers.some((r) => r.test(f.name));
  }

  /** Admits a series name under the cap; warns once when the cap is reached. */
  private admit(key: string): boolean {
    if (this.kept.has(key)) return true;
    if (this.kept.size >= MAX_PROMETHEUS_SERIES) {
      if (!this.warnedCap) {
        this.warnedCap = true;
        this.warn?.(`more than ${MAX_PROMETHEUS_SERIES} series; the rest were not kept (narrow "match")`);
      }
      return false;
    }
    this.kept.add(key);
    return true;
  }

  async sample(): Promise<Reading> {
    const { families, atMs, monoMs } = await this.scraper.scrape(this.warn);
    const dtSec = this.prevMonoMs === null ? null : (monoMs - this.prevMonoMs) / 1000;
    this.prevMonoMs = monoMs;
    const values: SeriesValue[] = [];
    const counters = new Map<string, number>();
    const bucketsNow = new Map<string, Map<number, number>>();

    // a histogram's or summary's `_sum` counter as a rate, `….sumPerSec`: e.g. seconds of GC per
    // second from nodejs_gc_duration_seconds / jvm_gc_pause_seconds / go_gc_duration_seconds
    const sumRate = (f: MetricFamily): void => {
      const unit = unitFromName(f.name);
      for (const s of f.samples) {
        if (s.name !== `${f.name}_sum`) continue;
        const key = `${seriesKey(f.name, s.labels)}.sumPerSec`;
        counters.set(key, s.value);
        const prev = this.prevCounters.get(key);
        if (prev === undefined || dtSec === null || dtSec <= 0) continue;
        const delta = s.value >= prev ? s.value - prev : s.value;
        if (this.admit(key)) values.push({ name: `${this.prefix}.${key}`, unit: unit ? `${unit}/s` : '/s', value: delta / dtSec });
      }
    };
    for (const f of families) {
      if (!this.wanted(f)) continue;
      this.familiesKept.add(f.name);
      const unit = unitFromName(f.name);
      if (f.type === 'counter') {
        for (const s of f.samples) {
          if (s.name.endsWith('_created')) continue;
          const key = seriesKey(s.name, s.labels);
          counters.set(key, s.value);
          const prev = this.prevCounters.get(key);
          if (prev === undefined || dtSec === null || dtSec <= 0) continue;
          // a counter that went down was reset (the target restarted): count from zero, as PromQL's rate() does
          const delta = s.value >= prev ? s.value - prev : s.value;
          if (this.admit(key)) values.push({ name: `${this.prefix}.${key}`, unit: unit ? `${unit}/s` : '/s', value: delta / dtSec });
        }
      } else if (f.type === 'histogram') {
        sumRate(f);
        for (const s of f.samples) {
          if (s.name !== `${f.name}_bucket` || s.labels.le === undefined) continue;
          const key = seriesKey(f.name, s.labels, 'le');
          let m = bucketsNow.get(key);
          if (!m) bucketsNow.set(key, (m = new Map()));
          m.set(Number(s.labels.le === '+Inf' ? Infinity : s.labels.le), s.value);
        }
      } else if (f.type === 'summary') {
        sumRate(f);
        for (const s of f.samples) {
          if (s.name !== f.name || s.labels.quantile === undefined) continue;
          const q = Number(s.labels.quantile);
          const key = `${seriesKey(f.name, s.labels, 'quantile')}.${quantileSuffix(q)}`;
          if (this.admit(key)) values.push({ name: `${this.prefix}.${key}`, unit, value: Number.isNaN(s.value) ? null : s.value });
        }
      } else {
        for (const s of f.samples) {
          const key = seriesKey(s.name, s.labels);
          if (this.admit(key)) values.push({ name: `${this.prefix}.${key}`, unit, value: s.value });
        }
      }
    }

    for (const [key, now] of bucketsNow) {
      const prev = this.prevBuckets.get(key);
      if (!prev) continue;
      const reset = [...now].some(([le, c]) => c < (prev.get(le) ?? 0));
      const delta: Bucket[] = [...now].map(([le, c]) => ({ le, count: reset ? c : c - (prev.get(le) ?? 0) }));
      const unit = unitFromName(key.replace(/\{.*$/, ''));
      for (const [q, suffix] of HISTOGRAM_QUANTILES) {
        const v = histogramQuantile(q, delta);
        // no observation in the interval → no point (not a gap: the target answered)
        if (v === null) continue;
        const name = `${key}.${suffix}`;
        if (this.admit(name)) values.push({ name: `${this.prefix}.${name}`, unit, value: v });
      }
    }
    this.prevCounters = counters;
    this.prevBuckets = bucketsNow;
    return { atMs, values };
  }

  async stop(): Promise<Record<string, unknown>> {
    await this.scraper.close();
    return { target: this.target, families: [...this.familiesKept].sort(), series: this.kept.size };
  }
}
