import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distributedGenerators } from './distributed.js';
import type { DistributedInfo, GeneratorShard, Result } from '../../result/types.js';

function gen(segment: number, over: Partial<GeneratorShard> = {}): GeneratorShard {
  return { segment, file: `s${segment}.ndjson`, startedAt: '2026-01-01T00:00:00Z', ended: 'completed', durationSec: 10, requests: 500, validity: null, ...over };
}

function result(d: Partial<DistributedInfo>, peak = 200): Result {
  const distributed: DistributedInfo = { segments: 4, startSpreadMs: 0, generators: [0, 1, 2, 3].map((i) => gen(i)), missingSegments: [], ...d };
  return { plan: { stages: [{ durationSec: 10, target: peak }] }, distributed } as unknown as Result;
}

test('no distributed block: nothing to say', () => {
  assert.equal(distributedGenerators({ plan: {} } as unknown as Result), null);
});

test('a killed, a stopped, a saturated and a missing generator make the run invalid, each named', () => {
  const notes = distributedGenerators(
    result({
      generators: [
        gen(0),
        gen(1, { ended: 'killed', durationSec: 3.2, host: 'gen-b' }),
        gen(2, { validity: { id: 'generator-saturated', severity: 'invalid', message: 'the load generator fell behind: send lag p99 was 40 ms. The numbers describe loadproof' } }),
      ],
      missingSegments: [3],
    }),
  )!;
  assert.equal(notes.length, 1);
  assert.equal(notes[0]!.id, 'generator-failed');
  assert.equal(notes[0]!.severity, 'invalid');
  const m = notes[0]!.message;
  assert.match(m, /^3 of 4 generators/);
  assert.match(m, /segment 1\/4 on gen-b \(s1\.ndjson\) was killed after 3\.2s/);
  assert.match(m, /segment 2\/4 \(s2\.ndjson\) fell behind: send lag p99 was 40 ms/);
  assert.match(m, /segment 3\/4: no shard was given/);
  assert.doesNotMatch(m, /segment 0\//);
});

test('a generator close to its limit warns by name; all fine says nothing', () => {
  const w = distributedGenerators(result({ generators: [gen(0), gen(1, { validity: { id: 'generator-saturated', severity: 'warn', message: 'close' } }), gen(2), gen(3)] }))!;
  assert.deepEqual(w.map((n) => [n.id, n.severity]), [['generator-failed', 'warn']]);
  assert.match(w[0]!.message, /segment 1\/4/);
  assert.deepEqual(distributedGenerators(result({})), []);
});

test('start skew: judged against the plan\'s arrival gap, invalid from 250 ms', () => {
  // 200/s: arrivals 5 ms apart; 2 gaps = 10 ms, so the 10 ms floor decides
  assert.deepEqual(distributedGenerators(result({ startSpreadMs: 9 })), []);
  assert.equal(distributedGenerators(result({ startSpreadMs: 30 }))![0]!.severity, 'warn');
  assert.equal(distributedGenerators(result({ startSpreadMs: 250 }))![0]!.severity, 'invalid');
  // 20/s: arrivals 50 ms apart: a 30 ms spread moves less than one arrival per segment
  assert.deepEqual(distributedGenerators(result({ startSpreadMs: 30 }, 20)), []);
  assert.equal(distributedGenerators(result({ startSpreadMs: 120 }, 20))![0]!.severity, 'warn');
});
