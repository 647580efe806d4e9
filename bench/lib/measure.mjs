// Runs a generator command pinned to a CPU under /usr/bin/time and returns its CPU (user + sys,
// seconds), peak RSS and output. Pinning: generator on CPU 0, target on CPU 1 (lib/targets.mjs).
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function timed(cmd, args, { cpu = 0 } = {}) {
  const timeFile = join(tmpdir(), `lp-bench-time-${process.pid}-${Date.now()}`);
  const nice = process.env.BENCH_NICE ? ['nice', '-n', process.env.BENCH_NICE] : [];
  const full = ['-f', '%U %S %M', '-o', timeFile, ...nice, 'taskset', '-c', String(cpu), cmd, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', full, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const [user, sys, maxKb] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-3).map(Number);
      rmSync(timeFile, { force: true });
      resolve({ code, stdout, stderr, cpuSec: user + sys, userSec: user, sysSec: sys, peakRssMb: maxKb / 1024 });
    });
  });
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export function loadAvg() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
}
