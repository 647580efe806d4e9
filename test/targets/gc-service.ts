/**
 * A service whose core goes to garbage collection, for the gc-pressure end-to-end test:
 * `node --max-old-space-size=96 dist/test/targets/gc-service.js --live-mb 48 --churn 300`.
 *
 * At start it builds a live set of `live-mb` MiB of small records (about 1 KiB each: an object, a
 * string and a small array) kept in one array, and holds it for its whole life — a large cache. Each
 * request then replaces `churn` random records with new ones: the old ones become garbage in the old
 * generation, the new ones survive their scavenges and are promoted. So every request leaves
 * `churn` KiB of old-generation garbage, and with the live set filling half of a small old space
 * (`--max-old-space-size`) V8 runs a mark-compact over the whole live set every few MiB promoted:
 * the GC time per request is fixed by the design (records per request, records live), the
 * request's own work (building `churn` records) is small beside it. The heap does not grow: the
 * live set keeps its size, memory-leak's symptom is absent.
 *
 *   GET /work                   replaces `churn` records, answers 200 {"replaced": churn}
 *   GET /__loadproof/metrics    the probe (GC pause time, heap used, event-loop utilisation)
 *   GET /metrics                prom-client's default metrics (nodejs_gc_duration_seconds by kind,
 *                               nodejs_heap_size_used_bytes, nodejs_heap_size_total_bytes, …), as
 *                               most Node services expose them
 */
import { createServer } from 'node:http';
import client from 'prom-client';
import { probe } from '../../src/watch/probe.js';
import { numberFlag, sendJson, serveUntilSignal } from './serve.js';

const liveMb = numberFlag('live-mb', 48);
const churn = numberFlag('churn', 300);

interface Record_ {
  id: number;
  name: string;
  tags: number[];
  next: Record_ | null;
}

let seq = 0;
/** About 1 KiB of heap: the object, a 200-character one-byte string, an array of 64 small integers. */
function record(): Record_ {
  seq++;
  return { id: seq, name: `record-${seq}-`.padEnd(200, String.fromCharCode(97 + (seq % 26))), tags: Array.from({ length: 64 }, (_, i) => (seq + i) & 0xff), next: null };
}

const live: Record_[] = [];
const count = Math.round(liveMb * 1024);
for (let i = 0; i < count; i++) live.push(record());

const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });
const metrics = probe();

const server = createServer((req, res) => {
  req.resume();
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/__loadproof/metrics') return metrics(req, res);
  if (path === '/metrics') {
    void registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
    });
    return;
  }
  if (path !== '/work') return sendJson(res, 404, { error: 'no such route' });
  for (let i = 0; i < churn; i++) live[Math.floor(Math.random() * live.length)] = record();
  sendJson(res, 200, { replaced: churn, live: live.length });
});

await serveUntilSignal(server, () => metrics.close());
