/**
 * The dependency watcher: GETs a downstream dependency's URL at a low fixed rate (default 1/s) on
 * its own timer, and at each sample reports the probes completed since the previous sample:
 *
 *   dependency.<name>.latencyMs      mean time to the full answer of the probes that got an answer (ms)
 *   dependency.<name>.p95Ms          their 95th percentile (ms)
 *   dependency.<name>.errorRate      share of probes that failed: no answer (refused, reset, timeout) or HTTP ≥ 400
 *   dependency.<name>.throttledRate  share answered 429 or 503 (the dependency pushing back)
 *
 * A dependency that is down is data (errorRate 1), not a watcher failure: the series have no gap, and
 * one warning names the first cause. An interval in which no probe completed has no point.
 */
import type { Agent } from 'undici';
import { createHistogram, percentileMs, recordUs } from '../metrics/histogram.js';
import { describeRequestError, httpGet, watcherDispatcher } from './http-get.js';
import { seriesLabel } from './label.js';
import { redactUrl } from './redact.js';
import type { Reading, SeriesValue, WarnFn, Watcher } from './types.js';

export interface DependencySpec {
  name: string;
  url: string;
  ratePerSec?: number;
  timeoutMs?: number;
}

/** Probe timeout when the plan sets none. */
export const DEFAULT_DEPENDENCY_TIMEOUT_MS = 5_000;
/** Probes in flight at most: a hanging dependency must not pile up sockets. */
const MAX_IN_FLIGHT = 16;

interface Probe {
  latencyMs: number | null;
  status: number | null;
}

export class DependencyWatcher implements Watcher {
  readonly kind = 'dependency' as const;
  readonly name: string;
  readonly target: string;
  readonly role = 'dependency' as const;
  readonly intervalMs: number;
  readonly expectedSeries: ReadonlyArray<{ name: string; unit: string }>;
  private readonly url: string;
  private readonly periodMs: number;
  private readonly timeoutMs: number;
  private readonly prefix: string;
  private readonly dispatcher: Agent = watcherDispatcher();
  private readonly histogram = createHistogram();
  private timer: NodeJS.Timeout | undefined;
  private done: Probe[] = [];
  private inFlight = new Set<Promise<void>>();
  private warn: WarnFn | undefined;
  private warnedCauses = new Set<string>();
  private totals = { probes: 0, errors: 0, throttled: 0, skipped: 0 };
  private statusCodes: Record<string, number> = {};

  constructor(spec: DependencySpec, intervalMs: number) {
    this.intervalMs = intervalMs;
    this.url = spec.url;
    this.periodMs = 1000 / (spec.ratePerSec ?? 1);
    this.timeoutMs = spec.timeoutMs ?? DEFAULT_DEPENDENCY_TIMEOUT_MS;
    this.prefix = `dependency.${seriesLabel(spec.name)}`;
    this.name = this.prefix;
    this.target = redactUrl(spec.url);
    this.expectedSeries = [
      ['latencyMs', 'ms'],
      ['p95Ms', 'ms'],
      ['errorRate', 'ratio'],
      ['throttledRate', 'ratio'],
    ].map(([s, unit]) => ({ name: `${this.prefix}.${s}`, unit }));
  }

  async start(warn: WarnFn): Promise<void> {
    this.warn = warn;
    this.probe();
    this.timer = setInterval(() => this.probe(), this.periodMs);
    this.timer.unref();
  }

  private probe(): void {
    if (this.inFlight.size >= MAX_IN_FLIGHT) {
      this.totals.skipped++;
      return;
    }
    const p = httpGet(this.url, this.dispatcher, this.timeoutMs, false).then(
      (r) => {
        this.done.push({ latencyMs: r.latencyMs, status: r.status });
        this.statusCodes[String(r.status)] = (this.statusCodes[String(r.status)] ?? 0) + 1;
      },
      (e: unknown) => {
        this.done.push({ latencyMs: null, status: null });
        const cause = describeRequestError(e);
        if (!this.warnedCauses.has(cause)) {
          this.warnedCauses.add(cause);
          this.warn?.(`dependency ${this.target} did not answer: ${cause}`);
        }
      },
    );
    const tracked = p.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  async sample(nowMs: number): Promise<Reading> {
    const probes = this.done;
    this.done = [];
    if (probes.length === 0) return { atMs: nowMs, values: [] };
    let errors = 0;
    let throttled = 0;
    let sum = 0;
    this.histogram.reset();
    for (const p of probes) {
      if (p.status === null || p.status >= 400) errors++;
      if (p.status === 429 || p.status === 503) throttled++;
      if (p.latencyMs !== null) {
        sum += p.latencyMs;
        recordUs(this.histogram, p.latencyMs * 1000);
      }
    }
    this.totals.probes += probes.length;
    this.totals.errors += errors;
    this.totals.throttled += throttled;
    const answered = this.histogram.totalCount;
    const values: SeriesValue[] = [
      { name: `${this.prefix}.errorRate`, unit: 'ratio', value: errors / probes.length },
      { name: `${this.prefix}.throttledRate`, unit: 'ratio', value: throttled / probes.length },
    ];
    if (answered > 0) {
      values.unshift(
        { name: `${this.prefix}.latencyMs`, unit: 'ms', value: Math.round((sum / answered) * 1000) / 1000 },
        { name: `${this.prefix}.p95Ms`, unit: 'ms', value: percentileMs(this.histogram, 95) },
      );
    }
    return { atMs: nowMs, values };
  }

  async stop(): Promise<Record<string, unknown>> {
    if (this.timer) clearInterval(this.timer);
    // probes still running are bounded by their timeout; don't hold the run's end for them
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, 200).unref())]);
    await this.dispatcher.destroy().catch(() => undefined);
    return { target: this.target, ratePerSec: 1000 / this.periodMs, timeoutMs: this.timeoutMs, ...this.totals, statusCodes: this.statusCodes };
  }
}
