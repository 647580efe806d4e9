// Benchmark: memory held per second of run by the main thread's recording, load-independent. A run
// simulated through the engine's recording path (test/helpers/long-run.ts: Recorder →
// SecondCollector → mergeSecond → RunTotals) is stopped at each checkpoint (one simulation per
// checkpoint); there, after a full GC, the heap in use (V8 heap + array buffers) is read, then the
// fields of RunTotals that grow with the run are dropped one after the other, each drop's fall in
// the heap being what that field held. Prints the bytes held per second of run between the
// checkpoints, in all and by owner.
// Needs `npm run build` first (it imports dist/; --dist DIR reads another build) and --expose-gc.
// --store file keeps the timeline's points in a file, as `run` and `quick` do (FilePointStore); the
// default keeps them in memory, as a result rebuilt from a log does (MemoryPointStore).
// Usage: node --expose-gc bench/held-memory.mjs [--rate 2000] [--at 60,660,1260] [--store memory|file] [--dist DIR]
//   [--snapshot DIR] (writes a heap snapshot at each checkpoint, before the drops)
import { writeHeapSnapshot } from 'node:v8';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const rate = Number(arg('rate', 2000));
const at = String(arg('at', '60,660,1260')).split(',').map(Number);
const snapshotDir = arg('snapshot', null);
const dist = arg('dist', new URL('../dist', import.meta.url).pathname);
const { simulateRun } = await import(join(dist, 'test/helpers/long-run.js'));
const storeKind = arg('store', 'memory');
const tmp = mkdtempSync(join(tmpdir(), 'lp-held-'));

const used = () => {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

// the fields of RunTotals (timeline.ts) that grow with the run, before and after the point store
const OWNERS = ['points', 'store', 'cpu', 'loopDelay', 'rss', 'busy', 'generator', 'coarse'];
const samples = [];
for (const end of at) {
  let totals = null;
  let store;
  if (storeKind === 'file') {
    const { FilePointStore } = await import(join(dist, 'src/metrics/point-store.js'));
    store = new FilePointStore(join(tmp, `points-${end}`));
  }
  simulateRun({ seconds: end + 1, ratePerSec: rate, pointStore: store, onSecond: (sec, t) => (totals = t) });
  if (snapshotDir) writeHeapSnapshot(join(snapshotDir, `held-${end}.heapsnapshot`));
  const heapBytes = used();
  const owners = {};
  let before = heapBytes;
  for (const k of OWNERS) {
    if (!(k in totals)) continue;
    totals[k] = null;
    const after = used();
    owners[`RunTotals.${k}`] = before - after;
    before = after;
  }
  samples.push({ sec: end, heapBytes, owners });
  totals = null;
  store?.close();
}
rmSync(tmp, { recursive: true, force: true });
const perSec = [];
for (let i = 1; i < samples.length; i++) {
  const a = samples[i - 1];
  const b = samples[i];
  const d = b.sec - a.sec;
  const owners = {};
  for (const k of Object.keys(b.owners)) owners[k] = Math.round((b.owners[k] - (a.owners[k] ?? 0)) / d);
  const all = Math.round((b.heapBytes - a.heapBytes) / d);
  // what the drops did not free: the rest of the process (GC slack, caches, …)
  owners.rest = all - Object.values(owners).reduce((x, y) => x + y, 0);
  perSec.push({ fromSec: a.sec, toSec: b.sec, heapBytesPerSec: all, owners });
}
console.log(JSON.stringify({ rate, store: storeKind, samples: samples.map((s) => ({ sec: s.sec, heapMb: +(s.heapBytes / 1048576).toFixed(2), ownersMb: Object.fromEntries(Object.entries(s.owners).map(([k, v]) => [k, +(v / 1048576).toFixed(2)])) })), bytesPerSecOfRun: perSec }));
