import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeWatch } from './describe.js';
import { parsePlan } from '../plan/parse.js';

test('one line per watcher, in plan order, then self; no password is shown', () => {
  const plan = parsePlan(
    `name: t
target: http://127.0.0.1:3000
pattern: { type: load, peak: 10 }
scenarios: [{ name: s, flow: [{ get: / }] }]
watch:
  - process: { port: 3000 }
  - postgres: { url: "postgres://app:secret@127.0.0.1:5432/shop" }
  - prometheus: { url: "http://127.0.0.1:9100/metrics", match: ["process_.*"] }
  - eventLoop: { url: "http://127.0.0.1:3000/__loadproof/metrics" }
    interval: 2s
  - dependency: { name: payments, url: "http://127.0.0.1:4000/health", ratePerSec: 2 }
`,
    { file: 'plan.yaml' },
  );
  const lines = describeWatch(plan.watch ?? []);
  assert.equal(lines.length, 6);
  assert.match(lines[0], /^process port 3000 \(whoever listens there\) as process\.port3000: CPU/);
  assert.match(lines[1], /^postgres postgres:\/\/app:\*\*\*@127\.0\.0\.1:5432\/shop as postgres\.shop:/);
  assert.doesNotMatch(lines.join('\n'), /secret/);
  assert.match(lines[2], /matching process_\.\* as prometheus\.prom:/);
  assert.match(lines[3], /every 2s$/);
  assert.match(lines[4], /^dependency payments http:\/\/127\.0\.0\.1:4000\/health: GET 2\/s/);
  assert.match(lines[5], /^self \(always on\)/);
  assert.equal(describeWatch([], { self: false }).length, 0);
});
