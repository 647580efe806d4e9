/**
 * gRPC unary steps end to end, through the real CLI, against a grpc-js server in this process
 * (test/targets/grpc-items.ts, examples/grpc/items.proto) on 127.0.0.1. Small loads, short runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { readResult, tempDir } from '../helpers/engine.js';
import { ITEMS_PROTO, startGrpcItems } from '../targets/grpc-items.js';
import type { EndpointResult, Result } from '../../src/result/types.js';

const ep = (r: Result, name: string): EndpointResult => {
  const e = r.endpoints.find((x) => x.name === name);
  assert.ok(e, `no endpoint ${name} in ${r.endpoints.map((x) => x.name).join(', ')}`);
  return e;
};

async function run(plan: string): Promise<{ r: Result | null; code: number | null; stderr: string }> {
  const dir = tempDir('lp-grpc-');
  try {
    const file = dir.file('plan.yaml', plan);
    const out = join(dir.path, 'res');
    const c = await runCli(['run', file, '--out', out], { timeoutMs: 60_000 });
    return { r: existsSync(join(out, 'result.json')) ? readResult(out) : null, code: c.code, stderr: c.stderr };
  } finally {
    dir.remove();
  }
}

test('grpc open model: templated messages, captures, checks; the arrivals counted exactly', async () => {
  const srv = await startGrpcItems({ replyDelayMs: 3 });
  try {
    const { r, stderr } = await run(`
name: grpc open
hypothesis: unary calls
target: ${srv.url}
thresholds: { http_req_failed: ["rate<0.01"], checks: ["rate>0.99"] }
load: { model: open, stages: [{ duration: 0s, target: 30 }, { duration: 4s, target: 30 }] }
scenarios:
  - name: items
    flow:
      - grpc: { proto: ${ITEMS_PROTO}, service: demo.Items, method: Get, message: { id: "{{ $randomInt(1, 9) }}", tag: "t{{ $randomInt(1, 3) }}" }, capture: { name: $.name }, expect: { contains: item } }
      - grpc: { proto: ${ITEMS_PROTO}, service: demo.Items, method: Get, message: { id: 7, tag: "{{ name }}" }, name: again }
`);
    assert.ok(r, stderr);
    const g = ep(r, 'GRPC demo.Items/Get');
    assert.equal(g.requests, 120);
    assert.equal(g.errors, 0);
    assert.equal(ep(r, 'again').requests, 120);
    assert.equal(srv.stats.calls, 240);
    assert.ok(srv.stats.tags.has('t1') && srv.stats.tags.has('t3'), [...srv.stats.tags].join(','));
    assert.ok([...srv.stats.tags].some((t) => /^item [1-9]$/.test(t)), 'the captured name was sent back');
    assert.equal(r.summary.checks!.fails, 0);
    assert.ok(g.latencyMs.p50! >= 3);
  } finally {
    await srv.close();
  }
});

test('grpc freezing server (answers stall 1 s): the open model records the stall; RESOURCE_EXHAUSTED and the deadline become error kinds', async () => {
  const srv = await startGrpcItems({ stallAtMs: 1500, stallMs: 1000, exhaustEvery: 10 });
  try {
    const { r, stderr } = await run(`
name: grpc freeze
hypothesis: the stall shows
target: ${srv.url}
thresholds: { http_req_duration: ["p(99)<100000"] }
load: { model: open, stages: [{ duration: 0s, target: 40 }, { duration: 5s, target: 40 }] }
scenarios:
  - name: items
    flow:
      - grpc: { proto: ${ITEMS_PROTO}, service: demo.Items, method: Get, message: { id: 1 }, timeout: 800ms }
`);
    assert.ok(r, stderr);
    const g = ep(r, 'GRPC demo.Items/Get');
    assert.equal(g.requests, 200);
    assert.equal(g.errorKinds?.grpc_resource_exhausted, srv.stats.exhausted);
    assert.ok(srv.stats.exhausted >= 19, `exhausted ${srv.stats.exhausted}`);
    // ~40 calls arrive during the 1 s stall and are answered at its end; those of its first 200 ms
    // (~8) hit their 800 ms deadline first, recorded at their age
    assert.ok((g.errorKinds?.grpc_deadline_exceeded ?? 0) >= 4, JSON.stringify(g.errorKinds));
    assert.ok(g.latencyMs.p95! >= 500, `p95 ${g.latencyMs.p95} ms`);
    assert.ok(g.latencyMs.max! >= 790, `max ${g.latencyMs.max} ms`);
  } finally {
    await srv.close();
  }
});

test('grpc: a .proto that does not parse is exit 2 naming file:line; an unknown method names the field', async () => {
  const dir = tempDir('lp-grpc-bad-');
  try {
    const bad = dir.file('bad.proto', 'syntax = "proto3";\npackage demo;\nservice Items {\n  rpc Get (A) returns (B)\n}\n');
    const plan = (proto: string, method: string): string => `
name: grpc bad
hypothesis: bad
target: http://127.0.0.1:9
thresholds: { http_req_failed: ["rate<0.01"] }
load: { model: open, stages: [{ duration: 1s, target: 1 }] }
scenarios:
  - name: items
    flow:
      - grpc: { proto: ${proto}, service: demo.Items, method: ${method} }
`;
    const a = await runCli(['run', dir.file('a.yaml', plan(bad, 'Get'))], { timeoutMs: 30_000 });
    assert.equal(a.code, 2, a.stderr);
    assert.match(a.stderr, new RegExp(`${bad.replace(/[.]/g, '\\.')}:5`));
    const b = await runCli(['run', dir.file('b.yaml', plan(ITEMS_PROTO, 'Gett'))], { timeoutMs: 30_000 });
    assert.equal(b.code, 2, b.stderr);
    assert.match(b.stderr, /scenarios\.0\.flow\.0\.grpc\.method/);
    assert.match(b.stderr, /use one of Get, Create/);
  } finally {
    dir.remove();
  }
});
