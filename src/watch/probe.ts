/**
 * The probe: a plain node:http handler that a Node service mounts to let loadproof's eventLoop
 * watcher see inside it (`import { probe } from 'loadproof/probe'`).
 *
 * Each scrape reports the interval since the previous scrape, so one scraper per probe:
 *
 *   loadproof_event_loop_delay_seconds{quantile="0.5"|"0.9"|"0.99"|"1"}  event-loop delay over the
 *       interval (a histogram reset after every scrape); quantile 1 is the maximum
 *   loadproof_event_loop_utilization   share of the interval the loop was busy (0..1), from
 *       `performance.eventLoopUtilization` deltas
 *   loadproof_heap_used_bytes, loadproof_rss_bytes   process.memoryUsage() now
 *   loadproof_gc_pause_seconds_total   GC pause time since the probe was created (a counter), from a
 *       PerformanceObserver on 'gc' entries
 *   loadproof_active_handles           process.getActiveResourcesInfo().length now
 *   loadproof_app_<name>               each gauge the app registers, read at scrape time
 *
 * Delay measurement: an unref'd timer is due every `resolutionMs` (R); each firing records how
 * late it is, `delay = (now − previous firing) − R`. A loop blocked for B ms delays the next firing
 * by between B − R and B, so a block shows as one sample in [B − R, B]; an idle loop reads ~0–1 ms.
 * Node's own `monitorEventLoopDelay` is not used: its reset() forgets the previous firing, so a
 * block that starts within R after a scrape was never recorded (measured on Node 20: a 300 ms busy
 * loop right after reset() read 10 ms), and its idle reading is R rather than ~0. With no firing in
 * the interval (two scrapes closer than R) the delay lines read NaN, which Prometheus text allows
 * and watchers treat as a gap.
 *
 * Works from Express (`app.get('/__loadproof/metrics', probe())`), Fastify
 * (`fastify.get('/__loadproof/metrics', (req, reply) => { reply.hijack(); handler(req.raw, reply.raw); })`)
 * or bare node:http (route the path to it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHistogram, performance, PerformanceObserver, type EventLoopUtilization } from 'node:perf_hooks';

export interface ProbeOptions {
  /** app gauges, read at each scrape: `{ pool_in_use: () => pool.inUse }` → `loadproof_app_pool_in_use` */
  gauges?: Record<string, () => number>;
  /** period of the event-loop delay timer, ms (default 10, as Node's monitorEventLoopDelay) */
  resolutionMs?: number;
}

/** The handler, with `close()` to stop its delay timer and GC observer (tests, graceful shutdown). */
export interface ProbeHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** The metrics text for the interval since the previous scrape (and starts a new interval). */
  scrape(): string;
  close(): void;
}

const GAUGE_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const QUANTILES = [0.5, 0.9, 0.99, 1] as const;

/** Creates a probe. Each probe has its own interval state: give each scraper its own probe. */
export function probe(opts: ProbeOptions = {}): ProbeHandler {
  const gauges = Object.entries(opts.gauges ?? {});
  for (const [name, fn] of gauges) {
    if (!GAUGE_NAME.test(name)) throw new TypeError(`probe: gauge name "${name}" must match ${GAUGE_NAME.source}`);
    if (typeof fn !== 'function') throw new TypeError(`probe: gauge "${name}" must be a function returning a number`);
  }

  // Delay samples in integer microseconds (the histogram takes integers ≥ 1).
  const resolutionMs = Math.max(1, Math.round(opts.resolutionMs ?? 10));
  const delay = createHistogram();
  let lastTickMs = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    const lateMs = now - lastTickMs - resolutionMs;
    lastTickMs = now;
    delay.record(Math.max(1, Math.round(lateMs * 1000)));
  }, resolutionMs);
  ticker.unref();
  let lastElu: EventLoopUtilization = performance.eventLoopUtilization();
  let gcSeconds = 0;
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcSeconds += entry.duration / 1000;
  });
  gcObserver.observe({ entryTypes: ['gc'] });

  const scrape = (): string => {
    const lines: string[] = [];
    lines.push('# HELP loadproof_event_loop_delay_seconds Event-loop delay over the interval since the previous scrape.');
    lines.push('# TYPE loadproof_event_loop_delay_seconds summary');
    // count is 0 when the timer has not fired since the reset: no data, not "zero delay".
    const n = delay.count;
    for (const q of QUANTILES) {
      const us = n > 0 ? (q === 1 ? delay.max : delay.percentile(q * 100)) : NaN;
      lines.push(`loadproof_event_loop_delay_seconds{quantile="${q}"} ${num(us / 1e6)}`);
    }
    lines.push(`loadproof_event_loop_delay_seconds_sum ${num(n > 0 ? (delay.mean * n) / 1e6 : 0)}`);
    lines.push(`loadproof_event_loop_delay_seconds_count ${n}`);
    delay.reset();

    const now = performance.eventLoopUtilization();
    const elu = performance.eventLoopUtilization(now, lastElu);
    lastElu = now;
    lines.push('# HELP loadproof_event_loop_utilization Share of the interval since the previous scrape the event loop was busy.');
    lines.push('# TYPE loadproof_event_loop_utilization gauge');
    lines.push(`loadproof_event_loop_utilization ${num(elu.utilization)}`);

    const mem = process.memoryUsage();
    lines.push('# HELP loadproof_heap_used_bytes V8 heap in use.');
    lines.push('# TYPE loadproof_heap_used_bytes gauge');
    lines.push(`loadproof_heap_used_bytes ${mem.heapUsed}`);
    lines.push('# HELP loadproof_rss_bytes Resident set size of the process.');
    lines.push('# TYPE loadproof_rss_bytes gauge');
    lines.push(`loadproof_rss_bytes ${mem.rss}`);
    lines.push('# HELP loadproof_gc_pause_seconds_total Garbage-collection pause time since the probe started.');
    lines.push('# TYPE loadproof_gc_pause_seconds_total counter');
    lines.push(`loadproof_gc_pause_seconds_total ${num(gcSeconds)}`);
    lines.push('# HELP loadproof_active_handles Active libuv resources (sockets, timers, ...).');
    lines.push('# TYPE loadproof_active_handles gauge');
    lines.push(`loadproof_active_handles ${process.getActiveResourcesInfo().length}`);

    for (const [name, fn] of gauges) {
      let v: number;
      try {
        v = Number(fn());
      } catch {
        v = NaN; // a failing gauge is a gap, never a failed scrape
      }
      lines.push(`# TYPE loadproof_app_${name} gauge`);
      lines.push(`loadproof_app_${name} ${num(v)}`);
    }
    return `${lines.join('\n')}\n`;
  };

  const handler = ((req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    const body = scrape();
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  }) as ProbeHandler;
  handler.scrape = scrape;
  handler.close = (): void => {
    clearInterval(ticker);
    gcObserver.disconnect();
  };
  return handler;
}

/** Prometheus text numbers: NaN and ±Inf spelt as the format wants, finite values as plain decimals. */
function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
