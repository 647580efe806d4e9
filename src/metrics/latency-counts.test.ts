import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as hdr from 'hdr-histogram-js';
import { COUNTS_LENGTH, HIGHEST_TRACKABLE_US, LatencyCounts, countsIndex, recordableUs } from './latency-counts.js';
import { createHistogram, decodeHistogram, encodeHistogram, histogramFromCounts, recordUs, summarizeMs } from './histogram.js';

const reference = createHistogram() as hdr.JsHistogram;

test('the counts layout is HdrHistogram’s: same length, same index for every value', () => {
  assert.equal(COUNTS_LENGTH, reference.countsArrayLength);
  const edges = [1, 2, 1023, 1024, 2046, 2047, 2048, 2049, 4095, 4096, 4097, 2 ** 20 - 1, 2 ** 20, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, HIGHEST_TRACKABLE_US - 1, HIGHEST_TRACKABLE_US];
  for (let k = 11; k < 32; k++) edges.push(2 ** k - 1, 2 ** k, 2 ** k + 1);
  for (const v of edges.filter((x) => x <= HIGHEST_TRACKABLE_US)) assert.equal(countsIndex(v), reference.countsArrayIndex(v), `value ${v}`);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: HIGHEST_TRACKABLE_US }), (v) => countsIndex(v) === reference.countsArrayIndex(v)),
    { numRuns: 20_000 },
  );
  assert.equal(recordableUs(0.2), 1);
  assert.equal(recordableUs(1e12), HIGHEST_TRACKABLE_US);
  assert.equal(recordableUs(1500.5), 1501);
});

test('counts taken each second make the same histogram, and the same encoding, as recording into HdrHistogram', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: -5, max: 5e9, noNaN: true }), { maxLength: 300 }), (values) => {
      const counts = new LatencyCounts();
      const direct = createHistogram();
      for (const v of values) {
        counts.record(v);
        recordUs(direct, v);
      }
      const pairs = counts.take();
      if (values.length === 0) return pairs === null;
      const built = histogramFromCounts([pairs]);
      const viaEncoding = decodeHistogram(encodeHistogram(direct));
      assert.equal(encodeHistogram(built), encodeHistogram(direct));
      assert.deepEqual(summarizeMs(built), summarizeMs(viaEncoding));
      assert.equal(built.totalCount, values.length);
      assert.equal(counts.take(), null, 'take starts afresh');
      return true;
    }),
    { numRuns: 300 },
  );
});

test('several workers’ counts for one second add up to the histogram of all their values', () => {
  const a = new LatencyCounts();
  const b = new LatencyCounts();
  const all = createHistogram();
  for (let i = 0; i < 5000; i++) {
    const v = 100 + ((i * 7919) % 250_000);
    (i % 3 ? a : b).record(v);
    recordUs(all, v);
  }
  const merged = histogramFromCounts([a.take(), null, b.take()]);
  assert.equal(encodeHistogram(merged), encodeHistogram(all));
  assert.equal(histogramFromCounts([null]).totalCount, 0);
});
