import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { FD_HEADROOM, ensureFdLimit, fdLimitMessage, parseOpenFilesLimits } from './fd-limit.js';

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
