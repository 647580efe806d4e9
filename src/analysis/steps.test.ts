import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHistogram, encodeHistogram, recordUs } from '../metrics/histogram.js';
import type { Result, TimelinePoint } from '../result/types.js';
import { MAX_RAMP_WINDOWS, segmentSteps, toStepResult } from './steps.js';

/** One timeline point with `n` samples at `ms` each (plus `slow` samples at `slowMs`). */
function point(t: number, offered: number | null, n: number, ms: number, slow = 0, slowMs = 0): TimelinePoint {
  const h = createHistogram();
  for (let i = 0; i < n; i++) recordUs(h, ms * 1000);
  for (let i = 0; i < slow; i++) recordUs(h, slowMs * 1000);
  const total = n + slow;
  const sorted = [...Array<number>(n).fill(ms), ...Array<number>(slow).fill(slowMs)].sort((a, b) => a - b);
  const pct = (p: number): number => sorted[Math.min(total - 1, Math.ceil((p / 100) * total) - 1)]!;
  return {
    t,
    durationSec: 1,
    offeredRps: offered,
    rps: total,
    errors: 0,
    inFlight: null,
    vus: null,
    latencyMs: total ? { p50: pct(50), p95: pct(95), p99: pct(99), mean: (n * ms + slow * slowMs) / total } : null,
    hdr: encodeHistogram(h),
  };
}

function result(timeline: TimelinePoint[], stages?: Array<{ durationSec: number; target: number }>): Result {
  return {
    plan: { name: 't', hypothesis: null, target: 'x', pattern: null, ...(stages ? { stages } : {}) },
    timeline,
    watch: { 'process.a.cpuPct': { unit: '%', points: timeline.map((p) => [p.t, p.t < 25 ? 10 : 30]) } },
  } as unknown as Result;
}

// Two holds of 20 s (100 then 200 req/s) after 5 s ramps. In each hold the first 2 s are slow
// (500 ms) — the settle time — and one second in the middle has 3 slow samples of 40 ms.
function twoHolds(): TimelinePoint[] {
  const tl: TimelinePoint[] = [];
  for (let t = 0; t < 50; t++) {
    const inHold1 = t >= 5 && t < 25;
    const inHold2 = t >= 30;
    const offered = t < 5 ? (100 * t) / 5 : t < 25 ? 100 : t < 30 ? 100 + (100 * (t - 25)) / 5 : 200;
    const n = Math.round(offered);
    if ((inHold1 && t < 7) || (inHold2 && t < 32)) tl.push(point(t, offered, n, 500));
    else if (t === 15) tl.push(point(t, offered, n - 3, 10, 3, 40));
    else tl.push(point(t, offered, n, 10));
  }
  return tl;
}

test('steps follow the plan’s stages: holds become steps, short ramps are left out, the settle time is skipped', () => {
  const seg = segmentSteps(
    result(twoHolds(), [
      { durationSec: 5, target: 100 },
      { durationSec: 20, target: 100 },
      { durationSec: 5, target: 200 },
      { durationSec: 20, target: 200 },
    ]),
  );
  assert.equal(seg.method, 'stages');
  assert.equal(seg.steps.length, 2);
  const [a, b] = seg.steps.map((s) => toStepResult(s)!);
  assert.deepEqual([a!.startSec, a!.endSec, b!.startSec, b!.endSec], [5, 25, 30, 50]);
  assert.equal(a!.offeredRps, 100);
  assert.equal(a!.rps, 100);
  assert.equal(a!.steady, true);
  assert.equal(a!.percentileSource, 'hdr-merge');
  // the 500 ms settle seconds are out: p99 of the merged histogram is 10 ms (3 slow of 1800 samples < 1%)
  assert.ok(Math.abs(a!.latencyMs.p99 - 10) < 0.02, `p99 ${a!.latencyMs.p99}`);
  assert.equal(a!.requests, 1800);
  // Little's law: 100 req/s × ~10 ms
  assert.ok(Math.abs(a!.concurrency - 1.0) < 0.05, `concurrency ${a!.concurrency}`);
  assert.equal(a!.watch!['process.a.cpuPct'], 10);
  assert.equal(b!.watch!['process.a.cpuPct'], 30);
});

test('without histograms the step reports the worst interval’s percentiles, labelled, never an average', () => {
  const tl = twoHolds().map((p) => ({ ...p, hdr: undefined }));
  const seg = segmentSteps(result(tl, [
    { durationSec: 5, target: 100 },
    { durationSec: 20, target: 100 },
    { durationSec: 5, target: 200 },
    { durationSec: 20, target: 200 },
  ]));
  const a = toStepResult(seg.steps[0]!)!;
  assert.equal(a.percentileSource, 'max-of-intervals');
  // the second with 3 slow samples of 100 has p99 = 40 ms: the worst interval bounds the step
  assert.equal(a.latencyMs.p99, 40);
});

test('without stages the steps are plateaus of the offered load; without offered load, 10 s windows', () => {
  const seg = segmentSteps(result(twoHolds()));
  assert.equal(seg.method, 'plateaus');
  const holds = seg.steps.filter((s) => s.shape === 'hold');
  // t = 25 still offers 100 req/s (the next ramp starts from it), so the first plateau ends at 26
  assert.deepEqual(
    holds.map((s) => [s.startSec, s.endSec]),
    [
      [5, 26],
      [30, 50],
    ],
  );
  const none = segmentSteps(result(twoHolds().map((p) => ({ ...p, offeredRps: null }))));
  assert.equal(none.method, 'windows');
  assert.deepEqual(
    none.steps.map((s) => s.startSec),
    [0, 10, 20, 30, 40],
  );
  assert.match(none.notes.join(' '), /offered load was not recorded/);
});

test('a ramp longer than an hour gets MAX_RAMP_WINDOWS windows, not 10 s ones; the watch series are averaged over each', () => {
  // a 24-hour ramp recorded as per-minute points (as past a long run's first hour)
  const tl: TimelinePoint[] = [];
  for (let t = 0; t < 86_400; t += 60) tl.push({ ...point(t, 1 + t / 100, 2, 5), durationSec: 60 });
  const seg = segmentSteps(result(tl, [{ durationSec: 86_400, target: 865 }]));
  assert.equal(seg.steps.length, MAX_RAMP_WINDOWS);
  assert.deepEqual([seg.steps[0]!.startSec, seg.steps[0]!.endSec], [0, 240]);
  assert.equal(seg.steps.at(-1)!.endSec, 86_400);
  // 4 minute points a window, their samples merged
  assert.ok(seg.steps.every((s) => s.points.length === 4 && s.histogram!.totalCount === 8));
  // the watch series (10 before 25 s, 30 after; a sample per point) averaged over each window's
  // samples: 10, 30, 30, 30 in the first
  assert.equal(seg.steps[0]!.watch['process.a.cpuPct'], 25);
  assert.equal(seg.steps[1]!.watch['process.a.cpuPct'], 30);
});

test('a ramp of 10 s or more is cut into 10 s windows (a short tail joins the last window)', () => {
  const tl: TimelinePoint[] = [];
  for (let t = 0; t < 34; t++) tl.push(point(t, 3 * t + 3, 3 * t + 3, 5));
  const seg = segmentSteps(result(tl, [{ durationSec: 34, target: 102 }]));
  assert.deepEqual(
    seg.steps.map((s) => [s.startSec, s.endSec, s.shape]),
    [
      [0, 10, 'ramp-up'],
      [10, 20, 'ramp-up'],
      [20, 34, 'ramp-up'],
    ],
  );
});
