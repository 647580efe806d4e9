/**
 * WebSocket steps end to end, through the real CLI, against a `ws` server in this process
 * (test/targets/ws-chat.ts) on 127.0.0.1. Loads are small (≤ 40 arrivals/s, a few seconds): counts
 * the schedule fixes exactly are asserted exactly, timings with wide bands.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { readResult, tempDir } from '../helpers/engine.js';
import { startWsChat } from '../targets/ws-chat.js';
import type { EndpointResult, Result } from '../../src/result/types.js';

const ep = (r: Result, name: string): EndpointResult => {
  const e = r.endpoints.find((x) => x.name === name);
  assert.ok(e, `no endpoint ${name} in ${r.endpoints.map((x) => x.name).join(', ')}`);
  return e;
};

async function run(plan: string): Promise<{ r: Result; stderr: string }> {
  const dir = tempDir('lp-ws-');
  try {
    const file = dir.file('plan.yaml', plan);
    const out = join(dir.path, 'res');
    const c = await runCli(['run', file, '--out', out], { timeoutMs: 60_000 });
    assert.ok(existsSync(join(out, 'result.json')), `no result (exit ${c.code}): ${c.stderr}`);
    return { r: readResult(out), stderr: c.stderr };
  } finally {
    dir.remove();
  }
}

test('ws open model: each arrival is one connection; round trips matched by id and by order; counts exact', async () => {
  const chat = await startWsChat({ replyDelayMs: 5 });
  try {
    const { r } = await run(`
name: ws open
hypothesis: echo round trips
target: ${chat.url}
thresholds: { http_req_failed: ["rate<0.5"] }
load: { model: open, stages: [{ duration: 0s, target: 30 }, { duration: 4s, target: 30 }] }
scenarios:
  - name: chat
    flow:
      - ws: { connect: /chat }
      - ws: { send: { json: { id: "{{ $uuid() }}", text: hi } }, expect: { correlate: $.id, timeout: 2s }, capture: { said: $.echo } }
      - ws: { send: "{{ said }} again", expect: { contains: hi again, timeout: 2s } }
      - ws: { close: true }
`);
    // 30/s for 4 s: 120 arrivals, each one connection, two round trips and a close
    assert.equal(ep(r, 'WS /chat connect').requests, 120);
    assert.equal(chat.stats.connections, 120);
    assert.equal(ep(r, 'WS /chat message').requests, 240);
    assert.equal(ep(r, 'WS /chat message').errors, 0, JSON.stringify(ep(r, 'WS /chat message').errorKinds));
    assert.equal(chat.stats.messages, 240);
    assert.equal(ep(r, 'WS /chat close').requests, 120);
    assert.equal(r.summary.errors, 0);
    // each round trip includes the server's 5 ms
    assert.ok(ep(r, 'WS /chat message').latencyMs.p50! >= 5, `p50 ${ep(r, 'WS /chat message').latencyMs.p50}`);
    // rate accuracy: the middle seconds carry ~30 connections each (wide band: shared machine)
    const mid = r.timeline.slice(1, 3).map((p) => p.rps);
    assert.ok(mid.every((x) => x > 60 && x < 150), `per-second rates ${mid}`);
  } finally {
    await chat.close();
  }
});

test('ws closed model: a VU keeps one socket (connect in setup) across iterations', async () => {
  const chat = await startWsChat();
  try {
    const { r } = await run(`
name: ws closed
hypothesis: one socket per VU
target: ${chat.url}
thresholds: { http_req_failed: ["rate<0.01"] }
load: { model: closed, stages: [{ duration: 0s, target: 3 }, { duration: 3s, target: 3 }] }
defaults: { think: 20ms }
scenarios:
  - name: chat
    setup:
      - ws: { connect: /chat, name: room }
    flow:
      - ws: { send: ping, expect: { contains: ping } }
`);
    assert.equal(chat.stats.connections, 3, 'one socket per VU');
    assert.equal(ep(r, 'room connect').requests, 3);
    const m = ep(r, 'room message');
    assert.ok(m.requests > 30, `round trips ${m.requests}`);
    assert.equal(m.errors, 0);
    assert.equal(chat.stats.messages, m.requests);
  } finally {
    await chat.close();
  }
});

test('ws freezing server (replies stall 1 s): the open model records the stall in the round trips', async () => {
  const chat = await startWsChat({ stallAtMs: 1500, stallMs: 1000 });
  try {
    const { r } = await run(`
name: ws freeze
hypothesis: the stall shows
target: ${chat.url}
thresholds: { http_req_duration: ["p(99)<100000"] }
load: { model: open, stages: [{ duration: 0s, target: 40 }, { duration: 5s, target: 40 }] }
scenarios:
  - name: chat
    setup:
      - ws: { connect: /chat }
    flow:
      - ws: { send: "{{ $randomString(6) }}", expect: { contains: "", timeout: 3s } }
`);
    const m = ep(r, 'WS /chat message');
    // every send counts: 200 arrivals, each one round trip
    assert.equal(m.requests, 200);
    assert.equal(m.errors, 0);
    // ~40 messages sent during the 1 s stall wait up to 1 s each: over 10% of 200 wait ≥ ~0.5 s
    assert.ok(m.latencyMs.p95! >= 500, `p95 ${m.latencyMs.p95} ms`);
    assert.ok(m.latencyMs.max! >= 900, `max ${m.latencyMs.max} ms`);
  } finally {
    await chat.close();
  }
});

test('ws error kinds: a 503 upgrade is ws_connect_failed (status 503); a socket cut without a close frame is ws_abnormal_close', async () => {
  const refusing = await startWsChat({ refuse: true });
  const dropping = await startWsChat({ dropAfter: 2 });
  try {
    const a = await run(`
name: ws refused
hypothesis: refused
target: ${refusing.url}
thresholds: { http_req_duration: ["p(99)<100000"] }
load: { model: open, stages: [{ duration: 0s, target: 10 }, { duration: 2s, target: 10 }] }
scenarios:
  - name: chat
    flow:
      - ws: { connect: /chat }
      - ws: { send: hi, expect: { contains: hi } }
`);
    const c = ep(a.r, 'WS /chat connect');
    assert.equal(c.requests, 20);
    assert.equal(c.errorKinds?.ws_connect_failed, 20);
    assert.equal(c.statusCodes['503'], 20);
    // the iteration ends at a failed connect: no round trip is attempted
    assert.equal(a.r.endpoints.find((e) => e.name === 'WS /chat message')?.requests ?? 0, 0);
    const b = await run(`
name: ws dropped
hypothesis: dropped
target: ${dropping.url}
thresholds: { http_req_duration: ["p(99)<100000"] }
load: { model: open, stages: [{ duration: 0s, target: 10 }, { duration: 2s, target: 10 }] }
scenarios:
  - name: chat
    flow:
      - ws: { connect: /chat }
      - ws: { send: one, expect: { contains: one, timeout: 2s } }
      - ws: { send: two, expect: { contains: two, timeout: 2s } }
      - ws: { close: true }
`);
    const m = ep(b.r, 'WS /chat message');
    assert.equal(m.requests, 40);
    assert.equal(m.errorKinds?.ws_abnormal_close, 20, JSON.stringify(m.errorKinds));
    assert.equal(m.errors, 20);
    assert.equal(b.r.endpoints.find((e) => e.name === 'WS /chat close')?.requests ?? 0, 0, 'the lost socket is not closed again');
  } finally {
    await refusing.close();
    await dropping.close();
  }
});

test('ws hold: the socket stays open for the hold; a server cut during it is ws_abnormal_close on the close endpoint', async () => {
  const chat = await startWsChat({ dropAfter: 1 });
  try {
    const { r } = await run(`
name: ws hold
hypothesis: hold
target: ${chat.url}
thresholds: { http_req_duration: ["p(99)<100000"] }
load: { model: open, stages: [{ duration: 0s, target: 5 }, { duration: 2s, target: 5 }] }
scenarios:
  - name: chat
    flow:
      - ws: { connect: /chat }
      - ws: { hold: 200ms }
      - ws: { send: bye }
      - ws: { hold: 2s }
      - ws: { close: true }
`);
    assert.equal(ep(r, 'WS /chat connect').requests, 10);
    const c = ep(r, 'WS /chat close');
    // every socket is cut by the server during the second hold: no close of ours follows
    assert.equal(c.requests, 10);
    assert.equal(c.errorKinds?.ws_abnormal_close, 10, JSON.stringify(c.errorKinds));
    assert.equal(chat.stats.messages, 10);
  } finally {
    await chat.close();
  }
});
