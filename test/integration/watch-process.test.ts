/**
 * The process watcher on a real process with known behaviour (test/helpers/burner.ts): busy 50% of
 * each 100 ms and holding 200 MiB, watched by pid, by port and by name at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startWatch } from '../../src/watch/session.js';
import type { WatchItem } from '../../src/plan/schema.js';
import { startBurner } from '../helpers/burner.js';

const skip = process.platform !== 'linux' ? 'the process watcher reads Linux /proc' : false;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const values = (points: Array<[number, number | null]>) => points.map(([, v]) => v).filter((v): v is number => v !== null);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('CPU and RSS of a process watched by pid, by port and by name match its own account', { skip, timeout: 60_000 }, async () => {
  const title = `lpb${String(process.pid).slice(-5)}${Math.floor(Math.random() * 1000)}`;
  const burner = await startBurner({ busyPct: 50, allocMb: 200, listen: true, title });
  try {
    const before = await burner.usage();
    const origin = Date.now();
    const session = await startWatch(
      [{ process: { pid: burner.pid } }, { process: { port: burner.port! } }, { process: { name: title } }] as WatchItem[],
      { self: false },
    );
    await sleep(4_200);
    const out = await session.stop(origin);
    const after = await burner.usage();
    // the burner's own CPU share over (about) the same window: getrusage, independent of /proc ticks
    const ownPct = ((after.cpuUs - before.cpuUs) / 1000 / (after.atMs - before.atMs)) * 100;
    assert.ok(ownPct > 15, `the burner should burn (it used ${ownPct.toFixed(1)}% of a core)`);
    for (const label of [`pid${burner.pid}`, `port${burner.port}`, title]) {
      const s = (suffix: string) => out.series[`process.${label}.${suffix}`];
      const cpu = values(s('cpuPct').points);
      assert.ok(cpu.length >= 3, `${label}: ${cpu.length} CPU points`);
      // ±15 points: the windows differ by up to one interval at each end, and /proc ticks are 10 ms;
      // the comparison is with the burner's own account, so a loaded machine (which makes it burn
      // less than 50%) moves both numbers together
      assert.ok(Math.abs(mean(cpu) - ownPct) <= 15, `${label}: watched ${mean(cpu).toFixed(1)}% vs own ${ownPct.toFixed(1)}%`);
      const rss = values(s('rssBytes').points).at(-1)!;
      assert.ok(rss >= 200 * 1024 * 1024, `${label}: RSS ${rss} holds the 200 MiB`);
      assert.ok(Math.abs(rss - after.rssBytes) / after.rssBytes <= 0.1, `${label}: RSS ${rss} vs own ${after.rssBytes} (±10%)`);
      assert.equal(values(s('count').points).at(-1), 1);
      assert.ok(values(s('threads').points).at(-1)! >= 2, 'node runs several threads');
      assert.ok(values(s('fds').points).at(-1)! >= 3);
      assert.ok(values(s('fdLimit').points).at(-1)! >= values(s('fds').points).at(-1)!, 'the open-files limit is read from /proc');
      assert.equal(s('cpuPct').unit, '%');
      assert.equal(s('cpuPct').role, 'app');
    }
    assert.match(out.series[`process.port${burner.port}.cpuPct`].target!, new RegExp(`^port ${burner.port} \\(\\d+ cores\\)$`));
    const info = out.info[`process.${title}`] as { processes: Array<{ pid: number; comm: string }>; cores: number };
    assert.deepEqual(info.processes.map((p) => [p.pid, p.comm]), [[burner.pid, title]]);
    assert.equal(out.warnings.length, 0);
  } finally {
    await burner.stop();
  }
});

test('a port whose process goes away shows a gap and a warning, then data again from the new process', { skip, timeout: 60_000 }, async () => {
  const first = await startBurner({ busyPct: 0, listen: true, title: 'lpbfirst' });
  const port = first.port!;
  let second: Awaited<ReturnType<typeof startBurner>> | undefined;
  try {
    const origin = Date.now();
    const session = await startWatch([{ process: { port }, intervalMs: 400 }] as WatchItem[], { self: false });
    await sleep(1_000);
    await first.stop();
    await sleep(1_200);
    second = await startBurner({ busyPct: 0, listen: true, port, title: 'lpbsecond' });
    await sleep(1_500);
    const out = await session.stop(origin);
    const rss = out.series[`process.port${port}.rssBytes`].points;
    const firstGap = rss.findIndex(([, v]) => v === null);
    assert.ok(firstGap > 0, 'data, then a gap');
    assert.ok(rss.slice(firstGap).some(([, v]) => v !== null), 'data again after the gap');
    assert.equal(out.warnings.length, 1);
    assert.match(out.warnings[0].message, new RegExp(`^(nothing listens on port ${port}|the process of port ${port} ended) \\(\\d+ of \\d+ samples missed\\)$`));
    const info = out.info[`process.port${port}`] as { pidsSeen: number[] };
    assert.deepEqual(info.pidsSeen.sort(), [first.pid, second.pid].sort());
  } finally {
    await first.stop();
    await second?.stop();
  }
});
