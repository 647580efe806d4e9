/**
 * A Node service serving the loadproof probe's Prometheus text (the names pinned in the project
 * brief) at /__loadproof/metrics, for the eventLoop watcher's tests. It stands in for the real probe
 * (src/watch/probe.ts, written separately) and measures for real: monitorEventLoopDelay (reset per
 * scrape), event-loop utilisation since the previous scrape, heap, RSS, GC pause time, active
 * handles, and three app gauges. IPC: `{type:'block', ms}` busy-waits the event loop for `ms`.
 * Exits when the parent disconnects, and after 120 s in any case.
 */
import { createServer } from 'node:http';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
let lastElu = performance.eventLoopUtilization();
let gcSeconds = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcSeconds += e.duration / 1000;
}).observe({ entryTypes: ['gc'] });
const gauges = { pool_in_use: 3, pool_size: 10, pool_waiting: 0 };

function metrics(): string {
  const elu = performance.eventLoopUtilization(lastElu);
  lastElu = performance.eventLoopUtilization();
  const q = (p: number) => (delay.count > 0 ? delay.percentile(p) / 1e9 : 0);
  const lines = [
    '# TYPE loadproof_event_loop_delay_seconds summary',
    `loadproof_event_loop_delay_seconds{quantile="0.5"} ${q(50)}`,
    `loadproof_event_loop_delay_seconds{quantile="0.9"} ${q(90)}`,
    `loadproof_event_loop_delay_seconds{quantile="0.99"} ${q(99)}`,
    `loadproof_event_loop_delay_seconds{quantile="1"} ${delay.count > 0 ? delay.max / 1e9 : 0}`,
    '# TYPE loadproof_event_loop_utilization gauge',
    `loadproof_event_loop_utilization ${elu.utilization}`,
    '# TYPE loadproof_heap_used_bytes gauge',
    `loadproof_heap_used_bytes ${process.memoryUsage().heapUsed}`,
    '# TYPE loadproof_rss_bytes gauge',
    `loadproof_rss_bytes ${process.memoryUsage.rss()}`,
    '# TYPE loadproof_gc_pause_seconds_total counter',
    `loadproof_gc_pause_seconds_total ${gcSeconds}`,
    '# TYPE loadproof_active_handles gauge',
    `loadproof_active_handles ${(process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length}`,
    ...Object.entries(gauges).flatMap(([k, v]) => [`# TYPE loadproof_app_${k} gauge`, `loadproof_app_${k} ${v}`]),
  ];
  delay.reset();
  return lines.join('\n') + '\n';
}

const server = createServer((req, res) => {
  if (req.url === '/__loadproof/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(metrics());
  } else {
    res.writeHead(404);
    res.end();
  }
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.send?.({ type: 'ready', port: typeof a === 'object' && a ? a.port : 0 });
});
process.on('message', (m: { type: string; ms: number }) => {
  if (m.type === 'block') {
    const end = Date.now() + m.ms;
    while (Date.now() < end) {
      // the event loop is blocked
    }
    process.send?.({ type: 'blocked', ms: m.ms });
  }
});
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(0), 120_000).unref();
