#!/usr/bin/env node
// Merge benchmark: writes N synthetic shard logs of a distributed run (default 4 shards of one
// hour: 3,600 seconds each, 2 endpoints, latency / service / send-lag histograms per second and
// per endpoint, as `run --segment i/N` logs them) and times `loadproof merge` on them: first the
// merge alone in this process (read + parse + add every second's histograms and counters), then
// the whole command as a user runs it (merge, thresholds, analysis, reports).
//
//   node bench/merge.mjs [--shards 4] [--seconds 3600] [--rate 2500] [--keep]
//
// --rate is each shard's requests per second; it sets how many samples each histogram holds and
// so how many buckets are filled. Build first (`npm run build`). Figures belong to a quiet
// machine; the load average is printed with them.
import { mkdtempSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { createHistogram, recordUs, encodeHistogram } = await import(join(root, 'dist/src/metrics/histogram.js'));
const { LOG_SCHEMA, logLine } = await import(join(root, 'dist/src/metrics/log.js'));
const { mergeShards } = await import(join(root, 'dist/src/metrics/merge.js'));
const { readShards } = await import(join(root, 'dist/src/cli/commands/merge.js'));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SHARDS = arg('shards', 4);
const SECONDS = arg('seconds', 3600);
const RATE = arg('rate', 2500);
const keep = process.argv.includes('--keep');

// a pool of distinct encoded histograms (log-normal latencies around 20 ms), reused across seconds:
// the merge's cost is decoding, adding and encoding, which depends on the filled buckets, not on
// where the samples came from
let seed = 12345;
const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const gauss = () => Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd());
function pool(n, samples, medianUs, sigma) {
  return Array.from({ length: n }, () => {
    const h = createHistogram();
    for (let i = 0; i < samples; i++) recordUs(h, medianUs * Math.exp(sigma * gauss()));
    return encodeHistogram(h);
  });
}
const PER_EP = Math.round(RATE / 2);
const lat = pool(32, PER_EP, 20_000, 0.6);
const all = pool(32, RATE, 20_000, 0.6);
const lag = pool(32, RATE, 150, 0.8);

const dir = mkdtempSync(join(tmpdir(), 'lp-bench-merge-'));
const files = [];
const t0 = Date.now();
for (let s = 0; s < SHARDS; s++) {
  const lines = [];
  lines.push(logLine({
    type: 'header', schema: LOG_SCHEMA, tool: { name: 'loadproof', version: 'bench' }, startedAt: '2026-01-01T00:00:00.000Z',
    plan: { name: 'bench merge', hypothesis: 'p95 < 50 ms', target: 'http://127.0.0.1:1', pattern: null, model: 'open',
      stages: [{ durationSec: 0, target: RATE * SHARDS }, { durationSec: SECONDS, target: RATE * SHARDS }], thresholds: { http_req_duration: ['p(95)<50'] }, abort: {}, scenarios: [] },
    endpoints: [{ name: 'GET /a', method: 'GET', scenario: 's' }, { name: 'GET /b', method: 'GET', scenario: 's' }],
    model: 'open', workers: 1, cores: 2, pid: 1000 + s, segment: { index: s, count: SHARDS }, host: `gen-${s}`, startAt: '2026-01-01T00:00:00.000Z', startSkewMs: 0, seed: 1,
  }));
  for (let t = 0; t < SECONDS; t++) {
    const k = (t * 7 + s * 13) % 32;
    const ep = (e) => ({ e, requests: PER_EP, errors: 0, statusCodes: { 200: PER_EP }, errorKinds: {}, checksPasses: 0, checksFails: 0, bytesIn: PER_EP * 120, bytesOut: PER_EP * 80, hdr: lat[(k + e) % 32] });
    lines.push(logLine({
      type: 'second', t, durationSec: 1, stage: 1, offeredRps: RATE, vus: null, inFlight: 50, dropped: 0, iterations: RATE,
      hdr: all[k], serviceHdr: all[(k + 1) % 32], sendLagHdr: lag[k], endpoints: [ep(0), ep(1)],
      generator: { cpuPct: 40, eventLoopDelayP99Ms: 2, rssBytes: 90e6, workerBusyPct: 35 },
    }));
  }
  lines.push(logLine({ type: 'end', endedAt: new Date(Date.parse('2026-01-01T00:00:00.000Z') + SECONDS * 1000).toISOString(), durationSec: SECONDS, stop: { reason: 'completed' }, warnings: [] }));
  const f = join(dir, `shard-${s}.ndjson`);
  writeFileSync(f, lines.join(''));
  files.push(f);
}
const bytes = files.reduce((a, f) => a + statSync(f).size, 0);
console.log(`wrote ${SHARDS} shards × ${SECONDS} s (${(bytes / 1e6).toFixed(1)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const load0 = loadavg()[0];
let t = process.hrtime.bigint();
const shards = await readShards(files);
const tRead = Number(process.hrtime.bigint() - t) / 1e9;
t = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const merged = mergeShards(shards);
const tMerge = Number(process.hrtime.bigint() - t) / 1e9;
const cpu = process.cpuUsage(cpu0);
// CPU time beside the wall time: on a busy machine the wall time also counts the waits for a core
console.log(`in process: read + parse ${tRead.toFixed(2)} s, merge ${tMerge.toFixed(2)} s (CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s; ${merged.summary.requests} requests, p99 ${merged.summary.latencyMs.p99} ms)`);

t = process.hrtime.bigint();
const cli = spawnSync(process.execPath, [join(root, 'bin/loadproof.js'), 'merge', ...files, '--out', join(dir, 'merged')], { encoding: 'utf8' });
const tCli = Number(process.hrtime.bigint() - t) / 1e9;
console.log(`loadproof merge (whole command: merge, thresholds, analysis, reports): ${tCli.toFixed(2)} s, exit ${cli.status}`);
console.log(`load average ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)} on ${cpus().length} cores`);
if (!keep) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
