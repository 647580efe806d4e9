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

test('gc-pressure heap evidence: the old generation’s used/total when watched, not the whole heap’s (whose total counts empty semi-spaces)', () => {
  const MB = 2 ** 20;
  const r = gcPressureCase();
  const whole = r.watch['prometheus.app.nodejs_heap_size_total_bytes']!;
  // the whole heap's total with 32 MiB of committed young generation: used/total ≈ 0.6 — not "near"
  r.watch['prometheus.app.nodejs_heap_size_total_bytes'] = { ...whole, points: whole.points.map(([t, v]) => [t, v === null ? null : v + 64 * MB] as [number, number | null]) };
  const noOld = analyze(r).analysis!.diagnoses[0]!;
  assert.equal(noOld.id, 'gc-pressure');
  assert.match(noOld.evidence.join(' '), /heap used .* of 192 MB allocated/);
  // the old space's pair, as prom-client names it: 95 MiB used of 100 MiB
  const used = r.watch['prometheus.app.nodejs_heap_size_used_bytes']!;
  r.watch['prometheus.app.nodejs_heap_space_size_used_bytes{space="old"}'] = { ...used, points: used.points.map(([t, v]) => [t, v === null ? null : 95 * MB] as [number, number | null]) };
  r.watch['prometheus.app.nodejs_heap_space_size_total_bytes{space="old"}'] = { ...used, points: used.points.map(([t, v]) => [t, v === null ? null : 100 * MB] as [number, number | null]) };
  const withOld = analyze(r).analysis!.diagnoses[0]!;
  assert.equal(withOld.id, 'gc-pressure');
  assert.match(withOld.evidence.join(' '), /old-generation heap used 95(\.0)? MB of 100(\.0)? MB allocated \(95(\.0)?%\)/);
  // the old space at 95% gives the heap signal in full (0.15) where the whole heap's ratio gave its
  // floor (0.5 × 0.15): +0.075, up to the cap of 0.95
  assert.equal(withOld.confidence, Math.min(0.95, Math.round((noOld.confidence + 0.075) * 100) / 100), `${noOld.confidence} → ${withOld.confidence}`);
});
