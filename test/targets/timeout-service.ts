/**
 * A gateway in front of a slow internal backend, with one real bottleneck for the timeout-cascade
 * end-to-end test: `node dist/test/targets/timeout-service.js [--slots 2] [--hold 20] [--timeout 200]`.
 *
 *   GET /quote   asks the backend for a quote and answers 200 with it — or 504 when the backend has
 *                not answered within `timeout` ms (the gateway's fixed upstream timeout).
 *   GET /health  200, no backend call.
 *
 * The backend serves `slots` calls at once, each taking `hold` ms (a timer, not CPU), and queues the
 * rest in FIFO order. Designed capacity = slots × 1000 / hold (2 × 1000 / 20 = 100 req/s).
 *
 * Like most real backends it cannot tell that a caller gave up: a call the gateway abandoned at its
 * timeout stays in the queue and is still served later, wasting a slot. That is the cascade: past
 * capacity the queue grows, waits pass the timeout, and a growing share of the backend's work goes to
 * callers that are already gone — the error rate climbs with the load while every failed request
 * takes exactly the timeout.
 */
import { createServer } from 'node:http';
import { numberFlag, sendJson, serveUntilSignal } from './serve.js';

const slots = numberFlag('slots', 2);
const holdMs = numberFlag('hold', 20);
const timeoutMs = numberFlag('timeout', 200);

let busy = 0;
const queue: Array<() => void> = [];
let served = 0;

/** One backend call: waits for a slot (FIFO), holds it `holdMs`, resolves with the quote. */
function backendCall(): Promise<number> {
  return new Promise((resolve) => {
    const run = (): void => {
      busy++;
      setTimeout(() => {
        busy--;
        served++;
        resolve(served);
        queue.shift()?.();
      }, holdMs);
    };
    if (busy < slots) run();
    else queue.push(run);
  });
}

const server = createServer((req, res) => {
  req.resume();
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/health') return sendJson(res, 200, { ok: true, queued: queue.length, busy });
  if (path !== '/quote') return sendJson(res, 404, { error: 'no such route' });
  let answered = false;
  const timer = setTimeout(() => {
    answered = true;
    sendJson(res, 504, { error: `backend did not answer within ${timeoutMs} ms` });
  }, timeoutMs);
  void backendCall().then((quote) => {
    if (answered) return; // the caller is gone; the backend's work was wasted
    clearTimeout(timer);
    sendJson(res, 200, { quote });
  });
});

await serveUntilSignal(server);
