/**
 * `describeWatch`: one line per watcher saying what will be watched, for `design` ("What to watch")
 * and for the start of `run`. Pure: it reads the plan only and connects to nothing.
 */
import type { WatchItem } from '../plan/schema.js';
import { formatDurationMs } from '../plan/units.js';
import { DEFAULT_DEPENDENCY_TIMEOUT_MS } from './dependency.js';
import { describeProcessTarget } from './process.js';
import { redactUrl } from './redact.js';
import { DEFAULT_WATCH_INTERVAL_MS, defaultLabel } from './session.js';

export interface DescribeWatchOptions {
  intervalMs?: number;
  /** include the always-on generator watcher (default true) */
  self?: boolean;
}

export function describeWatch(items: WatchItem[], opts: DescribeWatchOptions = {}): string[] {
  const every = (item: { intervalMs?: number }): string => `every ${formatDurationMs(item.intervalMs ?? opts.intervalMs ?? DEFAULT_WATCH_INTERVAL_MS)}`;
  const lines = items.map((item) => {
    const label = defaultLabel(item);
    if (item.process) {
      const role = item.process.role ? `, role ${item.process.role}` : '';
      const how = item.process.name !== undefined ? ' (every matching process, summed)' : item.process.port !== undefined ? ' (whoever listens there)' : '';
      return `process ${describeProcessTarget(item.process)}${how} as process.${label}${role}: CPU % of one core, RSS, open fds, threads — ${every(item)}`;
    }
    if (item.postgres) {
      return (
        `postgres ${redactUrl(item.postgres.url)} as postgres.${label}: connections by state vs max_connections, lock waits, ` +
        `sequential/index scans per second, commits, rollbacks, blocks read; top queries when pg_stat_statements is installed — ${every(item)}`
      );
    }
    if (item.prometheus) {
      const m = item.prometheus.match?.length ? ` matching ${item.prometheus.match.join(', ')}` : ' (all metrics, at most 500 series)';
      return `prometheus ${redactUrl(item.prometheus.url)}${m} as prometheus.${label}: counters as rates per second, histograms as p50/p95/p99, gauges as read — ${every(item)}`;
    }
    if (item.eventLoop) {
      return (
        `eventLoop ${redactUrl(item.eventLoop.url)} as eventLoop.${label}: event-loop delay p50/p99/max, utilisation, heap, RSS, ` +
        `GC pause per second, active handles, the app's own gauges — ${every(item)}`
      );
    }
    const d = item.dependency!;
    return (
      `dependency ${d.name} ${redactUrl(d.url)}: GET ${d.ratePerSec ?? 1}/s (timeout ${formatDurationMs(d.timeoutMs ?? DEFAULT_DEPENDENCY_TIMEOUT_MS)}), ` +
      `latency mean/p95, error rate, throttled share (429/503) — ${every(item)}`
    );
  });
  if (opts.self !== false) {
    lines.push(`self (always on): the generator's own CPU (all threads), main event-loop delay p99 and RSS — every ${formatDurationMs(opts.intervalMs ?? DEFAULT_WATCH_INTERVAL_MS)}`);
  }
  return lines;
}
