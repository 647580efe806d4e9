/**
 * Session guarantees: a slow watcher's ticks are skipped (never queued, never overlapping), and it
 * does not delay another watcher; the live headline; t on the run's axis.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startWatch } from '../../src/watch/session.js';
import type { WatchItem } from '../../src/plan/schema.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a slow scrape is skipped, not queued, and does not delay the other watchers', { timeout: 60_000 }, async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  let served = 0;
  const slow = createServer((_req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    setTimeout(() => {
      inFlight--;
      served++;
      res.writeHead(200);
      res.end('slow_gauge 1\n');
    }, 800); // longer than the 300 ms interval, shorter than the 1 s scrape timeout
  });
  const fast = createServer((_req, res) => {
    res.writeHead(200);
    res.end('fast_gauge 2\n');
  });
  await Promise.all([slow, fast].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))));
  try {
    const url = (s: typeof slow) => `http://127.0.0.1:${(s.address() as AddressInfo).port}/metrics`;
    const origin = Date.now();
    const session = await startWatch(
      [
        { prometheus: { url: url(slow), label: 'slow' }, intervalMs: 300 },
        { prometheus: { url: url(fast), label: 'fast' }, intervalMs: 300 },
      ] as WatchItem[],
      { self: false, startTimeoutMs: 100 },
    );
    await sleep(3_000);
    const out = await session.stop(origin);
    assert.equal(maxInFlight, 1, 'never two scrapes of one target at once');
    const slowInfo = out.info['prometheus.slow'] as { samples: { ok: number; skipped: number } };
    const fastInfo = out.info['prometheus.fast'] as { samples: { ok: number; skipped: number } };
    assert.ok(slowInfo.samples.skipped >= 3, JSON.stringify(slowInfo.samples));
    assert.ok(slowInfo.samples.ok <= served);
    // the fast watcher kept its own pace: about 3000 / 300 = 10 samples; ≥ 7 leaves room for a loaded machine
    assert.ok(fastInfo.samples.ok >= 7, JSON.stringify(fastInfo.samples));
    assert.equal(fastInfo.samples.skipped, 0);
    const t = out.series['prometheus.fast.fast_gauge'].points.map(([x]) => x);
    assert.ok(t.every((x, i) => x >= 0 && (i === 0 || x > t[i - 1])), 'seconds from the origin, increasing');
    assert.ok(t[t.length - 1] <= 3.5);
    assert.deepEqual(out.warnings, []);
  } finally {
    for (const s of [slow, fast]) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }
});

test('stop() twice returns the same result; labels that collide are numbered', { timeout: 30_000 }, async () => {
  const session = await startWatch(
    [{ eventLoop: { url: 'http://127.0.0.1:9/m' }, intervalMs: 200 }, { eventLoop: { url: 'http://127.0.0.1:9/n' }, intervalMs: 200 }] as WatchItem[],
    { self: false },
  );
  assert.deepEqual(session.watchers.map((w) => w.name), ['eventLoop.app', 'eventLoop.app_2']);
  await sleep(300);
  const a = await session.stop(Date.now() - 1000);
  const b = await session.stop(0);
  assert.equal(a, b);
  assert.deepEqual(a.warnings.map((w) => w.source), ['eventLoop.app', 'eventLoop.app_2']);
});
