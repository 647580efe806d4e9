/**
 * The self watcher: the generator's CPU (worker threads included), main event-loop delay and RSS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { startWatch } from '../../src/watch/session.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a busy worker thread counts in the generator CPU; a blocked main thread in its event-loop delay', { timeout: 60_000 }, async () => {
  const origin = Date.now();
  const session = await startWatch([], { intervalMs: 500 });
  await sleep(600);
  // a worker spinning for 1.5 s: the main thread stays idle, so only process-wide CPU can see it
  const worker = new Worker('const end = Date.now() + 1500; while (Date.now() < end) {} ', { eval: true });
  await new Promise((r) => worker.once('exit', r));
  const BLOCK_MS = 300;
  const end = Date.now() + BLOCK_MS;
  while (Date.now() < end) {
    // the main thread is blocked
  }
  await sleep(1_200);
  const out = await session.stop(origin);
  const cpu = out.series['self.generator.cpuPct'].points.map(([, v]) => v ?? 0);
  // 1.5 s of one busy thread spans ≥ 2 intervals of 500 ms that are nearly all busy; ≥ 60% leaves room
  // for a loaded machine taking the core away part of the time
  assert.ok(Math.max(...cpu) >= 60, `generator CPU ${JSON.stringify(cpu)}`);
  const delay = out.series['self.generator.eventLoopDelayP99Ms'].points.map(([, v]) => v ?? 0);
  // a 300 ms block of the main thread is recorded as a delay of at least 300 − 10 ms (the monitor's resolution)
  assert.ok(Math.max(...delay) >= BLOCK_MS - 10, `delay ${JSON.stringify(delay)}`);
  assert.ok(out.series['self.generator.rssBytes'].points.every(([, v]) => v !== null && v > 1e7));
  assert.equal(out.series['self.generator.cpuPct'].role, 'generator');
  assert.equal(out.series['self.generator.cpuPct'].watcher, 'self');
});
