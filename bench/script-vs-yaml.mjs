// CPU per request of a scripted GET (script: flow.js, `await vu.get('/')`) against the same GET as
// a YAML step, in one process, against nginx pinned to CPU 1. Each variant is a LoadWorker run in
// this thread (no worker thread, no process start), closed model, the same connections and
// duration; CPU is this process's user+system time over the run. The variants are interleaved
// (yaml, script, yaml, script, …) for `rounds` rounds so that a drift of the machine's load hits
// both alike; the medians are compared.
// The budget: scripted ≤ 2× the YAML path. Take figures on a quiet machine only.
// Usage: taskset -c 0 node bench/script-vs-yaml.mjs [seconds] [connections] [rounds]
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNginx, startNodeTarget } from './lib/targets.mjs';
import { parsePlan } from '../dist/src/plan/parse.js';
import { LoadWorker } from '../dist/src/engine/load-worker.js';
import { compileScript } from '../dist/src/engine/script/compile.js';

const seconds = Number(process.argv[2] ?? 10);
const conns = Number(process.argv[3] ?? 50);
const rounds = Number(process.argv[4] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'lp-bench-script-'));
const scriptFile = join(dir, 'flow.js');
writeFileSync(scriptFile, "export default async (vu) => { await vu.get('/'); };\n");
// BENCH_TARGET=node uses a node:http target instead (for a smoke check where nginx is not installed)
const target = process.env.BENCH_TARGET === 'node' ? await startNodeTarget({ cpu: 1 }) : await startNginx({ cpu: 1 });

async function runOnce(label, scenario, scripts) {
  const plan = parsePlan(`
name: ${label}
target: ${target.url}
load: { model: closed, stages: [{ duration: 0s, target: ${conns} }, { duration: ${seconds}s, target: ${conns} }] }
scenarios: [${scenario}]
`);
  let requests = 0;
  let failed = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((resolve, reject) => {
    const w = new LoadWorker((m) => {
      if (m.type === 'second') requests += m.snap.endpoints.reduce((a, e) => a + e.requests, 0);
      if (m.type === 'failed') reject(new Error(m.message));
      if (m.type === 'ready') w.handle({ type: 'start', originHrNs: process.hrtime.bigint() });
      if (m.type === 'done') {
        failed = m.failures.total;
        resolve();
      }
    });
    w.handle({
      type: 'init',
      config: { worker: 0, workers: 1, plan, target: plan.target, model: 'closed', stages: plan.load.stages, arrivals: 'constant', seed: 1, maxInFlight: 10000, maxConnections: 10000, gracefulStopMs: 1000, spinUs: 0, defaultThink: null, data: [], scripts, segment: { index: 0, count: 1 } },
    });
  });
  const c = process.cpuUsage(c0);
  const wallS = (performance.now() - t0) / 1000;
  const cpuUs = c.user + c.system;
  return { label, requests, failed, rps: Math.round(requests / wallS), cpuUsPerRequest: Math.round((cpuUs / requests) * 100) / 100 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const show = (r) => console.log(`${r.label.padEnd(7)} ${String(r.requests).padStart(8)} requests  ${String(r.rps).padStart(7)} req/s  ${r.cpuUsPerRequest} CPU-µs/request  failed iterations ${r.failed}`);

try {
  const compiled = compileScript(scriptFile);
  const yaml = [];
  const script = [];
  console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (let r = 0; r < rounds; r++) {
    yaml.push(await runOnce('yaml', '{ name: a, flow: [{ get: / }] }', []));
    show(yaml.at(-1));
    script.push(await runOnce('script', `{ name: a, script: ${JSON.stringify(scriptFile)} }`, [[0, compiled]]));
    show(script.at(-1));
  }
  const y = median(yaml.map((r) => r.cpuUsPerRequest));
  const s = median(script.map((r) => r.cpuUsPerRequest));
  const ratios = yaml.map((r, i) => script[i].cpuUsPerRequest / r.cpuUsPerRequest);
  console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`median CPU-µs/request over ${rounds} round(s): yaml ${y}, script ${s}`);
  console.log(`scripted / YAML CPU per request: ${(s / y).toFixed(2)}× (ratio of the medians; per round ${ratios.map((x) => x.toFixed(2)).join(', ')}; budget ≤ 2×)`);
} finally {
  await target.stop();
  rmSync(dir, { recursive: true, force: true });
}
