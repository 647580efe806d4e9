// Benchmark 3: memory. 2,000 req/s open model against nginx for --minutes (default 10): RSS of the
// generator process per second (the result's self.generator.rssBytes series); growth after the
// first minute = max RSS after 60 s − RSS at 60 s. Goal: < 30 MB.
// Also: the RSS slope after the first minute (least squares, MB per hour), and the size of result.json
// and run.ndjson per hour of run, and the load average (1, 5, 15 min) at the start and the end. --keep DIR keeps the output folder (e.g. to time analyze/report on it).
// Usage: node bench/memory.mjs [--minutes 10] [--rate 2000] [--keep DIR]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNginx } from './lib/targets.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const minutes = Number(arg('minutes', 10));
const rate = Number(arg('rate', 2000));
const target = await startNginx({ cpu: 1 });
const keep = arg('keep', null);
const out = keep ?? mkdtempSync(join(tmpdir(), 'lp-bench-mem-'));
const load = () => loadavg().map((x) => +x.toFixed(2));
const loadavgStart = load();
try {
  await new Promise((resolve) => {
    const c = spawn('taskset', ['-c', '0', process.execPath, join(here, '../bin/loadproof.js'), 'quick', target.url, '-R', String(rate), '-c', '50', '-d', `${minutes}m`, '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
    c.on('close', resolve);
  });
  const r = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  const pts = r.watch['self.generator.rssBytes'].points.filter((p) => p[1] !== null);
  const at60 = pts.find((p) => p[0] >= 60)?.[1];
  const after = pts.filter((p) => p[0] >= 60).map((p) => p[1]);
  const mb = (b) => +(b / 1024 / 1024).toFixed(1);
  // Least-squares slope of RSS over time after the first minute, in MB per hour.
  const tail = pts.filter((p) => p[0] >= 60);
  let slopeMbPerHour = null;
  if (tail.length > 2) {
    const n = tail.length;
    const mx = tail.reduce((a, p) => a + p[0], 0) / n;
    const my = tail.reduce((a, p) => a + p[1], 0) / n;
    let sxy = 0;
    let sxx = 0;
    for (const [x, y] of tail) {
      sxy += (x - mx) * (y - my);
      sxx += (x - mx) * (x - mx);
    }
    slopeMbPerHour = +((sxy / sxx) * 3600 / 1024 / 1024).toFixed(2);
  }
  const hours = minutes / 60;
  const sizeMb = (f) => (existsSync(join(out, f)) ? +(statSync(join(out, f)).size / 1024 / 1024 / hours).toFixed(2) : null);
  const summary = {
    minutes,
    rate,
    requests: r.summary.requests,
    achievedRps: r.summary.throughputRps,
    sendLagP99Ms: r.summary.sendLagMs.p99,
    rssAt60sMb: at60 === undefined ? null : mb(at60),
    rssMaxAfter60sMb: after.length ? mb(Math.max(...after)) : null,
    rssEndMb: mb(pts.at(-1)[1]),
    growthAfterFirstMinuteMb: at60 === undefined ? null : mb(Math.max(...after) - at60),
    rssSlopeAfter60sMbPerHour: slopeMbPerHour,
    resultJsonMbPerHour: sizeMb('result.json'),
    runNdjsonMbPerHour: sizeMb('run.ndjson'),
    loadavgStart,
    loadavgEnd: load(),
  };
  console.log(JSON.stringify(summary));
} finally {
  if (!keep) rmSync(out, { recursive: true, force: true });
  await target.stop();
}
