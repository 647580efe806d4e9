import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { FD_HEADROOM, connectionsWanted, ensureFdLimit, fdLimitMessage, parseOpenFilesLimits } from './fd-limit.js';

test('parseOpenFilesLimits reads soft and hard, unlimited as Infinity', () => {
  const text = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n';
  assert.deepEqual(parseOpenFilesLimits(text), { soft: 1024, hard: 524288 });
  assert.deepEqual(parseOpenFilesLimits('Max open files            unlimited            unlimited            files\n'), { soft: Infinity, hard: Infinity });
  assert.equal(parseOpenFilesLimits('Max processes 10 10\n'), null);
});

test('ensureFdLimit leaves a sufficient limit alone', () => {
  const o = ensureFdLimit(10);
  assert.equal(o.raised, false);
  assert.equal(o.enough, true);
  assert.equal(fdLimitMessage(o, 10, true), null);
});

test('ensureFdLimit raises a low limit of a real process with prlimit, soft and (with CAP_SYS_RESOURCE) hard', async (t) => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  await new Promise((r) => child.once('spawn', r));
  const pid = child.pid!;
  execFileSync('prlimit', ['--pid', String(pid), '--nofile=100:200']);
  // raising a hard limit takes CAP_SYS_RESOURCE (bit 24 of the effective capabilities), which
  // root in a container may lack
  const capEff = BigInt('0x' + /^CapEff:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
  const root = ((capEff >> 24n) & 1n) === 1n;
  const o = ensureFdLimit(1000, pid);
  const now = parseOpenFilesLimits(readFileSync(`/proc/${pid}/limits`, 'utf8'))!;
  assert.deepEqual(o.before, { soft: 100, hard: 200 });
  assert.equal(o.wanted, 1000 + FD_HEADROOM);
  assert.equal(o.raised, true);
  if (root) {
    assert.deepEqual(now, { soft: 1000 + FD_HEADROOM, hard: 1000 + FD_HEADROOM });
    assert.equal(o.enough, true);
    assert.match(fdLimitMessage(o, 1000, true)!, /raised the open-files limit from 100 to 1,256: this run may open 1,000 connections/);
  } else {
    // the soft limit still goes up to the hard one; the rest is a warning with the command to run
    assert.deepEqual(now, { soft: 200, hard: 200 });
    assert.equal(o.enough, false);
    assert.match(fdLimitMessage(o, 1000, true)!, /open-files limit is 200, but this run may open 1,000 connections.*ulimit -n 1256/);
  }
});

test('fdLimitMessage: a limit that cannot cover the default cap is not worth a warning; an asked-for one is', () => {
  const o = { wanted: 20256, before: { soft: 1024, hard: 1024 }, after: { soft: 1024, hard: 1024 }, raised: false, enough: false, failure: 'prlimit: failed to set the NOFILE resource limit: Operation not permitted' };
  assert.equal(fdLimitMessage(o, 20000, false), null);
  const line = fdLimitMessage(o, 20000, true)!;
  assert.match(line, /^loadproof: warning: the open-files limit is 1,024, but this run may open 20,000 connections; .*\(raising it failed: prlimit: .*Operation not permitted\)\. Raise it before the run: ulimit -n 20256/);
  assert.equal(line.split('\n').length, 2);
});

test('connectionsWanted: a segment wants only its share of the VUs or of the cap', () => {
  const closed = { model: 'closed', stages: [{ durationMs: 20_000, target: 20_000 }, { durationMs: 30_000, target: 20_000 }] } as never;
  const plan = { load: { model: 'closed' } } as never;
  assert.deepEqual(connectionsWanted(plan, closed), { connections: 20_000, explicit: true });
  // 2 × 10,000 fits a 20,000 open-files limit with the headroom: no warning per segment
  assert.deepEqual(connectionsWanted(plan, closed, { index: 0, count: 2 }), { connections: 10_000, explicit: true });
  assert.deepEqual(connectionsWanted(plan, closed, { index: 1, count: 2 }), { connections: 10_000, explicit: true });
  // VU g belongs to segment g mod N: 10 VUs over 3 segments are 4, 3, 3
  const ten = { model: 'closed', stages: [{ durationMs: 1000, target: 10 }] } as never;
  assert.deepEqual([0, 1, 2].map((i) => connectionsWanted(plan, ten, { index: i, count: 3 }).connections), [4, 3, 3]);
  // open model: the cap is split the same way; the default cap is not explicit
  const open = { model: 'open', stages: [{ durationMs: 1000, target: 100 }] } as never;
  assert.deepEqual(connectionsWanted({ load: { model: 'open', connections: 5001 } } as never, open, { index: 0, count: 2 }), { connections: 2501, explicit: true });
  assert.equal(connectionsWanted({ load: { model: 'open' } } as never, open).explicit, false);
});
