/**
 * The rules added after the seed's table, beyond the 13×13 table: gc-pressure read from prom-client's
 * names (the prometheus watcher's `_sum` rate) rather than the probe, and ranked before cpu-bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../src/analysis/analyze.js';
import { gcPressureCase } from '../helpers/synthetic-results.js';

test('gc-pressure from prom-client names: nodejs_gc_duration_seconds _sum rate by kind, heap used/total; cpu-bound second', () => {
  const r = gcPressureCase();
  const probe = r.watch['eventLoop.app.gcPauseMsPerSec']!;
  delete r.watch['eventLoop.app.gcPauseMsPerSec'];
  // the same GC time split over two kinds, in seconds per second
  const part = (share: number) => ({ ...probe, unit: 's/s', watcher: 'prometheus', points: probe.points.map(([t, v]) => [t, v === null ? null : (v / 1000) * share] as [number, number | null]) });
  r.watch['prometheus.app.nodejs_gc_duration_seconds{kind="major"}.sumPerSec'] = part(0.7);
  r.watch['prometheus.app.nodejs_gc_duration_seconds{kind="minor"}.sumPerSec'] = part(0.3);
  const d = analyze(r).analysis!.diagnoses;
  assert.equal(d[0]?.id, 'gc-pressure', JSON.stringify(d.map((x) => [x.id, x.confidence])));
  assert.match(d[0]!.evidence[0]!, /garbage collection took \d+(\.\d+)?% of a core .*prometheus\.app/);
  assert.match(d[0]!.evidence.join(' '), /heap used .* of 128 MB allocated/);
  const cpu = d.find((x) => x.id === 'cpu-bound');
  assert.ok(cpu && cpu.confidence < d[0]!.confidence, 'cpu-bound fires second: the core is saturated, mostly by GC');
  assert.match(cpu.evidence.join(' '), /GC pressure first/);
});
