/**
 * A payments dependency with a rate quota, for the downstream-rate-limit end-to-end test:
 * `node dist/test/targets/quota-service.js [--rate 100] [--latency 5]`.
 *
 *   GET /charge  200 {"charged": n} after `latency` ms — or, once more than `rate` calls per second
 *                arrive (all callers together), 429 with Retry-After: 1 at once.
 *
 * The quota is a token bucket: `rate` tokens per second, at most rate / 10 stored (a burst of
 * 100 ms worth), one token per call. Its callers here are checkout-service.ts and the dependency
 * watcher's probes, which share the quota as the app's own calls would share an API key's.
 */
import { createServer } from 'node:http';
import { numberFlag, sendJson, serveUntilSignal } from './serve.js';

const ratePerSec = numberFlag('rate', 100);
const latencyMs = numberFlag('latency', 5);
const burst = Math.max(1, ratePerSec / 10);

let tokens = burst;
let lastRefillMs = performance.now();
let charged = 0;

function take(): boolean {
  const now = performance.now();
  tokens = Math.min(burst, tokens + ((now - lastRefillMs) * ratePerSec) / 1000);
  lastRefillMs = now;
  if (tokens < 1) return false;
  tokens -= 1;
  return true;
}

const server = createServer((req, res) => {
  req.resume();
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path !== '/charge') return sendJson(res, 404, { error: 'no such route' });
  if (!take()) return sendJson(res, 429, { error: `over the quota of ${ratePerSec} calls/s` }, { 'retry-after': '1' });
  setTimeout(() => sendJson(res, 200, { charged: ++charged }), latencyMs);
});

await serveUntilSignal(server);
