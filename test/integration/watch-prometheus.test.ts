/**
 * The prometheus watcher scraping a real prom-client registry served by node:http on port 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import client from 'prom-client';
import { startWatch } from '../../src/watch/session.js';
import type { WatchItem } from '../../src/plan/schema.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const values = (points: Array<[number, number | null]>) => points.map(([, v]) => v).filter((v): v is number => v !== null);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function serve(registry: client.Registry, port = 0): Promise<Server> {
  const server = createServer((_req, res) => {
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(text);
      },
      () => {
        res.writeHead(500);
        res.end();
      },
    );
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
const close = (s: Server) => new Promise<void>((r) => {
  s.closeAllConnections();
  s.close(() => r());
});

test('counters become rates, histograms quantiles of each interval, summaries and gauges as read', { timeout: 60_000 }, async () => {
  const registry = new client.Registry();
  const requests = new client.Counter({ name: 'test_requests_total', help: 'h', labelNames: ['route'], registers: [registry] });
  const duration = new client.Histogram({ name: 'test_duration_seconds', help: 'h', buckets: [0.05, 0.1, 0.2, 0.5, 1], registers: [registry] });
  const summary = new client.Summary({ name: 'test_size_bytes', help: 'h', percentiles: [0.5, 0.9], registers: [registry] });
  new client.Gauge({ name: 'test_pool_in_use', help: 'h', registers: [registry] }).set(7);
  new client.Gauge({ name: 'other_gauge', help: 'h', registers: [registry] }).set(1);
  for (let i = 1; i <= 10; i++) summary.observe(i * 100);
  // 50 increments a second, paced by elapsed time so that a late timer on a loaded machine does not
  // lower the true rate; each tick also observes durations in a fixed 7:3 ratio (0.03 s and 0.3 s)
  const RATE = 50;
  let done = 0;
  const t0 = performance.now();
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - t0) / 1000) * RATE);
    for (; done < due; done++) requests.inc({ route: '/a' });
    for (let i = 0; i < 7; i++) duration.observe(0.03);
    for (let i = 0; i < 3; i++) duration.observe(0.3);
  }, 100);
  const server = await serve(registry);
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    const origin = Date.now();
    const session = await startWatch([{ prometheus: { url, match: ['test_.*'] } }] as WatchItem[], { self: false });
    await sleep(4_300);
    const out = await session.stop(origin);
    const s = (name: string) => out.series[`prometheus.prom.${name}`];

    const rate = values(s('test_requests_total{route="/a"}').points);
    assert.ok(rate.length >= 3);
    // each point is Δcount/Δt with the count moving in steps of 5 (one tick): ±10% per 1 s point; the
    // mean over ≥ 3 points stays within ±10% of 50/s
    assert.ok(Math.abs(mean(rate) - RATE) <= RATE * 0.1, `rate ${mean(rate)}`);
    assert.equal(s('test_requests_total{route="/a"}').unit, '/s');

    // 7 of every 10 observations in (0, 0.05], 3 in (0.2, 0.5]: histogram_quantile interpolation gives
    // p50 = 0.05 × 0.5/0.7, p95 = 0.2 + 0.3 × 0.25/0.3, p99 = 0.2 + 0.3 × 0.29/0.3 — exactly, per interval
    const near = (xs: number[], x: number) => xs.every((v) => Math.abs(v - x) < 1e-9);
    assert.ok(near(values(s('test_duration_seconds.p50').points), 0.05 * (0.5 / 0.7)), JSON.stringify(s('test_duration_seconds.p50').points));
    assert.ok(near(values(s('test_duration_seconds.p95').points), 0.45));
    assert.ok(near(values(s('test_duration_seconds.p99').points), 0.49));
    assert.equal(s('test_duration_seconds.p95').unit, 's');

    // summaries carry their own quantiles (prom-client's t-digest): stored as the target computed them
    const ownP50 = (await summary.get()).values.find((v) => v.labels.quantile === 0.5)?.value;
    assert.deepEqual([...new Set(values(s('test_size_bytes.p50').points))], [ownP50]);
    assert.equal(s('test_size_bytes.p50').unit, 'bytes');
    assert.ok(values(s('test_size_bytes.p90').points).length > 0);
    assert.deepEqual([...new Set(values(s('test_pool_in_use').points))], [7]);
    assert.equal(out.series['prometheus.prom.other_gauge'], undefined, 'not matched, not kept');
    assert.deepEqual(out.warnings, []);
  } finally {
    clearInterval(timer);
    await close(server);
  }
});

test('a target that goes away mid-run leaves a gap, then data again when it is back', { timeout: 60_000 }, async () => {
  const registry = new client.Registry();
  new client.Gauge({ name: 'up_gauge', help: 'h', registers: [registry] }).set(1);
  let server = await serve(registry);
  const port = (server.address() as AddressInfo).port;
  const origin = Date.now();
  const session = await startWatch([{ prometheus: { url: `http://127.0.0.1:${port}/metrics`, label: 'svc' }, intervalMs: 300 }] as WatchItem[], {
    self: false,
  });
  await sleep(900);
  await close(server);
  await sleep(1_000);
  server = await serve(registry, port);
  await sleep(1_000);
  const out = await session.stop(origin);
  await close(server);
  const pts = out.series['prometheus.svc.up_gauge'].points;
  const gap = pts.findIndex(([, v]) => v === null);
  assert.ok(gap > 0, `data then a gap: ${JSON.stringify(pts)}`);
  assert.ok(pts.slice(gap).some(([, v]) => v === 1), 'data again');
  assert.equal(out.warnings.length, 1, JSON.stringify(out.warnings));
  assert.equal(out.warnings[0].source, 'prometheus.svc');
});

test('an invalid match regex is a plan error (exit 2) naming the field', async () => {
  await assert.rejects(
    startWatch([{ prometheus: { url: 'http://127.0.0.1:9/metrics', match: ['ok_.*', '(unclosed'] } }] as WatchItem[], { self: false }),
    (e: Error & { code?: string; where?: string }) => e.code === 'LP_PLAN_INVALID' && e.where === 'watch.0.prometheus.match.1',
  );
});
