// CPU per request of the engine's own hot path (no process start, no worker thread): a LoadWorker
// run in this thread, closed loop, against nginx pinned to CPU 1. Compare with http-client.mjs's
// bare Connection loop to see what the engine adds on top of the socket work.
// Usage: taskset -c 0 node bench/engine-inproc.mjs [seconds] [connections]
import { performance } from 'node:perf_hooks';
import { startNginx } from './lib/targets.mjs';
import { parsePlan } from '../dist/src/plan/parse.js';
import { LoadWorker } from '../dist/src/engine/load-worker.js';

const seconds = Number(process.argv[2] ?? 5);
const conns = Number(process.argv[3] ?? 50);
const target = await startNginx({ cpu: 1 });
const plan = parsePlan(`
name: inproc
target: ${target.url}
load: { model: closed, stages: [{ duration: 0s, target: ${conns} }, { duration: ${seconds}s, target: ${conns} }] }
scenarios: [{ name: a, flow: [{ get: / }] }]
`);
let requests = 0;
const c0 = process.cpuUsage();
const t0 = performance.now();
await new Promise((resolve) => {
  const w = new LoadWorker((m) => {
    if (m.type === 'second') requests += m.snap.endpoints.reduce((a, e) => a + e.requests, 0);
    if (m.type === 'done') resolve();
    if (m.type === 'failed') throw new Error(m.message);
  });
  w.handle({ type: 'init', config: { worker: 0, workers: 1, plan, target: plan.target, model: 'closed', stages: plan.load.stages, arrivals: 'constant', seed: 1, maxInFlight: 10000, maxConnections: 10000, gracefulStopMs: 1000, spinUs: 1500, defaultThink: null, segment: { index: 0, count: 1 } } });
  w.handle({ type: 'start', originHrNs: process.hrtime.bigint() });
});
const c = process.cpuUsage(c0);
const wall = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ requests, rps: Math.round(requests / wall), cpuUsPerReq: +((c.user + c.system) / requests).toFixed(2) }));
await target.stop();
