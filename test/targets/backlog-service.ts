/**
 * A server with a tiny listen backlog and a periodically stalled accept path, for the listen-backlog
 * end-to-end test: `node dist/test/targets/backlog-service.js [--backlog 1] [--stall 100] [--every 700]`.
 *
 *   listen({ backlog })  the kernel's accept queue for the port holds backlog + 1 connections (Linux
 *                        counts it full past the backlog); a SYN arriving while it is full is dropped
 *                        (net.ipv4.tcp_abort_on_overflow = 0, the default; SYN cookies do not help:
 *                        they cover a full SYN queue, not a full accept queue) and the client sends it
 *                        again after its initial retransmission timeout, 1 s, then 2 s later, …
 *   stall                every `every` ms the event loop stops for `stall` ms in Atomics.wait — a
 *                        synchronous call that waits (a lock, a synchronous file or DNS call) and costs
 *                        no CPU. Meanwhile nothing is accepted. So more than backlog + 1 connections
 *                        arriving within one stall overflow the queue: the designed limit is
 *                        (backlog + 1) × 1000 / stall new connections per second (20 with the defaults).
 *   GET /work            200 {"ok": true} with `Connection: close`: the client opens a new connection for
 *                        every request (a server with keep-alive off), so the connection rate is the
 *                        request rate.
 *   GET /health          200 {"backlog", "stallMs", "everyMs", "stalls"}
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { numberFlag, sendJson } from './serve.js';

const backlog = numberFlag('backlog', 1);
const stallMs = numberFlag('stall', 100);
const everyMs = numberFlag('every', 700);
const cell = new Int32Array(new SharedArrayBuffer(4));
let stalls = 0;

const server = createServer((req, res) => {
  req.resume();
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const close = { connection: 'close' };
  if (path === '/health') return sendJson(res, 200, { backlog, stallMs, everyMs, stalls }, close);
  if (path !== '/work') return sendJson(res, 404, { error: 'no such route' }, close);
  sendJson(res, 200, { ok: true }, close);
});

await new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.listen({ port: numberFlag('port', 0), host: '127.0.0.1', backlog }, () => resolve());
});
const timer = setInterval(() => {
  stalls++;
  Atomics.wait(cell, 0, 0, stallMs); // nobody notifies: returns "timed-out" after stallMs, the thread asleep
}, everyMs);
process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);

const stop = (): void => {
  clearInterval(timer);
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
