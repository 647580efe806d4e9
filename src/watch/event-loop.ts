/**
 * The eventLoop watcher: reads the loadproof probe's Prometheus text (pinned in the project brief)
 * from a Node service and records
 *
 *   eventLoop.<label>.delayP50Ms / .delayP99Ms / .delayMaxMs   ← loadproof_event_loop_delay_seconds{quantile="0.5"|"0.99"|"1"} × 1000
 *   eventLoop.<label>.utilization                               ← loadproof_event_loop_utilization (0..1)
 *   eventLoop.<label>.heapUsedBytes / .rssBytes                 ← loadproof_heap_used_bytes / loadproof_rss_bytes
 *   eventLoop.<label>.gcPauseMsPerSec                           ← Δ loadproof_gc_pause_seconds_total × 1000 / Δt
 *   eventLoop.<label>.activeHandles                             ← loadproof_active_handles
 *   eventLoop.<label>.gauge.<name>                              ← loadproof_app_<name>
 *
 * The probe reports the interval since its previous scrape (its delay histogram resets per scrape),
 * so one watcher per probe gives per-interval figures; a second scraper of the same probe would
 * split the intervals between them.
 */
import { seriesLabel } from './label.js';
import { redactUrl } from './redact.js';
import { Scraper, scrapeTimeoutMs } from './scrape.js';
import type { Reading, SeriesValue, WarnFn, Watcher } from './types.js';

export interface EventLoopSpec {
  url: string;
  label?: string;
}

const DELAY = 'loadproof_event_loop_delay_seconds';
const GC = 'loadproof_gc_pause_seconds_total';
const APP_PREFIX = 'loadproof_app_';
const PLAIN: Record<string, [suffix: string, unit: string]> = {
  loadproof_event_loop_utilization: ['utilization', 'ratio'],
  loadproof_heap_used_bytes: ['heapUsedBytes', 'bytes'],
  loadproof_rss_bytes: ['rssBytes', 'bytes'],
  loadproof_active_handles: ['activeHandles', 'count'],
};
const DELAY_QUANTILES: Record<string, string> = { '0.5': 'delayP50Ms', '0.99': 'delayP99Ms', '1': 'delayMaxMs' };

export class EventLoopWatcher implements Watcher {
  readonly kind = 'eventLoop' as const;
  readonly name: string;
  readonly target: string;
  readonly role = 'app' as const;
  readonly intervalMs: number;
  readonly expectedSeries: ReadonlyArray<{ name: string; unit: string }>;
  private readonly prefix: string;
  private readonly scraper: Scraper;
  private warn: WarnFn | undefined;
  private prevGc: { monoMs: number; seconds: number } | null = null;
  private sawProbe = false;
  private warnedNoProbe = false;

  constructor(spec: EventLoopSpec, intervalMs: number, label = seriesLabel(spec.label ?? 'app')) {
    this.intervalMs = intervalMs;
    this.prefix = `eventLoop.${label}`;
    this.name = this.prefix;
    this.target = redactUrl(spec.url);
    this.scraper = new Scraper(spec.url, scrapeTimeoutMs(intervalMs));
    this.expectedSeries = [
      ['delayP50Ms', 'ms'],
      ['delayP99Ms', 'ms'],
      ['delayMaxMs', 'ms'],
      ['utilization', 'ratio'],
      ['heapUsedBytes', 'bytes'],
      ['rssBytes', 'bytes'],
      ['gcPauseMsPerSec', 'ms/s'],
      ['activeHandles', 'count'],
    ].map(([s, unit]) => ({ name: `${this.prefix}.${s}`, unit }));
  }

  async start(warn: WarnFn): Promise<void> {
    this.warn = warn;
  }

  async sample(): Promise<Reading> {
    const { families, atMs, monoMs } = await this.scraper.scrape(this.warn);
    const values: SeriesValue[] = [];
    const ms = (s: number): number | null => (Number.isFinite(s) ? Math.round(s * 1e6) / 1000 : null);
    let found = false;
    for (const f of families) {
      for (const s of f.samples) {
        if (s.name === DELAY && s.labels.quantile !== undefined) {
          const suffix = DELAY_QUANTILES[String(Number(s.labels.quantile))];
          if (suffix) {
            found = true;
            values.push({ name: `${this.prefix}.${suffix}`, unit: 'ms', value: ms(s.value) });
          }
        } else if (PLAIN[s.name]) {
          found = true;
          const [suffix, unit] = PLAIN[s.name];
          values.push({ name: `${this.prefix}.${suffix}`, unit, value: s.value });
        } else if (s.name === GC || s.name === 'loadproof_gc_pause_seconds') {
          found = true;
          if (this.prevGc && monoMs > this.prevGc.monoMs) {
            const d = s.value >= this.prevGc.seconds ? s.value - this.prevGc.seconds : s.value;
            values.push({ name: `${this.prefix}.gcPauseMsPerSec`, unit: 'ms/s', value: (d * 1000) / ((monoMs - this.prevGc.monoMs) / 1000) });
          }
          this.prevGc = { monoMs, seconds: s.value };
        } else if (s.name.startsWith(APP_PREFIX) && Object.keys(s.labels).length === 0) {
          values.push({ name: `${this.prefix}.gauge.${seriesLabel(s.name.slice(APP_PREFIX.length))}`, unit: '', value: s.value });
        }
      }
    }
    if (found) this.sawProbe = true;
    else if (!this.sawProbe && !this.warnedNoProbe) {
      this.warnedNoProbe = true;
      this.warn?.(`${this.target} answers but serves no loadproof probe metrics (mount probe() from 'loadproof/probe' there)`);
    }
    return { atMs, values };
  }

  async stop(): Promise<Record<string, unknown>> {
    await this.scraper.close();
    return { target: this.target, probeFound: this.sawProbe };
  }
}
