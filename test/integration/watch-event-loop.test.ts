/**
 * The eventLoop watcher against a Node service (a child process) serving the probe's pinned text,
 * whose event loop is blocked for a known time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startWatch } from '../../src/watch/session.js';
import type { WatchItem } from '../../src/plan/schema.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const values = (points: Array<[number, number | null]>) => points.map(([, v]) => v).filter((v): v is number => v !== null);

test('a blocked event loop shows a delay of at least the block, and the app gauges come through', { timeout: 60_000 }, async () => {
  const child = fork(fileURLToPath(new URL('../helpers/probe-target-child.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve) => child.on('message', (m: { type: string; port: number }) => m.type === 'ready' && resolve(m.port)));
    const origin = Date.now();
    const session = await startWatch([{ eventLoop: { url: `http://127.0.0.1:${port}/__loadproof/metrics` }, intervalMs: 500 }] as WatchItem[], { self: false });
    await sleep(1_200);
    const BLOCK_MS = 400;
    const blocked = new Promise((resolve) => child.on('message', (m: { type: string }) => m.type === 'blocked' && resolve(m)));
    child.send({ type: 'block', ms: BLOCK_MS });
    await blocked;
    await sleep(1_500);
    assert.equal(session.latest()?.series.startsWith('eventLoop.app.'), true, 'the headline comes from the event loop');
    const out = await session.stop(origin);
    const s = (suffix: string) => values(out.series[`eventLoop.app.${suffix}`].points);
    // monitorEventLoopDelay samples every 10 ms, so a block of B ms records a delay of at least B − 10 ms
    assert.ok(Math.max(...s('delayMaxMs')) >= BLOCK_MS - 10, `max delay ${Math.max(...s('delayMaxMs'))} ms`);
    assert.ok(Math.max(...s('delayP99Ms')) >= BLOCK_MS - 10, 'p99 of the interval holding the block');
    assert.ok(Math.min(...s('delayP50Ms')) < 50, 'an idle loop has a small median delay');
    // the interval holding a 400 ms block is at least 400/900 busy (500 ms interval, stretched by the block)
    assert.ok(Math.max(...s('utilization')) >= 0.4, `utilisation ${Math.max(...s('utilization'))}`);
    assert.ok(s('heapUsedBytes').every((v) => v > 1e6));
    assert.ok(s('rssBytes').every((v) => v > 1e7));
    assert.ok(s('gcPauseMsPerSec').every((v) => v >= 0));
    assert.ok(s('activeHandles').every((v) => v >= 1));
    assert.deepEqual([...new Set(s('gauge.pool_in_use'))], [3]);
    assert.deepEqual([...new Set(s('gauge.pool_size'))], [10]);
    assert.equal(out.series['eventLoop.app.delayP99Ms'].unit, 'ms');
    assert.equal(out.series['eventLoop.app.delayP99Ms'].role, 'app');
    assert.deepEqual(out.warnings, []);
  } finally {
    child.kill('SIGKILL');
  }
});

test('an eventLoop watcher pointed at a closed port warns once and records gaps', { timeout: 30_000 }, async () => {
  const origin = Date.now();
  // port 9 (discard) has no listener on this loopback; connect is refused at once
  const session = await startWatch([{ eventLoop: { url: 'http://127.0.0.1:9/__loadproof/metrics', label: 'gone' }, intervalMs: 300 }] as WatchItem[]);
  await sleep(1_300);
  const out = await session.stop(origin);
  const p99 = out.series['eventLoop.gone.delayP99Ms'].points;
  assert.ok(p99.length >= 3 && p99.every(([, v]) => v === null), JSON.stringify(p99));
  assert.equal(out.warnings.length, 1);
  assert.match(out.warnings[0].message, /^cannot scrape http:\/\/127\.0\.0\.1:9\/__loadproof\/metrics: .*ECONNREFUSED.* \(\d+ of \d+ samples missed\)$/);
  assert.ok(values(out.series['self.generator.rssBytes'].points).length >= 1, 'the run goes on');
});
