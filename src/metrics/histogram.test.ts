import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHistogram, decodeHistogram, encodeHistogram, mergeHistograms, percentileMs, recordUs, summarizeMs } from './histogram.js';

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
