// CPU per WebSocket message: loadproof's ws steps vs the best peer runnable here, a minimal
// client loop on the same `ws` package (k6 is not installed on this machine; test/tools has no
// WebSocket-capable tool). Both drive the same closed loop against the same echo server:
// N sockets, each sending a message and waiting for its reply, for S seconds.
//
//   target     a `ws` echo server (perMessageDeflate off), pinned to CPU 1
//   loadproof  `loadproof run` of a closed-model plan: setup connects, the flow is one
//              `ws: { send, expect }` round trip; messages = the `WS /echo message` requests
//   ws-loop    node + ws: the same round trips in a plain loop (no recording, no templating)
//
// CPU per message = user + sys of the whole generator process (/usr/bin/time, start-up
// included, alike for both) / messages. Figures only on a quiet machine (run-to-run noise on a
// shared one doubles them); report the median of --rounds.
//
//   node bench/ws.mjs --seconds 10 --sockets 50 --rounds 3
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, NICE } from './lib/targets.mjs';
import { loadAvg, median, timed } from './lib/measure.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const seconds = arg('seconds', 10);
const sockets = arg('sockets', 50);
const rounds = arg('rounds', 3);

async function startEcho() {
  const port = await freePort();
  const src = `
    const { WebSocketServer } = require('ws');
    const wss = new WebSocketServer({ port: ${port}, host: '127.0.0.1', perMessageDeflate: false });
    wss.on('connection', (s) => s.on('message', (d, bin) => s.send(d, { binary: bin })));
  `;
  const base = ['taskset', '-c', '1', process.execPath, '-e', src];
  const [cmd, ...args] = NICE ? ['nice', '-n', NICE, ...base] : base;
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  await new Promise((r) => setTimeout(r, 500));
  return { url: `http://127.0.0.1:${port}`, stop: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM')))) };
}

const LOOP = `
const WebSocket = require('ws');
const [url, n, secs] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
let messages = 0;
const end = Date.now() + secs * 1000;
let open = n;
for (let i = 0; i < n; i++) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('open', () => ws.send('hello ' + i));
  ws.on('message', (d) => {
    messages++;
    if (Date.now() < end) ws.send('hello ' + i);
    else ws.close();
  });
  ws.on('close', () => { if (--open === 0) console.log(JSON.stringify({ messages })); });
}
`;

async function runLoadproof(url, dir) {
  const plan = join(dir, 'ws.yaml');
  writeFileSync(
    plan,
    `name: ws bench
hypothesis: echo round trips
target: ${url}
thresholds: { http_req_duration: ["p(99)<100000"] }
load: { model: closed, stages: [{ duration: 0s, target: ${sockets} }, { duration: ${seconds}s, target: ${sockets} }] }
scenarios:
  - name: echo
    setup:
      - ws: { connect: /echo }
    flow:
      - ws: { send: "hello {{ $randomInt(1, 9) }}", expect: { contains: hello, timeout: 5s } }
`,
  );
  const out = join(dir, 'out');
  const t = await timed(process.execPath, [join(ROOT, 'bin/loadproof.js'), 'run', plan, '--out', out, '--workers', '1']);
  const r = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  const messages = r.endpoints.find((e) => e.name === 'WS /echo message')?.requests ?? 0;
  return { cpuSec: t.cpuSec, messages, p99: r.endpoints.find((e) => e.name === 'WS /echo message')?.latencyMs?.p99 };
}

async function runLoop(url) {
  const t = await timed(process.execPath, ['-e', LOOP, url.replace(/^http/, 'ws') + '/echo', String(sockets), String(seconds)]);
  const { messages } = JSON.parse(t.stdout.trim().split('\n').pop());
  return { cpuSec: t.cpuSec, messages };
}

const echo = await startEcho();
const dir = mkdtempSync(join(tmpdir(), 'lp-bench-ws-'));
const rows = { loadproof: [], 'ws-loop': [] };
try {
  console.log(`load average before: ${loadAvg().join(' ')}`);
  for (let i = 0; i < rounds; i++) {
    for (const [name, fn] of [['loadproof', () => runLoadproof(echo.url, dir)], ['ws-loop', () => runLoop(echo.url)]]) {
      const m = await fn();
      const us = m.messages > 0 ? (m.cpuSec * 1e6) / m.messages : NaN;
      rows[name].push({ ...m, us });
      console.log(`round ${i + 1} ${name}: ${m.messages} messages (${(m.messages / seconds).toFixed(0)}/s), CPU ${m.cpuSec.toFixed(2)} s, ${us.toFixed(1)} CPU-µs/message${m.p99 !== undefined ? `, round-trip p99 ${m.p99} ms` : ''}`);
    }
  }
  console.log('\n| generator | messages/s (median) | CPU-µs per message (median) |\n|---|---|---|');
  for (const [name, list] of Object.entries(rows)) {
    console.log(`| ${name} | ${median(list.map((x) => x.messages / seconds)).toFixed(0)} | ${median(list.map((x) => x.us)).toFixed(1)} |`);
  }
  console.log(`load average after: ${loadAvg().join(' ')}`);
} finally {
  await echo.stop();
  rmSync(dir, { recursive: true, force: true });
}
