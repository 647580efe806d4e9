import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickHeadline } from './headline.js';

const at = (entries: Record<string, number>, atMs = 1000) => new Map(Object.entries(entries).map(([k, v]) => [k, { atMs, value: v }]));
const opts = { cores: 2, nowMs: 1500, maxAgeMs: 3500 };

test('the most saturated signal wins: a full pg pool beats a half-busy CPU', () => {
  const h = pickHeadline(
    at({
      'process.port3000.cpuPct': 55,
      'process.port3000.count': 1,
      'postgres.shop.connections.active': 10,
      'postgres.shop.connections.total': 10,
      'postgres.shop.connections.max': 100,
      'self.generator.cpuPct': 190,
    }),
    (n) => (n.startsWith('process') ? 'app' : 'db'),
    opts,
  );
  assert.deepEqual(h, { label: 'pg active', text: '10/10', saturation: 1, series: 'postgres.shop.connections.active' });
});

test('CPU of one process is scored against one core; stale and generator values are ignored', () => {
  const h = pickHeadline(at({ 'process.port3000.cpuPct': 87, 'process.port3000.count': 1 }), () => 'app', opts);
  assert.equal(h?.label, 'app CPU');
  assert.equal(h?.text, '87%');
  assert.equal(pickHeadline(at({ 'process.port3000.cpuPct': 87 }, -10_000), () => 'app', opts), null);
  assert.equal(pickHeadline(at({ 'self.generator.cpuPct': 150 }), () => 'generator', opts), null);
});

test('an app pool with waiters is saturated', () => {
  const h = pickHeadline(
    at({ 'eventLoop.app.gauge.pool_in_use': 10, 'eventLoop.app.gauge.pool_size': 10, 'eventLoop.app.gauge.pool_waiting': 4, 'eventLoop.app.utilization': 0.3 }),
    () => 'app',
    opts,
  );
  assert.equal(h?.text, '10/10, 4 waiting');
});
