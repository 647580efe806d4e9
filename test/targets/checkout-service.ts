/**
 * A checkout API that calls a payments dependency on every request, for the downstream-rate-limit
 * end-to-end test: `node dist/test/targets/checkout-service.js --payments http://127.0.0.1:PORT`.
 *
 *   GET /checkout  calls GET <payments>/charge; 200 when it charged, 503 (Retry-After: 1) when
 *                  payments answered 429 — the quota is passed on, not retried — and 502 when the call
 *                  failed otherwise.
 *
 * The app itself does almost nothing (well under a millisecond of CPU per request): its capacity
 * is the dependency's quota.
 */
import { createServer, request, Agent } from 'node:http';
import { sendJson, serveUntilSignal, stringFlag } from './serve.js';

const payments = new URL('/charge', stringFlag('payments', 'http://127.0.0.1:4000'));
const agent = new Agent({ keepAlive: true, maxSockets: 128 });

function charge(): Promise<number> {
  return new Promise((resolve) => {
    const r = request(payments, { agent, timeout: 5000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    r.once('timeout', () => r.destroy());
    r.once('error', () => resolve(0));
    r.end();
  });
}

const server = createServer((req, res) => {
  req.resume();
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path !== '/checkout') return sendJson(res, 404, { error: 'no such route' });
  void charge().then((status) => {
    if (status === 200) sendJson(res, 200, { ok: true });
    else if (status === 429) sendJson(res, 503, { error: 'payments quota exceeded' }, { 'retry-after': '1' });
    else sendJson(res, 502, { error: `payments failed (${status || 'no answer'})` });
  });
});

await serveUntilSignal(server, () => agent.destroy());
