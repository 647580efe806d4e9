// The engine's hot path for a fixed number of requests (engine-inproc.mjs stops on time): a
// LoadWorker run in this thread, closed loop, against nginx pinned to CPU 1, stopped once N
// requests have been written. Made for load-independent comparisons on a shared machine: run it
// under `valgrind --tool=callgrind --smc-check=all-non-file` at two values of N and take
// (instructions(N2) − instructions(N1)) / (N2 − N1); add `node --perf-basic-prof` to name the JIT
// code (callgrind lists it as bare addresses; /tmp/perf-<pid>.map gives each address its function).
// `root` is a checkout with dist/ built: another commit's worktree can be measured with this script.
// Usage: taskset -c 0 node bench/engine-count.mjs [requests] [connections] [root]
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';
import { startNginx } from './lib/targets.mjs';

const n = Number(process.argv[2] ?? 100_000);
const conns = Number(process.argv[3] ?? 50);
const root = process.argv[4] ?? fileURLToPath(new URL('..', import.meta.url));
const { parsePlan } = await import(`${root}/dist/src/plan/parse.js`);
const { LoadWorker } = await import(`${root}/dist/src/engine/load-worker.js`);
const target = await startNginx({ cpu: 1 });
const plan = parsePlan(`
name: count
target: ${target.url}
load: { model: closed, stages: [{ duration: 0s, target: ${conns} }, { duration: 3600s, target: ${conns} }] }
scenarios: [{ name: a, flow: [{ get: / }] }]
`);
// requests are counted where they leave (every socket write is one request here); the worker is
// told to stop at the n-th and ends after the ones in flight
let written = 0;
let worker;
const write = net.Socket.prototype.write;
net.Socket.prototype.write = function (...args) {
  if (++written === n) setImmediate(() => worker.handle({ type: 'stop', graceMs: 5000 }));
  return write.apply(this, args);
};
let requests = 0;
const c0 = process.cpuUsage();
const t0 = performance.now();
await new Promise((resolve, reject) => {
  worker = new LoadWorker((m) => {
    if (m.type === 'second') requests += m.snap.endpoints.reduce((a, e) => a + e.requests, 0);
    if (m.type === 'done') resolve();
    if (m.type === 'failed') reject(new Error(m.message));
  });
  // the fields of every commit's WorkerConfig since 27 Nov (older ones ignore what they lack)
  worker.handle({ type: 'init', config: { worker: 0, workers: 1, plan, target: plan.target, model: 'closed', stages: plan.load.stages, arrivals: 'constant', seed: 1, maxInFlight: 10000, maxConnections: 10000, gracefulStopMs: 1000, spinUs: 1500, defaultThink: null, data: [], scripts: [], segment: { index: 0, count: 1 } } });
  worker.handle({ type: 'start', originHrNs: process.hrtime.bigint() });
});
const c = process.cpuUsage(c0);
const wallSec = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ requests, wallSec: +wallSec.toFixed(2), rps: Math.round(requests / wallSec), cpuUsPerReq: +((c.user + c.system) / requests).toFixed(2) }));
await target.stop();
