// Which HTTP client path for the engine: undici's Pool against loadproof's raw-socket Connection,
// closed loop, N connections, same process, CPU-µs per request from process.cpuUsage().
// Run pinned: taskset -c 0 node bench/http-client.mjs [seconds] [connections]
// (the target is started pinned to CPU 1).
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { startNginx, startNodeTarget } from './lib/targets.mjs';
import { HttpClient } from '../dist/src/engine/http/client.js';
import { MonotonicClock } from '../dist/src/engine/clock.js';
import { encodeRequest } from '../dist/src/engine/http/request-bytes.js';

const seconds = Number(process.argv[2] ?? 6);
const conns = Number(process.argv[3] ?? 50);

async function measure(name, run) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const n = await run(seconds * 1000);
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpuUs = c.user + c.system;
  return { name, rps: Math.round(n / wall), cpuUsPerReq: +(cpuUs / n).toFixed(2) };
}

function undiciLoop(url) {
  return (ms) =>
    new Promise((resolve) => {
      const pool = new Pool(url, { connections: conns, pipelining: 1 });
      const end = performance.now() + ms;
      let n = 0;
      let live = conns;
      const one = () => {
        if (performance.now() >= end) {
          if (--live === 0) pool.close().then(() => resolve(n));
          return;
        }
        pool.request({ path: '/', method: 'GET' }).then(
          (r) => r.body.dump().then(() => { n++; one(); }),
          () => one(),
        );
      };
      for (let i = 0; i < conns; i++) one();
    });
}

function rawLoop(url) {
  return (ms) =>
    new Promise((resolve) => {
      const u = new URL(url);
      const client = new HttpClient(u, new MonotonicClock());
      const bytes = encodeRequest({ method: 'GET', path: '/', headers: [] }, u.host);
      const end = performance.now() + ms;
      let n = 0;
      let live = conns;
      const sink = {
        onExchangeEnd(conn) {
          if (conn.errorKind === 0) n++;
          if (performance.now() >= end) {
            if (--live === 0) { client.abandonAll(); resolve(n); }
            return;
          }
          conn.send(bytes, false, false, false, 10_000, sink);
        },
      };
      for (let i = 0; i < conns; i++) client.connection().send(bytes, false, false, false, 10_000, sink);
    });
}

const rounds = Number(process.env.ROUNDS ?? 1);
for (const start of [startNginx, startNodeTarget]) {
  const target = await start({ cpu: 1 });
  for (let r = 0; r < rounds; r++) {
    for (const [name, loop] of [['undici Pool', undiciLoop], ['loadproof raw', rawLoop]]) {
      const m = await measure(name, loop(target.url));
      console.log(JSON.stringify({ target: target.name, ...m }));
    }
  }
  await target.stop();
}
