/**
 * The timeline past its first hour (timeline.ts, "Long runs"): one point per minute, each the exact
 * merge of its seconds; a new point at a stage change; totals untouched; the run rebuilt from its
 * log coarsens identically.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SecondSnapshot } from './recorder.js';
import { COARSE_AFTER_SEC, COARSE_STEP_SEC, RunTotals, mergeSecond, type SecondRecord } from './timeline.js';
import { createHistogram, decodeHistogram, percentileMs } from './histogram.js';
import { countsIndex } from './latency-counts.js';
import { FilePointStore } from './point-store.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One second with `n` requests of latency `ms` (and one of 10·ms, so that seconds differ). */
function second(sec: number, n: number, ms: number, stage: number): SecondRecord {
  const us = Math.round(ms * 1000);
  const snap: SecondSnapshot = {
    sec,
    worker: 0,
    endpoints: [
      {
        e: 0,
        requests: n + 1,
        errors: 1,
        statusCodes: { '200': n, '503': 1 },
        errorKinds: { status: 1 },
        checksPasses: 0,
        checksFails: 0,
        bytesIn: 0,
        bytesOut: 0,
        latency: [countsIndex(us), n, countsIndex(us * 10), 1],
        ok: [countsIndex(us), n],
      },
    ],
    service: [countsIndex(us), n + 1],
    sendLag: [countsIndex(100 + sec), 1],
    outstanding: sec % 7 === 0 ? [countsIndex(2000), 2] : null,
    dropped: 0,
    iterations: n + 1,
    inFlight: sec % 5,
    vus: 0,
    busy: 0.2,
    spinUs: 0,
  };
  return mergeSecond([snap], {
    stage,
    offeredRps: n + 1,
    durationSec: 1,
    generator: { cpuPct: 10 + (sec % 3), eventLoopDelayP99Ms: sec % 11, rssBytes: 1e6 + sec, workerBusyPct: 20 },
    reportVus: false,
  });
}

const ENDPOINTS = [{ name: 'GET /', method: 'GET' }];

test('past the first hour the timeline has one point per minute, the exact merge of its seconds; a stage change starts a new point', () => {
  const totals = new RunTotals(ENDPOINTS);
  const records: SecondRecord[] = [];
  const end = COARSE_AFTER_SEC + 3 * COARSE_STEP_SEC + 30; // 3½ minutes past the hour
  const stageChangeAt = COARSE_AFTER_SEC + 2 * COARSE_STEP_SEC + 20;
  for (let s = 0; s < end; s++) {
    const r = second(s, 10 + (s % 13), 2 + (s % 17), s < stageChangeAt ? 0 : 1);
    records.push(r);
    totals.add(r);
  }
  const tl = totals.timeline;
  const starts = tl.filter((p) => p.t >= COARSE_AFTER_SEC).map((p) => [p.t, p.durationSec]);
  assert.deepEqual(starts, [
    [3600, 60],
    [3660, 60],
    [3720, 20],
    [3740, 40],
    [3780, 30],
  ]);
  assert.equal(tl.filter((p) => p.t < COARSE_AFTER_SEC).length, COARSE_AFTER_SEC, 'per second for the first hour');
  // requests are kept exactly: Σ rps·duration over the points = the run's requests
  const total = records.reduce((a, r) => a + r.endpoints[0]!.requests, 0);
  assert.equal(Math.round(tl.reduce((a, p) => a + p.rps * (p.durationSec ?? 1), 0)), total);
  const s = totals.summary(end, 'intended');
  assert.equal(s.requests, total);
  // one coarse point against its seconds merged independently
  const p = tl.find((x) => x.t === 3660)!;
  const secs = records.filter((r) => r.t >= 3660 && r.t < 3720);
  const merged = createHistogram();
  for (const r of secs) merged.add(decodeHistogram(r.hdr!));
  assert.equal(decodeHistogram(p.hdr!).totalCount, merged.totalCount);
  assert.equal(p.latencyMs!.p95, percentileMs(merged, 95));
  assert.equal(p.latencyMs!.p99, percentileMs(merged, 99));
  assert.equal(p.errors, secs.length);
  assert.equal(p.statusCodes!['503'], secs.length);
  assert.equal(p.rps, Math.round((secs.reduce((a, r) => a + r.endpoints[0]!.requests, 0) / 60) * 100) / 100);
  assert.equal(p.inFlight, secs[secs.length - 1]!.inFlight, 'in flight at the point’s end');
  const lag = createHistogram();
  for (const r of secs) lag.add(decodeHistogram(r.sendLagHdr!));
  assert.equal(p.sendLagP99Ms, percentileMs(lag, 99));
  // the generator's series follow the timeline's points
  const cpu = totals.selfSeries('x')['self.generator.cpuPct']!.points;
  assert.equal(cpu.length, tl.length);
  const loop = totals.selfSeries('x')['self.generator.eventLoopDelayP99Ms']!.points.find((q) => q[0] === 3660)!;
  assert.equal(loop[1], Math.max(...secs.map((r) => r.generator.eventLoopDelayP99Ms!)), 'the largest delay of the minute');
});

test('a run rebuilt from its log lines (histograms decoded, not the live ones) coarsens to the same timeline', () => {
  const live = new RunTotals(ENDPOINTS);
  const rebuilt = new RunTotals(ENDPOINTS);
  for (let s = 0; s < COARSE_AFTER_SEC + 150; s++) {
    const r = second(s, 5 + (s % 4), 1 + (s % 9), 0);
    live.add(r);
    rebuilt.add(JSON.parse(JSON.stringify(r)) as SecondRecord);
  }
  assert.deepEqual(rebuilt.timeline, live.timeline);
  assert.deepEqual(rebuilt.selfSeries('x'), live.selfSeries('x'));
  assert.deepEqual(rebuilt.summary(3750, 'intended'), live.summary(3750, 'intended'));
});

test('points kept in a file (FilePointStore, as `run` keeps them) read back as those kept in memory, the minute being merged included', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lp-points-'));
  try {
    const store = new FilePointStore(join(dir, '.timeline-points'));
    const inFile = new RunTotals(ENDPOINTS, store);
    const inMemory = new RunTotals(ENDPOINTS);
    const end = COARSE_AFTER_SEC + 2 * COARSE_STEP_SEC + 25;
    for (let s = 0; s < end; s++) {
      const r = second(s, 5 + (s % 4), 1 + (s % 9), 0);
      // a second without generator figures: null in the series, not 0 or NaN
      if (s === 100 || s === COARSE_AFTER_SEC + 5) r.generator = { cpuPct: null, eventLoopDelayP99Ms: null, rssBytes: null, workerBusyPct: null };
      inFile.add(r);
      inMemory.add(r);
    }
    assert.equal(inFile.pointCount, COARSE_AFTER_SEC + 3);
    const tl = inFile.timeline;
    assert.equal(tl.length, COARSE_AFTER_SEC + 3);
    assert.deepEqual(tl, inMemory.timeline);
    assert.equal(tl.at(-1)!.durationSec, 25, 'the minute being merged is the last point');
    assert.ok(tl.every((p) => !('hdr' in p) || typeof p.hdr === 'string'), 'no undefined keys: the points read as result.json holds them');
    const self = inFile.selfSeries('x');
    assert.deepEqual(self, inMemory.selfSeries('x'));
    assert.deepEqual(self['self.generator.rssBytes']!.points[100], [100, null]);
    assert.deepEqual(self['self.generator.rssBytes']!.points[101], [101, 1e6 + 101]);
    assert.deepEqual(self['self.generator.cpuPct']!.points[COARSE_AFTER_SEC], [COARSE_AFTER_SEC, 11], 'the minute’s mean CPU, the null second left out');
    assert.deepEqual(inFile.cpuStats(), inMemory.cpuStats());
    assert.equal(inFile.eventLoopDelayP99Ms(), inMemory.eventLoopDelayP99Ms());
    store.close();
    assert.deepEqual(inFile.timeline, tl, 'closed, the store still has its points');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
