import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { argv0Name, listeningInodes, parseLimitsMaxOpenFiles, parseProcStat, parseStatusRssBytes, readProcess } from './procfs.js';

test('listeningInodes finds LISTEN sockets on a port in /proc/net/tcp and tcp6 text', () => {
  const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 44211 1 0000000000000000 100 0 0 10 0
   1: 0100007F:0BB8 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 55555 1 0000000000000000 20 4 30 10 -1
   2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 44999 1 0000000000000000 100 0 0 10 0`;
  assert.deepEqual(listeningInodes(tcp, 3000), ['44211']); // 0x0BB8 = 3000; the established one is not a listener
  assert.deepEqual(listeningInodes(tcp, 8080), ['44999']);
  const tcp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77001 1 0000000000000000 100 0 0 10 0`;
  assert.deepEqual(listeningInodes(tcp6, 3000), ['77001']);
});

test('parseProcStat reads ticks, start time and threads after a comm with spaces and parentheses', () => {
  const line = '4242 (my (odd) proc) S 1 4242 4242 0 -1 4194560 1200 0 0 0 350 120 0 0 20 0 7 0 98765 1000000 2500 18446744073709551615';
  const s = parseProcStat(line);
  assert.equal(s.pid, 4242);
  assert.equal(s.comm, 'my (odd) proc');
  assert.equal(s.cpuTicks, 470);
  assert.equal(s.threads, 7);
  assert.equal(s.startTicks, 98765);
});

test('parseStatusRssBytes and argv0Name', () => {
  assert.equal(parseStatusRssBytes('Name:\tnode\nVmRSS:\t  204800 kB\nThreads:\t7\n'), 204800 * 1024);
  assert.equal(parseStatusRssBytes('Name:\tkthreadd\n'), 0);
  assert.equal(argv0Name('/usr/bin/node\0server.js\0'), 'node');
  assert.equal(argv0Name('postgres: app shop 127.0.0.1(5000) idle\0\0'), 'postgres:');
});

test('parseLimitsMaxOpenFiles reads the soft open-files limit; readProcess reports it for a process run under ulimit -n 64', async () => {
  const text = `Limit                     Soft Limit           Hard Limit           Units
Max processes             63432                63432                processes
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes`;
  assert.equal(parseLimitsMaxOpenFiles(text), 1024);
  assert.equal(parseLimitsMaxOpenFiles(text.replace('1024 ', 'unlimited ')), null);
  assert.equal(parseLimitsMaxOpenFiles('Limit Soft Hard Units'), null);
  // a process spawned under a lowered limit: `exec` keeps the pid, so the child's pid is the sleeper's
  const child = spawn('sh', ['-c', 'ulimit -n 64; exec sleep 5'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const snap = await readProcess(child.pid!);
    assert.equal(snap.fdLimit, 64);
    assert.ok(snap.fds !== null && snap.fds <= 64);
  } finally {
    child.kill('SIGKILL');
  }
});
