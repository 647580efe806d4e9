import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { probe } from './probe.js';

/** name{labels} value → { 'name{labels}': value } */
function parseText(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${line}`);
    out.set(m[1]!, m[2] === 'NaN' ? NaN : Number(m[2]));
  }
  return out;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const busyMs = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // block the event loop on purpose
  }
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a blocked event loop shows as the max delay of the next scrape; the interval then resets', async () => {
  let inUse = 3;
  const handler = probe({ gauges: { pool_in_use: () => inUse, pool_size: () => 10, broken: () => { throw new Error('x'); } } });
  const server = createServer((req, res) => (req.url === '/__loadproof/metrics' ? handler(req, res) : res.writeHead(404).end()));
  const url = `${await listen(server)}/__loadproof/metrics`;
  try {
    const first = await fetch(url);
    assert.equal(first.status, 200);
    assert.match(first.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    await first.text();

    const BLOCK_MS = 300;
    busyMs(BLOCK_MS);
    await sleep(30); // let the delay timer fire late (that late firing is the measured delay)
    inUse = 7;
    const second = parseText(await (await fetch(url)).text());
    const maxS = second.get('loadproof_event_loop_delay_seconds{quantile="1"}')!;
    // A block of B ms reads between B − 10 ms (the timer resolution) and B: allow 12 ms.
    assert.ok(maxS >= (BLOCK_MS - 12) / 1000, `max delay ${maxS}s after a ${BLOCK_MS} ms block`);
    assert.ok(second.get('loadproof_event_loop_delay_seconds{quantile="0.5"}')! <= maxS);
    assert.ok(second.get('loadproof_event_loop_delay_seconds_count')! >= 1);
    // the loop was busy for 300 ms of an interval of ~330 ms plus the fetch: well over half
    const elu = second.get('loadproof_event_loop_utilization')!;
    assert.ok(elu > 0.5 && elu <= 1, `utilization ${elu}`);
    assert.equal(second.get('loadproof_app_pool_in_use'), 7);
    assert.equal(second.get('loadproof_app_pool_size'), 10);
    assert.ok(Number.isNaN(second.get('loadproof_app_broken')!), 'a throwing gauge reads NaN');
    assert.ok(second.get('loadproof_heap_used_bytes')! > 1e6);
    assert.ok(second.get('loadproof_rss_bytes')! >= second.get('loadproof_heap_used_bytes')!);
    assert.ok(second.get('loadproof_active_handles')! >= 1, 'the listening socket at least');

    // Next interval: no block. Its max is below the blocked one (reset per scrape).
    await sleep(100);
    const third = parseText(await (await fetch(url)).text());
    assert.ok(third.get('loadproof_event_loop_delay_seconds{quantile="1"}')! < maxS, 'the histogram resets per scrape');

    const post = await fetch(url, { method: 'POST' });
    assert.equal(post.status, 405);
    await post.text();
  } finally {
    handler.close();
    await new Promise((r) => server.close(r));
  }
});

test('GC pauses accumulate in loadproof_gc_pause_seconds_total', async () => {
  const handler = probe();
  try {
    const before = parseText(handler.scrape()).get('loadproof_gc_pause_seconds_total')!;
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    for (let i = 0; i < 3; i++) gc();
    await sleep(50); // PerformanceObserver callbacks are delivered asynchronously
    const after = parseText(handler.scrape()).get('loadproof_gc_pause_seconds_total')!;
    assert.ok(after > before, `gc total ${before} → ${after}`);
  } finally {
    handler.close();
  }
});

test('gauge names are checked when the probe is made', () => {
  assert.throws(() => probe({ gauges: { 'pool-in-use': () => 1 } }), /must match/);
});
