/**
 * The self watcher: the load generator's own health, always on, feeding the validity check (a
 * saturated generator measures itself, not the target).
 *
 *   self.generator.cpuPct               Δ process.cpuUsage() (user + system, µs) / Δwall µs × 100 — the
 *                                       whole process, worker threads included (getrusage RUSAGE_SELF),
 *                                       as % of one core
 *   self.generator.eventLoopDelayP99Ms  p99 of the main thread's event-loop delay since the previous
 *                                       sample (perf_hooks.monitorEventLoopDelay, reset each sample)
 *   self.generator.rssBytes             process.memoryUsage.rss()
 */
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import type { Reading, SeriesValue, WarnFn, Watcher } from './types.js';

/** Sampling resolution of the delay monitor (ms): fine enough to see a 20 ms stall, cheap. */
const DELAY_RESOLUTION_MS = 10;

export class SelfWatcher implements Watcher {
  readonly kind = 'self' as const;
  readonly name = 'self.generator';
  readonly target = `pid ${process.pid}`;
  readonly role = 'generator' as const;
  readonly intervalMs: number;
  readonly expectedSeries = [
    { name: 'self.generator.cpuPct', unit: '%' },
    { name: 'self.generator.eventLoopDelayP99Ms', unit: 'ms' },
    { name: 'self.generator.rssBytes', unit: 'bytes' },
  ];
  private delay: IntervalHistogram | undefined;
  private prev: { cpu: NodeJS.CpuUsage; monoMs: number } | null = null;
  private peak = { cpuPct: 0, eventLoopDelayP99Ms: 0, rssBytes: 0 };

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  async start(_warn: WarnFn): Promise<void> {
    this.delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
    this.delay.enable();
    this.prev = { cpu: process.cpuUsage(), monoMs: performance.now() };
  }

  async sample(nowMs: number): Promise<Reading> {
    const cpu = process.cpuUsage();
    const monoMs = performance.now();
    const values: SeriesValue[] = [];
    if (this.prev && monoMs > this.prev.monoMs) {
      const usedUs = cpu.user - this.prev.cpu.user + (cpu.system - this.prev.cpu.system);
      const cpuPct = Math.round((usedUs / ((monoMs - this.prev.monoMs) * 1000)) * 1000) / 10;
      values.push({ name: 'self.generator.cpuPct', unit: '%', value: cpuPct });
      this.peak.cpuPct = Math.max(this.peak.cpuPct, cpuPct);
    }
    this.prev = { cpu, monoMs };
    if (this.delay && this.delay.count > 0) {
      // the histogram records ns; an empty one (no tick yet) reports nothing rather than a made-up 0
      const p99 = Math.round(this.delay.percentile(99) / 1000) / 1000;
      values.push({ name: 'self.generator.eventLoopDelayP99Ms', unit: 'ms', value: p99 });
      this.peak.eventLoopDelayP99Ms = Math.max(this.peak.eventLoopDelayP99Ms, p99);
      this.delay.reset();
    }
    const rss = process.memoryUsage.rss();
    this.peak.rssBytes = Math.max(this.peak.rssBytes, rss);
    values.push({ name: 'self.generator.rssBytes', unit: 'bytes', value: rss });
    return { atMs: nowMs, values };
  }

  async stop(): Promise<Record<string, unknown>> {
    this.delay?.disable();
    return { pid: process.pid, cores: availableParallelism(), peak: this.peak };
  }
}
