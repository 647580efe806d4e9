/**
 * The dependency watcher probing a loopback server that answers slowly and throttles half the time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startWatch } from '../../src/watch/session.js';
import type { WatchItem } from '../../src/plan/schema.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const values = (points: Array<[number, number | null]>) => points.map(([, v]) => v).filter((v): v is number => v !== null);

test('latency, error rate and throttled share of a dependency', { timeout: 60_000 }, async () => {
  let n = 0;
  const server = createServer((_req, res) => {
    const status = n++ % 2 === 0 ? 200 : 429;
    setTimeout(() => {
      res.writeHead(status);
      res.end('x');
    }, 30);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
    const origin = Date.now();
    const session = await startWatch([{ dependency: { name: 'payments', url, ratePerSec: 10 } }] as WatchItem[], { self: false });
    await sleep(3_300);
    const out = await session.stop(origin);
    const s = (suffix: string) => values(out.series[`dependency.payments.${suffix}`].points);
    const info = out.info['dependency.payments'] as { probes: number; errors: number; throttled: number; statusCodes: Record<string, number> };
    assert.ok(info.probes >= 20, `${info.probes} probes at 10/s`);
    // every other answer is a 429: over the run, half the probes are errors, all of them throttled
    assert.ok(Math.abs(info.throttled / info.probes - 0.5) <= 0.1, JSON.stringify(info));
    assert.equal(info.errors, info.throttled);
    assert.ok(s('throttledRate').every((v) => v > 0.2 && v < 0.8));
    // the server answers after a 30 ms timer; a timer never fires early
    assert.ok(s('latencyMs').every((v) => v >= 29), JSON.stringify(s('latencyMs')));
    assert.ok(s('p95Ms').every((v) => v >= 29));
    assert.equal(out.series['dependency.payments.latencyMs'].role, 'dependency');
    assert.deepEqual(out.warnings, []);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('a dependency that is down is data (error rate 1) with one warning', { timeout: 30_000 }, async () => {
  const origin = Date.now();
  const session = await startWatch([{ dependency: { name: 'gone', url: 'http://127.0.0.1:9/health', ratePerSec: 5 } }] as WatchItem[], { self: false });
  await sleep(2_200);
  const out = await session.stop(origin);
  const err = values(out.series['dependency.gone.errorRate'].points);
  assert.ok(err.length >= 1 && err.every((v) => v === 1));
  assert.equal(out.series['dependency.gone.latencyMs'], undefined, 'no answer, no latency');
  assert.equal(out.warnings.length, 1);
  assert.match(out.warnings[0].message, /^dependency http:\/\/127\.0\.0\.1:9\/health did not answer: .*ECONNREFUSED/);
});
