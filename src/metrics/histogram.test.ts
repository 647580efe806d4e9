import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHistogram, decodeHistogram, encodeHistogram, meanStdevUs, meanUs, mergeHistograms, percentileMs, pointMs, recordUs, summarizeMs, withStalled } from './histogram.js';

test('records µs and reports ms within 0.1%', () => {
  const h = createHistogram();
  for (let i = 1; i <= 1000; i++) recordUs(h, i * 1000); // 1..1000 ms
  const s = summarizeMs(h);
  assert.ok(Math.abs(s.p50 - 500) <= 0.5, `p50 ${s.p50}`);
  assert.ok(Math.abs(s.p99 - 990) <= 1, `p99 ${s.p99}`);
  assert.ok(Math.abs(s.max - 1000) <= 1, `max ${s.max}`);
  assert.equal(s.min, 1);
});

test('merging equals recording everything in one histogram; encoding round-trips', () => {
  const a = createHistogram();
  const b = createHistogram();
  const all = createHistogram();
  for (let i = 0; i < 5000; i++) {
    const v = 100 + ((i * 7919) % 100_000);
    recordUs(i % 3 ? a : b, v);
    recordUs(all, v);
  }
  const merged = mergeHistograms([encodeHistogram(a), b]);
  assert.equal(merged.totalCount, 5000);
  for (const p of [50, 90, 99, 99.9]) assert.equal(percentileMs(merged, p), percentileMs(all, p));
  assert.equal(decodeHistogram(encodeHistogram(all)).totalCount, 5000);
});

test('an empty histogram summarises to zeros', () => {
  assert.equal(summarizeMs(createHistogram()).p99, 0);
});

test('mean and stdev read from the counts equal hdr-histogram-js getters bit for bit', () => {
  // values spread over many buckets (1 µs .. ~1 h) so every bucket width is exercised
  let seed = 7;
  const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (const n of [1, 2, 17, 5000]) {
    const h = createHistogram();
    for (let i = 0; i < n; i++) recordUs(h, Math.floor(Math.exp(rnd() * 21)));
    for (const x of [h, decodeHistogram(encodeHistogram(h))]) {
      assert.equal(meanUs(x), x.mean);
      const ms = meanStdevUs(x);
      assert.equal(ms.mean, x.mean);
      assert.equal(ms.stdev, x.stdDeviation);
    }
  }
  assert.deepEqual(meanStdevUs(createHistogram()), { mean: 0, stdev: 0 });
  assert.equal(meanUs(createHistogram()), 0);
});

test('summaries and timeline points equal the per-percentile answers of hdr-histogram-js', () => {
  let seed = 11;
  const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (const n of [1, 3, 999, 20_000]) {
    const h = decodeHistogram(encodeHistogram((() => {
      const x = createHistogram();
      for (let i = 0; i < n; i++) recordUs(x, Math.floor(Math.exp(rnd() * 16)));
      return x;
    })()));
    const s = summarizeMs(h);
    assert.deepEqual(
      [s.p50, s.p90, s.p95, s.p99, s.p999],
      [50, 90, 95, 99, 99.9].map((p) => percentileMs(h, p)),
    );
    assert.equal(s.mean, Math.round(h.mean) / 1000);
    assert.equal(s.stdev, Math.round(h.stdDeviation) / 1000);
    const pt = pointMs(h)!;
    assert.deepEqual([pt.p50, pt.p95, pt.p99, pt.mean], [percentileMs(h, 50), percentileMs(h, 95), percentileMs(h, 99), Math.round(h.mean) / 1000]);
  }
  assert.equal(pointMs(createHistogram()), null);
});

test('withStalled: outstanding ages count only when older than the slowest request that ended', () => {
  const ended = createHistogram();
  for (const us of [10_000, 20_000, 200_000]) recordUs(ended, us);
  const young = createHistogram();
  for (const us of [5_000, 150_000]) recordUs(young, us);
  // healthy: requests in flight at the boundary are younger than the slowest that ended — left out
  assert.equal(withStalled(ended, young), ended);
  const stalled = createHistogram();
  for (const us of [150_000, 900_000, 1_500_000]) recordUs(stalled, us);
  const h = withStalled(ended, stalled)!;
  assert.equal(h.totalCount, 5, 'the two ages above 200 ms join the three that ended');
  assert.ok(Math.abs(h.maxValue - 1_500_000) < 1_500_000 / 1000);
  // nothing ended: every outstanding age counts (the second's latency is at least the oldest age)
  assert.equal(withStalled(null, stalled)!.totalCount, 3);
  assert.equal(withStalled(null, null), null);
  assert.equal(withStalled(createHistogram(), null), null);
});
