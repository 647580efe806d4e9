/**
 * A payments dependency with a rate quota, for the downstream-rate-limit end-to-end test:
 * `node dist/test/targets/quota-service.js [--rate 100] [--burst-ms 100] [--latency 5]`.
 *
 *   GET /charge  200 {"charged": n} — or 429 with Retry-After: 1 when over the quota.
 *
 * The quota works like nginx's `limit_req` without `nodelay` (a leaky bucket): calls are let through
 * at most `rate` per second (all callers together), one every 1000 / rate ms; a call arriving
 * before its turn waits for it, and a call whose wait would pass `burst-ms` is refused at once with
 * 429. Once through, a call takes `latency` ms. So as the load nears the quota the dependency first
 * slows (calls queue for their turn), then throttles the surplus. Its callers here are
 * checkout-service.ts and the dependency watcher's probes, which share the quota as the app's own
 * calls would share an API key's.
 */
import { createServer } from 'node:http';
import { numberFlag, sendJson, serveUntilSignal } from './serve.js';

const ratePerSec = numberFlag('rate', 100);
const burstMs = numberFlag('burst-ms', 100);
const latencyMs = numberFlag('latency', 5);
const spacingMs = 1000 / ratePerSec;

/** When the next call may pass, ms on the performance clock. */
let nextTurnMs = 0;
let charged = 0;

const server = createServer((req, res) => {
  req.resume();
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path !== '/charge') return sendJson(res, 404, { error: 'no such route' });
  const now = performance.now();
  const turn = Math.max(now, nextTurnMs);
  if (turn - now > burstMs) return sendJson(res, 429, { error: `over the quota of ${ratePerSec} calls/s` }, { 'retry-after': '1' });
  nextTurnMs = turn + spacingMs;
  setTimeout(() => sendJson(res, 200, { charged: ++charged }), turn - now + latencyMs);
});

await serveUntilSignal(server);
