import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Recorder, type SecondSnapshot } from './recorder.js';
import { RunTotals, SecondCollector, mergeSecond, type GeneratorSecond } from './timeline.js';
import { createHistogram, decodeHistogram, encodeHistogram, histogramFromCounts, recordUs, summarizeMs } from './histogram.js';
import { KIND } from './error-kinds.js';
import { logLine, resultFromLog, type LogHeader } from './log.js';

const gauges = { inFlight: () => 3, vus: () => 2, load: () => ({ busy: 0.5, spinUs: 100 }), outstanding: () => {} };
const gen: GeneratorSecond = { cpuPct: 10, eventLoopDelayP99Ms: 1, rssBytes: 1, workerBusyPct: 50 };

test('recorder: samples land in the second they completed in, per endpoint; quiet seconds are emitted', () => {
  const snaps: SecondSnapshot[] = [];
  const rec = new Recorder(2, 0, gauges, (s) => snaps.push(s));
  rec.record(0, 0, 100, 5_000, 200, 0, 100, 50); // 5 ms
  rec.record(1, 200_000, 200_000, 700_000, 503, 0, 10, 5); // status error, 500 ms
  rec.record(0, 900_000, 950_000, 1_200_000, 0, KIND.refused, 0, 50); // second 1, no response
  rec.recordChecks(0, 1_300_000, 1, 2);
  rec.recordDropped(3_100_000, 3_100_000);
  rec.flushAll(3_500_000);
  assert.deepEqual(
    snaps.map((s) => s.sec),
    [0, 1, 2, 3],
  );
  const [s0, s1, s2, s3] = snaps;
  assert.equal(s0!.endpoints.length, 2);
  const e0 = s0!.endpoints[0]!;
  assert.equal(e0.requests, 1);
  assert.equal(e0.errors, 0);
  assert.deepEqual(e0.statusCodes, { '200': 1 });
  assert.equal(histogramFromCounts([e0.latency]).totalCount, 1);
  assert.equal(histogramFromCounts([e0.ok]).totalCount, 1, 'a 200 is a successful request');
  const e1 = s0!.endpoints[1]!;
  assert.equal(e1.errors, 1);
  assert.deepEqual(e1.errorKinds, { status: 1 });
  assert.deepEqual(e1.statusCodes, { '503': 1 });
  // latency from intended, service time from the write
  assert.ok(Math.abs(summarizeMs(histogramFromCounts([e1.latency])).max - 500) < 1);
  assert.equal(histogramFromCounts([s0!.service]).totalCount, 2);
  assert.equal(e1.ok, null, 'a 503 is not a successful request');
  // second 1: a transport failure is counted and timed (it was sent: 300 ms from its intended start)
  assert.deepEqual(s1!.endpoints[0]!.errorKinds, { refused: 1 });
  assert.ok(Math.abs(summarizeMs(histogramFromCounts([s1!.endpoints[0]!.latency])).max - 300) < 1);
  assert.equal(s1!.endpoints[0]!.ok, null);
  assert.equal(s1!.endpoints[0]!.checksFails, 2);
  assert.equal(s2!.endpoints.length, 0, 'a quiet second is still emitted');
  assert.equal(s3!.dropped, 1);
  assert.equal(s3!.final, true);
  assert.equal(s3!.endUs, 3_500_000);
  assert.equal(s0!.inFlight, 3);
});

test('recorder: requests outstanding at a second\'s end are recorded at their age then, each second', () => {
  const snaps: SecondSnapshot[] = [];
  // one request intended at 0.2 s still out; one intended at 2.5 s (after the first boundary)
  const starts = [200_000, 2_500_000];
  const g = { ...gauges, outstanding: (visit: (intendedUs: number) => void) => starts.forEach(visit) };
  const rec = new Recorder(1, 0, g, (s) => snaps.push(s));
  rec.tick(3_100_000);
  assert.deepEqual(
    snaps.map((s) => s.sec),
    [0, 1, 2],
  );
  const ages = snaps.map((s) => (s.outstanding === null ? null : summarizeMs(histogramFromCounts([s.outstanding]))));
  // second 0 ends at 1 s: only the first was out, for 0.8 s; second 2 ends at 3 s: 2.8 s and 0.5 s
  assert.ok(Math.abs(ages[0]!.max - 800) < 1); // 3 significant digits
  assert.equal(histogramFromCounts([snaps[0]!.outstanding]).totalCount, 1);
  assert.ok(Math.abs(ages[2]!.max - 2800) < 3);
  assert.ok(Math.abs(ages[2]!.min - 500) < 1);
  // and an endpoint with nothing that ended is not invented
  assert.equal(snaps[0]!.endpoints.length, 0);
});

test('merge: counts add up and histograms merge exactly across workers (never percentiles averaged)', () => {
  const a: SecondSnapshot[] = [];
  const b: SecondSnapshot[] = [];
  const ra = new Recorder(1, 0, gauges, (s) => a.push(s));
  const rb = new Recorder(1, 1, gauges, (s) => b.push(s));
  const all = createHistogram();
  // worker 0: 98 fast requests; worker 1: two slow ones. The p99 of all 100 is slow; averaging the
  // workers' own p99s would give (1.1 + 900) / 2 ms instead.
  for (let i = 0; i < 98; i++) {
    ra.record(0, 0, 0, 1_000 + i, 200, 0, 10, 10);
    recordUs(all, 1_000 + i);
  }
  for (let i = 0; i < 2; i++) {
    rb.record(0, 0, 0, 900_000, 200, 0, 10, 10);
    recordUs(all, 900_000);
  }
  ra.flushAll(999_000);
  rb.flushAll(999_500);
  const released: Array<{ sec: number; durationSec: number; snaps: SecondSnapshot[] }> = [];
  const col = new SecondCollector(2, (sec, snaps, durationSec) => released.push({ sec, durationSec, snaps }));
  col.add(a[0]!);
  assert.equal(released.length, 0, 'waits for the other worker');
  col.add(b[0]!);
  assert.equal(released.length, 1);
  assert.equal(col.complete, true);
  assert.ok(Math.abs(released[0]!.durationSec - 0.9995) < 1e-9, 'the last second has its real length');
  const rec = mergeSecond(released[0]!.snaps, { stage: 0, offeredRps: 100, durationSec: released[0]!.durationSec, generator: gen, reportVus: false });
  assert.equal(rec.endpoints.length, 1);
  assert.equal(rec.endpoints[0]!.requests, 100);
  const expected = summarizeMs(decodeHistogram(encodeHistogram(all)));
  assert.deepEqual(summarizeMs(decodeHistogram(rec.hdr!)), expected);
  const totals = new RunTotals([{ name: 'GET /', method: 'GET' }]);
  totals.add(rec);
  const s = totals.summary(1, 'intended');
  assert.equal(s.requests, 100);
  assert.deepEqual(s.latencyMs, expected);
  assert.ok(s.latencyMs.p99 >= 899, `p99 ${s.latencyMs.p99}`);
});

test('collector: a worker that finished early does not hold later seconds back', () => {
  const out: number[] = [];
  const col = new SecondCollector(2, (sec) => out.push(sec));
  const snap = (worker: number, sec: number, final = false, endUs?: number): SecondSnapshot => ({
    sec,
    worker,
    endpoints: [],
    service: null,
    sendLag: null,
    outstanding: null,
    dropped: 0,
    iterations: 0,
    inFlight: 0,
    vus: 0,
    busy: 0,
    spinUs: 0,
    ...(final ? { final, endUs } : {}),
  });
  col.add(snap(0, 0));
  col.add(snap(0, 1, true, 1_500_000));
  col.add(snap(1, 0));
  assert.deepEqual(out, [0]);
  col.add(snap(1, 1));
  col.add(snap(1, 2));
  col.add(snap(1, 3, true, 3_200_000));
  // the last 0.2 s held nothing: it is not reported as a second (it would read as 0 req/s)
  assert.deepEqual(out, [0, 1, 2]);
  assert.equal(col.complete, true);
});

test('resultFromLog: the same totals from the log lines; a log without an end line is an interrupted run', () => {
  const header: LogHeader = {
    type: 'header',
    schema: 'loadproof.log/v1',
    tool: { name: 'loadproof', version: '0' },
    startedAt: '2025-01-01T00:00:00.000Z',
    plan: { name: 'p', hypothesis: null, target: 'http://127.0.0.1:1', pattern: null, model: 'open', thresholds: { http_req_duration: ['p(99)<100'] } },
    endpoints: [{ name: 'GET /', method: 'GET', scenario: 'a' }],
    model: 'open',
    workers: 1,
    cores: 2,
    pid: 1,
  };
  const snaps: SecondSnapshot[] = [];
  const rec = new Recorder(1, 0, gauges, (s) => snaps.push(s));
  for (let i = 0; i < 50; i++) rec.record(0, i * 20_000, i * 20_000, i * 20_000 + 2_000, 200, 0, 10, 10);
  for (let i = 0; i < 50; i++) rec.record(0, 1e6 + i * 20_000, 1e6 + i * 20_000, 1e6 + i * 20_000 + 200_000, 200, 0, 10, 10);
  rec.flushAll(2_000_000);
  const lines = [logLine(header)];
  for (const s of snaps) lines.push(logLine(mergeSecond([s], { stage: 0, offeredRps: 50, durationSec: s.final ? 0.001 : 1, generator: gen, reportVus: false })));
  const killed = resultFromLog(lines.join('') + '{"type":"sec');
  assert.equal(killed.stop!.reason, 'interrupted');
  assert.equal(killed.summary.requests, 100);
  assert.equal(killed.criteria.length, 1);
  assert.equal(killed.criteria[0]!.pass, false, 'p99 ≈ 200 ms is over 100');
  assert.ok(killed.warnings!.some((w) => /cut short/.test(w.message)));
  assert.equal(killed.verdict, 'fail');
  const ended = resultFromLog(
    lines.join('') + logLine({ type: 'end', endedAt: '2025-01-01T00:00:02.000Z', durationSec: 2, stop: { reason: 'completed' } }),
  );
  assert.equal(ended.stop!.reason, 'completed');
  assert.equal(ended.durationSec, 2);
  assert.equal(ended.summary.throughputRps, 50);
  assert.throws(() => resultFromLog('{"type":"second"}\n'), /before the header/);
  assert.throws(() => resultFromLog('hello\nworld\n'), /not a JSON line/);
});

test('totals folded from live records (histograms built once) equal totals folded from the same records read back', () => {
  const endpoints = [
    { name: 'a', method: 'GET' },
    { name: 'b', method: 'POST' },
  ];
  const byWorker: SecondSnapshot[][] = [[], []];
  const recs = [0, 1].map((w) => new Recorder(2, w, gauges, (s) => byWorker[w]!.push(s)));
  for (let i = 0; i < 3000; i++) {
    const t = i * 1_000;
    recs[i % 2]!.record(i % 3 === 0 ? 1 : 0, t, t + 50, t + 300 + ((i * 7919) % 90_000), i % 50 === 0 ? 500 : 200, 0, 10, 5);
    recs[i % 2]!.recordSendLag((i * 31) % 2_000, t);
  }
  recs[0]!.flushAll(3_000_500);
  recs[1]!.flushAll(3_000_700);
  const records: ReturnType<typeof mergeSecond>[] = [];
  const col = new SecondCollector(2, (_sec, snaps, durationSec) =>
    records.push(mergeSecond(snaps, { stage: 0, offeredRps: 1000, durationSec, generator: gen, reportVus: false })),
  );
  for (let k = 0; k < Math.max(byWorker[0]!.length, byWorker[1]!.length); k++) {
    if (byWorker[0]![k]) col.add(byWorker[0]![k]!);
    if (byWorker[1]![k]) col.add(byWorker[1]![k]!);
  }
  assert.ok(records.length >= 3, `${records.length} seconds`);
  const live = new RunTotals(endpoints);
  const replayed = new RunTotals(endpoints);
  for (const r of records) {
    live.add(r);
    replayed.add(JSON.parse(JSON.stringify(r)) as typeof r);
  }
  assert.deepEqual(live.summary(3, 'intended'), replayed.summary(3, 'intended'));
  assert.deepEqual(live.endpointResults(), replayed.endpointResults());
  assert.deepEqual(live.timeline, replayed.timeline);
  assert.equal(live.summary(3, 'intended').requests, 3000);
  assert.equal(live.endpointResults().length, 2);
});

test('failed iterations are counted in the second they failed in, merged across workers, and survive the log', () => {
  const byWorker: SecondSnapshot[][] = [[], []];
  const recs = [0, 1].map((w) => new Recorder(1, w, gauges, (s) => byWorker[w]!.push(s)));
  // worker 0: 10 iterations in second 0 (2 failed), 5 in second 1 (none failed); worker 1: 3 failed in second 1
  for (let i = 0; i < 10; i++) {
    recs[0]!.record(0, i * 90_000, i * 90_000, i * 90_000 + 1_000, 200, 0, 10, 10);
    if (i % 5 === 4) recs[0]!.recordIterationFailed(i * 90_000 + 1_000);
    else recs[0]!.recordIteration(i * 90_000 + 1_000);
  }
  for (let i = 0; i < 5; i++) recs[0]!.recordIteration(1_100_000 + i * 1_000);
  for (let i = 0; i < 3; i++) recs[1]!.recordIterationFailed(1_500_000 + i * 1_000);
  recs[0]!.flushAll(2_000_000);
  recs[1]!.flushAll(2_000_000);
  const records: ReturnType<typeof mergeSecond>[] = [];
  const col = new SecondCollector(2, (_sec, snaps, durationSec) => records.push(mergeSecond(snaps, { stage: 0, offeredRps: null, durationSec, generator: gen, reportVus: false })));
  for (const list of byWorker) for (const s of list) col.add(s);
  const live = new RunTotals([{ name: 'GET /', method: 'GET' }]);
  const replayed = new RunTotals([{ name: 'GET /', method: 'GET' }]);
  for (const r of records) {
    live.add(r);
    replayed.add(JSON.parse(JSON.stringify(r)) as typeof r);
  }
  assert.deepEqual(
    live.timeline.slice(0, 2).map((p) => [p.t, p.iterations, p.failedIterations]),
    [
      [0, 8, 2],
      [1, 5, 3],
    ],
  );
  assert.deepEqual(live.timeline, replayed.timeline);
  const s = live.summary(2, 'actual');
  assert.equal(s.iterations, 13);
  assert.equal(s.failedIterations, 5);
  // a run without failures has no failedIterations field at all
  const quiet = new RunTotals([{ name: 'GET /', method: 'GET' }]);
  quiet.add(mergeSecond([{ ...byWorker[0]![1]!, failedIterations: 0 }], { stage: 0, offeredRps: null, durationSec: 1, generator: gen, reportVus: false }));
  assert.equal(quiet.timeline[0]!.failedIterations, undefined);
  assert.equal(quiet.summary(1, 'actual').failedIterations, undefined);
});
