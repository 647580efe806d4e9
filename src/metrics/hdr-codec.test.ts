import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as hdr from 'hdr-histogram-js';
import { createHistogram, decodeHistogram, encodeHistogram, histogramFromCounts, mergeHistograms, recordUs } from './histogram.js';
import { addEncoded, CountsSum, countsOf, encodeSparse, sparseCountsOf, sumSparse } from './hdr-codec.js';
import { COUNTS_LENGTH, countsIndex, type SparseCounts } from './latency-counts.js';

/** Latencies from 1 µs to ~1 h, log-spread so every bucket width is exercised. */
const latencies = fc.array(
  fc.double({ min: 0, max: 22, noNaN: true }).map((x) => Math.floor(Math.exp(x))),
  { maxLength: 400 },
);

function histogramOf(values: number[]): hdr.Histogram {
  const h = createHistogram();
  for (const v of values) recordUs(h, v);
  return h;
}

/** Non-zero bucket counts of a histogram as sparse pairs. */
function countsOfHistogram(h: hdr.Histogram): SparseCounts {
  const j = h as hdr.JsHistogram;
  const out: SparseCounts = [];
  for (let i = 0; i < j.countsArrayLength; i++) {
    const c = j.getCountAtIndex(i);
    if (c > 0) out.push(i, c);
  }
  return out;
}

test('sparseCountsOf reads the counts the library encoded; encodeSparse writes the very string the library writes', () => {
  fc.assert(
    fc.property(latencies, fc.integer({ min: 1, max: 1000 }), (values, weight) => {
      const h = histogramOf(values);
      // large counts need multi-byte words
      if (values.length) h.recordValueWithCount(Math.max(1, values[0]!), weight * 1_000_000);
      const encoded = encodeHistogram(h);
      const sparse = sparseCountsOf(encoded);
      assert.deepEqual(sparse, countsOfHistogram(h));
      assert.equal(encodeSparse(sparse!), encoded);
      // and what the library decodes from encodeSparse is the histogram it would have built
      assert.equal(encodeSparse(sparse!), encodeHistogram(histogramFromCounts([sparse!])));
    }),
    { numRuns: 150 },
  );
  assert.equal(encodeSparse([]), encodeHistogram(createHistogram()));
});

test('sumSparse and CountsSum add bucket by bucket, as the library adds histograms', () => {
  fc.assert(
    fc.property(fc.array(latencies, { minLength: 1, maxLength: 5 }), (parts) => {
      const sparse = parts.map((p) => countsOfHistogram(histogramOf(p)));
      const lib = createHistogram();
      for (const p of parts) lib.add(decodeHistogram(encodeHistogram(histogramOf(p))));
      assert.deepEqual(sumSparse(sparse), countsOfHistogram(lib));
      const sum = new CountsSum();
      for (const s of sparse) sum.add(s);
      assert.deepEqual(sum.sparse(), countsOfHistogram(lib));
      // a histogram built from the sum equals the library's sum, min, max and total included
      const built = histogramFromCounts([sum.sparse()]);
      assert.equal(encodeHistogram(built), encodeHistogram(lib));
      assert.equal(built.totalCount, lib.totalCount);
      if (lib.totalCount > 0) {
        assert.equal(built.maxValue, lib.maxValue);
        assert.equal(built.minNonZeroValue, lib.minNonZeroValue);
      }
    }),
    { numRuns: 100 },
  );
});

test('countsOf moves a histogram of another layout into loadproof buckets by value, as the library adds it', () => {
  const other = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 2, useWebAssembly: false });
  for (const v of [1, 5, 150, 1_234, 99_999, 5_000_000]) other.recordValueWithCount(v, 3);
  const encoded = hdr.encodeIntoCompressedBase64(other);
  // not loadproof's layout: the direct reader declines, the library decodes, counts move by value
  assert.equal(sparseCountsOf(encoded), null);
  const lib = createHistogram();
  lib.add(decodeHistogram(encoded));
  assert.deepEqual(countsOf(encoded), countsOfHistogram(lib));
  for (let k = 0; k < countsOf(encoded).length; k += 2) assert.ok(countsOf(encoded)[k]! < COUNTS_LENGTH);
  assert.equal(countsIndex(1), countsOf(encoded)[0]);
});

test('addEncoded adds what countsOf reads, for loadproof’s layout; another layout adds nothing and says so; mergeHistograms equals the library’s add', () => {
  fc.assert(
    fc.property(fc.array(latencies, { minLength: 1, maxLength: 6 }), (parts) => {
      const encoded = parts.map((values) => encodeHistogram(histogramOf(values)));
      const sum = new CountsSum();
      for (const e of encoded) assert.equal(addEncoded(sum, e), true);
      assert.deepEqual(sum.sparse(), sumSparse(encoded.map(countsOf)));
      // the library's way: decode each and add
      const lib = createHistogram();
      for (const e of encoded) lib.add(decodeHistogram(e));
      assert.equal(encodeHistogram(mergeHistograms(encoded)), encodeHistogram(lib));
      sum.clear();
      assert.deepEqual(sum.sparse(), []);
    }),
    { seed: 7, numRuns: 60 },
  );
  // 2 significant digits: not loadproof's layout
  const other = hdr.build({ numberOfSignificantValueDigits: 2, highestTrackableValue: 3_600_000_000, useWebAssembly: false });
  other.recordValue(1234);
  const sum = new CountsSum();
  assert.equal(addEncoded(sum, hdr.encodeIntoCompressedBase64(other)), false);
  assert.deepEqual(sum.sparse(), []);
  // merged with one of loadproof's layout, the value lands in loadproof's bucket for it
  const mine = histogramOf([5000]);
  const merged = mergeHistograms([hdr.encodeIntoCompressedBase64(other), encodeHistogram(mine)]);
  assert.equal(merged.totalCount, 2);
  assert.deepEqual(countsOfHistogram(merged), sumSparse([countsOf(hdr.encodeIntoCompressedBase64(other)), countsOfHistogram(mine)]));
});
