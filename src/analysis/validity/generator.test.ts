import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generatorSaturation } from './generator.js';
import type { Result } from '../../result/types.js';

const lat = (p99: number) => ({ min: 1, mean: 5, p50: 4, p90: p99 / 2, p95: p99 / 1.5, p99, p999: p99, max: p99 });

function result(o: { lagP99?: number; lagP90?: number; latP99?: number; busy?: number[]; cpuMean?: number; dropped?: number; source?: Result['source'] }): Result {
  return {
    schema: 'loadproof.result/v1',
    source: o.source ?? 'loadproof',
    tool: { name: 'loadproof', version: '0' },
    plan: { name: 'p', hypothesis: null, target: 'http://x', pattern: null },
    startedAt: '',
    endedAt: '',
    durationSec: 10,
    verdict: 'pass',
    summary: {
      requests: 1000,
      errors: 0,
      errorRate: 0,
      throughputRps: 100,
      peakRps: 100,
      latencyMs: lat(o.latP99 ?? 50),
      dropped: o.dropped ?? 0,
      ...(o.lagP99 !== undefined ? { sendLagMs: { ...lat(o.lagP99), p90: o.lagP90 ?? o.lagP99 } } : {}),
    },
    endpoints: [],
    criteria: [],
    timeline: [],
    steps: [],
    watch: o.busy ? { 'self.generator.workerBusyPct': { unit: '%', points: o.busy.map((v, i) => [i, v]) } } : {},
    analysis: null,
    generator: { workers: 1, cores: 2, ...(o.lagP99 !== undefined ? { sendLagP99Ms: o.lagP99 } : {}), ...(o.cpuMean !== undefined ? { cpuPct: { mean: o.cpuMean, max: o.cpuMean } } : {}) },
  };
}

test('a healthy generator: no note', () => {
  assert.equal(generatorSaturation(result({ lagP99: 0.4, busy: [10, 12, 15] })), null);
});

test('a sustained send lag that is a visible share of the tail: invalid, with the figure and what to do', () => {
  const n = generatorSaturation(result({ lagP99: 38, lagP90: 20, latP99: 60, dropped: 12 }))!;
  assert.equal(n.severity, 'invalid');
  assert.equal(n.id, 'generator-saturated');
  assert.match(n.message, /fell behind: send lag p99 was 38 ms/);
  assert.match(n.message, /12 arrivals were dropped/);
  assert.match(n.message, /describe loadproof, not the target/);
});

test('isolated hiccups (low p90) or a slow target (small share): a warning, not invalid', () => {
  assert.equal(generatorSaturation(result({ lagP99: 15, lagP90: 0.5, latP99: 40 }))!.severity, 'warn');
  assert.equal(generatorSaturation(result({ lagP99: 15, lagP90: 5, latP99: 2000 }))!.severity, 'warn');
  assert.equal(generatorSaturation(result({ lagP99: 3, lagP90: 1, latP99: 40 }))!.severity, 'warn');
});

test('a pegged load thread or process CPU: invalid; busy in a tenth of the seconds: warning', () => {
  assert.equal(generatorSaturation(result({ busy: [96, 97, 99, 98, 50] }))!.severity, 'invalid');
  assert.match(generatorSaturation(result({ busy: [96, 97, 99, 98, 50] }))!.message, /load thread was 97% busy/);
  assert.equal(generatorSaturation(result({ cpuMean: 195 }))!.severity, 'invalid');
  assert.equal(generatorSaturation(result({ busy: [10, 10, 10, 10, 10, 10, 10, 10, 10, 92] }))!.severity, 'warn');
});

test('imported results are not judged', () => {
  assert.equal(generatorSaturation(result({ lagP99: 500, source: 'k6' })), null);
});
