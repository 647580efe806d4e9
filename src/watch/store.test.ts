import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeriesStore } from './store.js';

test('toSeries puts points on the run axis (seconds from the origin) and drops points before it', () => {
  const s = new SeriesStore();
  const meta = { unit: '%', watcher: 'process' as const, target: 'pid 1', role: 'app' as const };
  s.record('process.pid1.cpuPct', meta, 9_500, 10); // priming read, before the run's start
  s.record('process.pid1.cpuPct', meta, 11_000, 20);
  s.record('process.pid1.cpuPct', meta, 12_000, null);
  s.record('process.pid1.cpuPct', meta, 13_250, Number.NaN); // not finite → a gap
  const out = s.toSeries(10_000);
  assert.deepEqual(out['process.pid1.cpuPct'], {
    unit: '%',
    watcher: 'process',
    target: 'pid 1',
    role: 'app',
    points: [
      [1, 20],
      [2, null],
      [3.25, null],
    ],
  });
  assert.equal(s.latest().get('process.pid1.cpuPct')?.value, 20);
});
