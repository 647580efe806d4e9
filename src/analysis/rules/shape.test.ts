import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Evidence } from '../evidence.js';
import { latencyRise } from './shape.js';

/** The parts of the evidence latencyRise reads: levels with a load and a p95, where degradation starts. */
function evidence(p95s: number[], degradeIndex: number): Evidence {
  return {
    unit: 'rps',
    degradeIndex,
    phases: { baselineP95Ms: p95s[0] },
    levels: p95s.map((p95, i) => ({ load: 10 * (i + 1), latencyMs: { p50: p95 / 2, p95, p99: p95 } })),
  } as unknown as Evidence;
}

test('latencyRise names the level below the degradation and the worst level after it', () => {
  const r = latencyRise(evidence([20, 22, 90, 480], 2))!;
  assert.equal(r.text, 'p95 rose from 22 ms to 480 ms between 20 req/s and 40 req/s');
  assert.deepEqual([r.fromLevel, r.toLevel], [1, 3]);
  assert.equal(r.ratio, 24);
});

test('degraded from the only level: no "rose from X to X between A and A", the level and its p95 instead', () => {
  const r = latencyRise(evidence([1240], 0))!;
  assert.equal(r.text, 'p95 was 1.24 s already at 10 req/s, the lowest load tested');
  assert.doesNotMatch(r.text, /between/);
});
