import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as hdr from 'hdr-histogram-js';
import { createHistogram, decodeHistogram, encodeHistogram, recordUs, summarizeMs, type Histogram } from './histogram.js';
import { mergeSecondRecords, mergeShards } from './merge.js';
import { LOG_SCHEMA, parseLog, resultFromParsedLog, type LogHeader, type LogEnd } from './log.js';
import { generatorSaturation } from '../analysis/validity/generator.js';
import type { SecondRecord } from './timeline.js';

/** Bucket counts of a histogram, index → count (only the non-zero ones). */
function counts(h: Histogram): Map<number, number> {
  const j = h as hdr.JsHistogram;
  const out = new Map<number, number>();
  for (let i = 0; i < j.countsArrayLength; i++) {
    const c = j.getCountAtIndex(i);
    if (c > 0) out.set(i, c);
  }
  return out;
}

interface Sample {
  shard: number;
  t: number;
  e: number;
  latencyUs: number;
  lagUs: number;
  ok: boolean;
}

const ENDPOINTS = 3;

/** One second of one shard, made from its samples as the recorder + mergeSecond would log it. */
function recordOf(t: number, samples: Sample[], extra: boolean): SecondRecord {
  const all = createHistogram();
  const lag = createHistogram();
  const success = createHistogram();
  const endpoints = [];
  for (let e = 0; e < ENDPOINTS; e++) {
    const mine = samples.filter((s) => s.e === e);
    if (mine.length === 0) continue;
    const h = createHistogram();
    for (const s of mine) {
      recordUs(h, s.latencyUs);
      recordUs(all, s.latencyUs);
      if (s.ok) recordUs(success, s.latencyUs);
    }
    endpoints.push({
      e,
      requests: mine.length,
      errors: mine.filter((s) => !s.ok).length,
      statusCodes: { '200': mine.filter((s) => s.ok).length, '500': mine.filter((s) => !s.ok).length },
      errorKinds: {},
      checksPasses: 0,
      checksFails: 0,
      bytesIn: 10 * mine.length,
      bytesOut: 5 * mine.length,
      hdr: encodeHistogram(h),
    });
  }
  for (const s of samples) recordUs(lag, s.lagUs);
  const r: SecondRecord = {
    type: 'second',
    t,
    durationSec: 1,
    stage: 0,
    offeredRps: 25,
    vus: null,
    inFlight: 1,
    dropped: 0,
    iterations: samples.length,
    hdr: samples.length ? encodeHistogram(all) : null,
    serviceHdr: samples.length ? encodeHistogram(all) : null,
    sendLagHdr: samples.length ? encodeHistogram(lag) : null,
    endpoints,
    generator: { cpuPct: 10 + t, eventLoopDelayP99Ms: 1, rssBytes: 1000, workerBusyPct: 5 },
  };
  // a histogram this code has never heard of (the lead's successful-only one, say) merges too
  if (extra) (r as unknown as Record<string, unknown>).successHdr = success.totalCount ? encodeHistogram(success) : null;
  return r;
}

const sampleArb = (N: number, T: number): fc.Arbitrary<Sample> =>
  fc.record({
    shard: fc.integer({ min: 0, max: N - 1 }),
    t: fc.integer({ min: 0, max: T - 1 }),
    e: fc.integer({ min: 0, max: ENDPOINTS - 1 }),
    // 1 µs .. ~30 min, log-spread so every bucket width is exercised
    latencyUs: fc.double({ min: 0, max: 21, noNaN: true }).map((x) => Math.floor(Math.exp(x))),
    lagUs: fc.integer({ min: 1, max: 50_000 }),
    ok: fc.boolean(),
  });

test('merging the shards of a run gives exactly the histograms of the same samples recorded in one place', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5 }).chain((N) => fc.tuple(fc.constant(N), fc.array(sampleArb(N, 4), { maxLength: 300 }))),
      ([N, samples]) => {
        const T = 4;
        for (let t = 0; t < T; t++) {
          const records = Array.from({ length: N }, (_, s) => recordOf(t, samples.filter((x) => x.shard === s && x.t === t), true));
          const merged = mergeSecondRecords(records);
          // the same samples recorded by one process
          const one = recordOf(t, samples.filter((x) => x.t === t), true);
          for (const key of ['hdr', 'serviceHdr', 'sendLagHdr', 'successHdr'] as const) {
            const a = (merged as unknown as Record<string, string | null>)[key] ?? null;
            const b = (one as unknown as Record<string, string | null>)[key] ?? null;
            assert.equal(a === null, b === null, key);
            if (a !== null && b !== null) assert.deepEqual(counts(decodeHistogram(a)), counts(decodeHistogram(b)), `${key} t=${t}`);
          }
          assert.equal(merged.endpoints.length, one.endpoints.length);
          merged.endpoints.forEach((m, i) => {
            const o = one.endpoints[i]!;
            assert.equal(m.e, o.e);
            assert.equal(m.requests, o.requests);
            assert.equal(m.errors, o.errors);
            assert.deepEqual(
              Object.fromEntries(Object.entries(m.statusCodes).filter(([, v]) => v > 0)),
              Object.fromEntries(Object.entries(o.statusCodes).filter(([, v]) => v > 0)),
            );
            assert.equal(m.bytesIn, o.bytesIn);
            assert.deepEqual(counts(decodeHistogram(m.hdr!)), counts(decodeHistogram(o.hdr!)));
          });
          assert.equal(merged.iterations, one.iterations);
          // shares of a total add up; coordinates do not
          assert.equal(merged.offeredRps, 25 * N);
          assert.equal(merged.t, t);
          assert.equal(merged.durationSec, 1);
          // generator health: the worst generator's, never a sum
          assert.equal(merged.generator.cpuPct, 10 + t);
        }
      },
    ),
    { numRuns: 60 },
  );
});

function header(index: number, count: number, startedAt: string): LogHeader {
  return {
    type: 'header',
    schema: LOG_SCHEMA,
    tool: { name: 'loadproof', version: 'test' },
    startedAt,
    plan: { name: 'p', hypothesis: 'h', target: 'http://127.0.0.1:1', pattern: null, model: 'open', stages: [{ durationSec: 2, target: 100 }], thresholds: { http_req_duration: ['p(99)<30'] }, abort: {}, scenarios: [] },
    endpoints: [
      { name: 'GET /a', method: 'GET' },
      { name: 'GET /b', method: 'GET' },
      { name: 'GET /c', method: 'GET' },
    ],
    model: 'open',
    workers: 1,
    cores: 2,
    pid: 1,
    segment: { index, count },
  };
}

const END: LogEnd = { type: 'end', endedAt: '2026-01-01T00:00:02.000Z', durationSec: 2, stop: { reason: 'completed' }, warnings: [] };

function shardText(lines: object[]): string {
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

test('mergeShards: run totals and thresholds from the merged samples; a killed segment makes the run name it', () => {
  // three shards, latencies 10 ms on shard 0 and 1, 50 ms on shard 2 (a third of the samples)
  const start = '2026-01-01T00:00:00.000Z';
  const mk = (s: number, ms: number): Sample[] =>
    Array.from({ length: 60 }, (_, k) => ({ shard: s, t: k % 2, e: 0, latencyUs: ms * 1000, lagUs: 100, ok: true }));
  const samples = [...mk(0, 10), ...mk(1, 10), ...mk(2, 50)];
  const shards = [0, 1, 2].map((s) => ({
    file: `shard-${s}.ndjson`,
    log: parseLog(shardText([header(s, 3, start), ...[0, 1].map((t) => recordOf(t, samples.filter((x) => x.shard === s && x.t === t), false)), END])),
  }));
  const r = mergeShards(shards);
  assert.equal(r.summary.requests, 180);
  const one = createHistogram();
  for (const x of samples) recordUs(one, x.latencyUs);
  // one process would have logged its histograms encoded: compare with what it reads back
  assert.deepEqual(r.summary.latencyMs, summarizeMs(decodeHistogram(encodeHistogram(one))));
  // p99 is 50 ms: the threshold p(99)<30 fails on the merged figures (each of shards 0, 1 alone passes)
  assert.equal(r.criteria[0]!.pass, false);
  assert.equal(r.distributed!.segments, 3);
  assert.deepEqual(r.distributed!.missingSegments, []);
  assert.deepEqual(r.distributed!.generators.map((g) => g.ended), ['completed', 'completed', 'completed']);
  // each generator's own figures (a light pass) are those of its shard reported alone
  const judged = mergeShards(shards, generatorSaturation);
  judged.distributed!.generators.forEach((g, i) => {
    const own = resultFromParsedLog(shards[i]!.log);
    assert.equal(g.requests, own.summary.requests);
    assert.equal(g.durationSec, own.durationSec);
    assert.equal(g.sendLagP99Ms, own.generator!.sendLagP99Ms);
    assert.deepEqual(g.cpuPct, own.generator!.cpuPct);
    assert.deepEqual(g.validity, generatorSaturation(own));
  });

  // segment 1 killed after its first second: no end line
  const killed = shards.map((s, i) => (i === 1 ? { file: s.file, log: { ...s.log, seconds: s.log.seconds.slice(0, 1), end: null } } : s));
  const rk = mergeShards(killed);
  assert.equal(rk.distributed!.generators[1]!.ended, 'killed');
  assert.equal(rk.summary.requests, 150);
  // two shards of three given: segment 2 is missing
  const rm = mergeShards(shards.slice(0, 2));
  assert.deepEqual(rm.distributed!.missingSegments, [2]);
});

test('mergeShards keeps the protocol the generators spoke on the endpoints ("mixed" when they differ)', () => {
  const start = '2026-01-01T00:00:00.000Z';
  const samples: Sample[] = Array.from({ length: 4 }, (_, k) => ({ shard: k % 2, t: 0, e: 0, latencyUs: 5000, lagUs: 100, ok: true }));
  const shardsSpeaking = (protocols: string[]) =>
    [0, 1].map((s) => ({
      file: `shard-${s}.ndjson`,
      log: parseLog(shardText([header(s, 2, start), recordOf(0, samples.filter((x) => x.shard === s), false), { ...END, protocol: protocols[s] }])),
    }));
  assert.deepEqual(mergeShards(shardsSpeaking(['h2', 'h2'])).endpoints.map((e) => e.protocol), ['h2']);
  assert.deepEqual(mergeShards(shardsSpeaking(['h2', 'http/1.1'])).endpoints.map((e) => e.protocol), ['mixed']);
});

test('mergeShards refuses shards of different runs or the same segment twice (exit 2, naming the file)', () => {
  const start = '2026-01-01T00:00:00.000Z';
  const a = { file: 'a.ndjson', log: parseLog(shardText([header(0, 2, start), END])) };
  const b = { file: 'b.ndjson', log: parseLog(shardText([header(0, 2, start), END])) };
  const fails = (fn: () => unknown, file: string, msg: RegExp): void =>
    assert.throws(fn, (e: Error & { where?: string; exitCode?: number }) => e.where === file && msg.test(e.message) && e.exitCode === 2);
  fails(() => mergeShards([a, b]), 'b.ndjson', /segment 0\/2 is given twice/);
  const other = header(1, 2, start);
  other.plan = { ...other.plan, name: 'other' };
  const c = { file: 'c.ndjson', log: parseLog(shardText([other, END])) };
  fails(() => mergeShards([a, c]), 'c.ndjson', /not a shard of the same run/);
  const d = { file: 'd.ndjson', log: parseLog(shardText([header(1, 3, start), END])) };
  fails(() => mergeShards([a, d]), 'd.ndjson', /does not belong/);
});

test('mergeShards: the whole run’s histograms (summary, endpoints, each second) are exactly those of the samples recorded in one place', () => {
  const start = '2026-01-01T00:00:00.000Z';
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5 }).chain((N) => fc.tuple(fc.constant(N), fc.array(sampleArb(N, 3), { minLength: 1, maxLength: 300 }))),
      ([N, samples]) => {
        const T = 3;
        const shards = Array.from({ length: N }, (_, s) => ({
          file: `shard-${s}.ndjson`,
          log: parseLog(shardText([header(s, N, start), ...Array.from({ length: T }, (_, t) => recordOf(t, samples.filter((x) => x.shard === s && x.t === t), false)), END])),
        }));
        const r = mergeShards(shards);
        const one = createHistogram();
        const lag = createHistogram();
        for (const x of samples) {
          recordUs(one, x.latencyUs);
          recordUs(lag, x.lagUs);
        }
        assert.equal(r.summary.requests, samples.length);
        assert.deepEqual(counts(decodeHistogram(r.summary.hdr!)), counts(one));
        assert.deepEqual(r.summary.latencyMs, summarizeMs(decodeHistogram(encodeHistogram(one))));
        assert.deepEqual(r.summary.sendLagMs, summarizeMs(decodeHistogram(encodeHistogram(lag))));
        for (const ep of r.endpoints) {
          const e = Number(ep.name.slice(-1).charCodeAt(0) - 'a'.charCodeAt(0));
          const h = createHistogram();
          for (const x of samples.filter((s) => s.e === e)) recordUs(h, x.latencyUs);
          assert.deepEqual(counts(decodeHistogram(ep.hdr!)), counts(h), ep.name);
          assert.equal(ep.requests, h.totalCount);
        }
        for (const p of r.timeline) {
          const h = createHistogram();
          for (const x of samples.filter((s) => s.t === p.t)) recordUs(h, x.latencyUs);
          if (h.totalCount === 0) assert.equal(p.hdr, undefined);
          else assert.deepEqual(counts(decodeHistogram(p.hdr!)), counts(h), `t=${p.t}`);
        }
      },
    ),
    { numRuns: 40 },
  );
});
