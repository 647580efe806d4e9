/**
 * The demo's pool bottleneck over WebSocket and gRPC (`demo --quick --protocol ws|grpc`): each a
 * real ~20 s breakpoint run against the demo service in its own process, which must name
 * pool-exhaustion first. The loads come from the demo service's built-in limit (10 connections
 * held 20 ms: 500 messages or calls per second), not from this machine's speed. The demo watches
 * the service's pool gauges, which is what lets the rule name the pool.
 *
 * Timing-sensitive: on a busy shared machine the generator can fall behind (the run then says so);
 * re-run before changing anything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assertFirstDiagnosis, runDemoQuick, workdir } from '../helpers/e2e.js';
import { runCli } from '../helpers/cli.js';

const RUN_TIMEOUT_MS = 120_000;

for (const protocol of ['ws', 'grpc'] as const) {
  test(`demo --quick --protocol ${protocol}: pool-exhaustion named first, the ${protocol} endpoint carries the load`, { timeout: RUN_TIMEOUT_MS }, async () => {
    const w = workdir(`demo-${protocol}`);
    try {
      const out = join(w.dir, 'out');
      const { run, r } = await runDemoQuick(['--protocol', protocol], out, `demo ${protocol}`);
      const name = protocol === 'ws' ? 'WS /items/ws message' : 'GRPC demo.Items/Get';
      const e = r.endpoints.find((x) => x.name === name);
      assert.ok(e && e.requests > 1000, `${name}: ${e?.requests} in ${r.endpoints.map((x) => x.name).join(', ')}`);
      assertFirstDiagnosis(r, 'pool-exhaustion', run);
    } finally {
      w.remove();
    }
  });
}

test('demo: an unknown protocol, or a protocol variant of another bottleneck, is a clear exit 2', async () => {
  const a = await runCli(['demo', '--protocol', 'ws', '--bottleneck', 'cpu'], { timeoutMs: 30_000 });
  assert.equal(a.code, 2);
  assert.match(a.stderr, /--protocol ws runs the pool bottleneck only/);
  const b = await runCli(['demo', '--protocol', 'spdy'], { timeoutMs: 30_000 });
  assert.equal(b.code, 2);
  assert.match(b.stderr, /unknown protocol "spdy".*http1, h2, ws, grpc/);
});
