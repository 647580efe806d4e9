import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlan } from './parse.js';
import { buildDesign, protocolExplained, renderDesign } from './design.js';

const plan = (target: string, http: string): ReturnType<typeof parsePlan> =>
  parsePlan(`name: p
hypothesis: it holds
target: ${target}
${http}
load: { model: open, stages: [{ duration: 10s, target: 10 }] }
thresholds: { http_req_duration: ["p(95)<200"] }
scenarios: [{ name: a, flow: [{ get: / }] }]
`);

test('design describes the protocol the plan asks for', () => {
  assert.match(protocolExplained(plan('https://api.example.test', '')), /^auto: h2 and http\/1\.1 offered through ALPN/);
  assert.match(protocolExplained(plan('http://127.0.0.1:8080', '')), /^HTTP\/1\.1 keep-alive/);
  assert.match(protocolExplained(plan('https://api.example.test', 'http: { version: 2 }')), /^HTTP\/2 over TLS \(ALPN h2, required\).*maxConcurrentStreams/);
  assert.match(protocolExplained(plan('http://127.0.0.1:8080', 'http: { version: 2 }')), /^cleartext HTTP\/2 \(h2c, prior knowledge\)/);
  assert.match(protocolExplained(plan('http://127.0.0.1:8080', 'http: { h2c: true }')), /^cleartext HTTP\/2 \(h2c/);
  assert.match(protocolExplained(plan('https://api.example.test', 'http: { version: "1.1" }')), /^HTTP\/1\.1 only/);
  const d = buildDesign(plan('http://127.0.0.1:8080', 'http: { version: 2 }'));
  assert.match(d.test.protocol, /h2c/);
  assert.match(renderDesign(d), /Protocol: +cleartext HTTP\/2/);
});
