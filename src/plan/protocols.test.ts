import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { parsePlan, parsePlanSafe } from './parse.js';
import { buildDesign, renderDesign } from './design.js';
import { compilePlan } from '../engine/compile.js';
import { exportK6 } from '../formats/k6/export.js';
import { exportLocust } from '../formats/locust/export.js';

const PROTO = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../examples/grpc/items.proto' : '../../examples/grpc/items.proto', import.meta.url));

const plan = (flow: string, setup = ''): string => `
name: p
hypothesis: h
target: http://127.0.0.1:9
thresholds: { http_req_failed: ["rate<0.01"] }
load: { model: open, stages: [{ duration: 1s, target: 1 }] }
scenarios:
  - name: s
${setup ? `    setup:\n${setup}\n` : ''}    flow:
${flow}
`;

test('ws and grpc steps parse into their kinds; a ws step does one thing (send with expect is the pair)', () => {
  const p = parsePlan(
    plan(`      - ws: { connect: /chat, headers: { A: b } }
      - ws: { send: { json: { id: "{{ $uuid() }}" } }, expect: { correlate: $.id, timeout: 2s } }
      - ws: { hold: 1s }
      - ws: { close: true }
      - grpc: { proto: ${PROTO}, service: demo.Items, method: Get, message: { id: 1 } }`),
  );
  const f = p.scenarios[0]!.flow;
  assert.deepEqual(
    f.map((s) => (s.kind === 'ws' ? `ws ${s.op}` : s.kind)),
    ['ws connect', 'ws send', 'ws hold', 'ws close', 'grpc'],
  );
  const send = f[1]!;
  assert.ok(send.kind === 'ws' && send.expect?.timeoutMs === 2000 && send.expect.correlate === '$.id');
  const bad = parsePlanSafe(plan('      - ws: { connect: /a, close: true }'));
  assert.equal(bad.ok, false);
  assert.match(JSON.stringify(!bad.ok && bad.issues), /a ws step does one thing/);
  const none = parsePlanSafe(plan('      - ws: { headers: { A: b } }'));
  assert.equal(none.ok, false);
});

test('compile: endpoints per socket (connect, message, close) and per gRPC method; a ws step before any connect is a plan error', () => {
  const p = parsePlan(
    plan(
      `      - ws: { send: hi, expect: { contains: hi } }
      - grpc: { proto: ${PROTO}, service: demo.Items, method: Get }`,
      '      - ws: { connect: /chat }',
    ),
  );
  const c = compilePlan(p);
  assert.deepEqual(
    c.endpoints.map((e) => `${e.method} ${e.name}`),
    ['WS WS /chat connect', 'WS WS /chat message', 'WS WS /chat close', 'GRPC GRPC demo.Items/Get'],
  );
  assert.throws(() => compilePlan(parsePlan(plan('      - ws: { send: hi }'))), /comes before any ws connect/);
  assert.throws(() => compilePlan(parsePlan(plan(`      - grpc: { proto: ${PROTO}, service: demo.Nope, method: Get }`))), /no service demo\.Nope.*/);
});

test('design names the protocols and how they are measured; k6 writes k6/ws and k6/net/grpc; locust lists what it cannot express', () => {
  const p = parsePlan(
    plan(`      - ws: { connect: /chat }
      - ws: { send: { json: { id: "{{ $uuid() }}" } }, expect: { correlate: $.id } }
      - ws: { close: true }
      - grpc: { proto: ${PROTO}, service: demo.Items, method: Get, message: { id: 3 } }`),
  );
  const text = renderDesign(buildDesign(p)).replace(/\s+/g, ' '); // lines are wrapped
  assert.match(text, /WS connect \/chat → WS send JSON → expect reply \(correlated by \$\.id\) → WS close → gRPC demo\.Items\/Get/);
  assert.match(text, /WebSocket: each arrival opens its own connection/);
  assert.match(text, /gRPC unary: one channel per connection slot/);
  const k6 = exportK6(p);
  assert.match(k6, /import ws from 'k6\/ws';/);
  assert.match(k6, /import grpc from 'k6\/net\/grpc';/);
  assert.match(k6, /res = ws\.connect\(WS_BASE \+ "\/chat"/);
  assert.match(k6, /grpcClients\[0\]\.invoke\("demo\.Items\/Get", \{ "id": 3 \}/);
  assert.match(k6, /\/\/ Not expressed: k6 has no WebSocket message round-trip metric/);
  const locust = exportLocust(p);
  assert.match(locust, /the WebSocket step "ws connect \/chat" of scenario s is not exported/);
  assert.match(locust, /the gRPC step "grpc demo\.Items\/Get" of scenario s is not exported/);
});
