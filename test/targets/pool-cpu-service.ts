/**
 * A service with two limits, a pool and a core, for the saturation-order end-to-end test:
 * `node dist/test/targets/pool-cpu-service.js --pool N --hold H --cpu C`.
 *
 *   GET /work   takes one of `pool` slots (FIFO waiters), holds it `hold` ms (a timer: an I/O wait),
 *               then burns `cpu` ms of CPU on the event loop (demo's burnCpuMs: CPU time, not wall
 *               time) and gives the slot back. The pool allows pool × 1000 / (hold + cpu) req/s, the
 *               core ~1000 / cpu req/s (less the HTTP work). Which saturates first is chosen by the
 *               flags: a small pool with a long hold saturates before the core; a large pool with a
 *               short hold and more CPU lets the core saturate first, and the pool fills only later,
 *               with requests whose timers wait behind the busy loop while holding their slots.
 *   GET /__loadproof/metrics   the probe, with gauges pool_in_use, pool_size, pool_waiting.
 */
import { createServer } from 'node:http';
import { burnCpuMs } from '../../src/demo/service.js';
import { probe } from '../../src/watch/probe.js';
import { numberFlag, sendJson, serveUntilSignal } from './serve.js';

const size = numberFlag('pool', 10);
const holdMs = numberFlag('hold', 20);
const cpuMs = numberFlag('cpu', 1);

let inUse = 0;
const waiters: Array<() => void> = [];
const acquire = (): Promise<void> =>
  new Promise((resolve) => {
    if (inUse < size) {
      inUse++;
      resolve();
    } else waiters.push(resolve);
  });
const release = (): void => {
  const next = waiters.shift();
  if (next) next(); // the slot passes to the next waiter: inUse stays the same
  else inUse--;
};

const metrics = probe({ gauges: { pool_in_use: () => inUse, pool_size: () => size, pool_waiting: () => waiters.length } });

const server = createServer((req, res) => {
  req.resume();
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/__loadproof/metrics') return metrics(req, res);
  if (path !== '/work') return sendJson(res, 404, { error: 'no such route' });
  void acquire().then(() =>
    setTimeout(() => {
      burnCpuMs(cpuMs);
      release();
      sendJson(res, 200, { ok: true });
    }, holdMs),
  );
});

await serveUntilSignal(server, () => metrics.close());
