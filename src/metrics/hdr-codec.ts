/**
 * HdrHistogram's compressed V2 encoding read and written straight from and to sparse counts
 * (latency-counts.ts), without an hdr-histogram-js histogram in between — for merging many encoded
 * histograms (`loadproof merge`: 4 shards × 3,600 seconds × ~6 histograms a second).
 *
 * Why: hdr-histogram-js's decode allocates and clears a 23,552-slot counts array per histogram,
 * and its `add` walks all 23,552 slots of the other histogram whatever it holds; merging 4 one-hour
 * shards that way took a minute (bench/merge.mjs, bench/README.md "Merge"). Sparse counts carry only
 * the filled buckets (a few hundred to a few thousand), so decoding, adding and encoding cost what
 * the histograms hold.
 *
 * The encoding, as hdr-histogram-js writes it (`encodeIntoCompressedBase64`): base64 of
 *   [int32 compressed cookie 0x1c849314, int32 n, n bytes deflated(
 *     [int32 cookie 0x1c849313, int32 payload length, int32 normalizing offset (written as 1,
 *      ignored when read), int32 significant digits, int64 lowest, int64 highest,
 *      int64 integer-to-double ratio (1), payload])]
 * the payload a run of ZigZag LEB128 words (at most 9 bytes) for the indexes 0 … the top filled
 * index: a count ≥ 1 for the next index, 0 for a single empty index, −n for n > 1 empty indexes.
 * `encodeSparse` writes exactly those bytes (unit-tested: the same string as the library's for the
 * same counts), so a merged histogram is indistinguishable from one recorded in one process.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import type * as hdr from 'hdr-histogram-js';
import { COUNTS_LENGTH, HIGHEST_TRACKABLE_US, countsIndex, type SparseCounts } from './latency-counts.js';
import { decodeHistogram } from './histogram.js';

/** HdrHistogram V2 cookies (the low nibble carries the word size; 0x10 flags the V2 word format). */
const V2_COOKIE = 0x1c849303;
const V2_COMPRESSED_COOKIE = 0x1c849304;
const V2_COOKIE_WRITTEN = V2_COOKIE | 0x10;
const V2_COMPRESSED_COOKIE_WRITTEN = V2_COMPRESSED_COOKIE | 0x10;
/** loadproof's layout: 3 significant digits, lowest discernible value 1 (histogram.ts). */
const SIGNIFICANT_DIGITS = 3;
const HEADER_BYTES = 40;

/**
 * The bucket counts of an encoded histogram as sparse (index, count) pairs, or null when the
 * encoding is not one of loadproof's layout (3 significant digits, lowest value 1, at most
 * COUNTS_LENGTH indexes): the caller then decodes it with the library.
 */
export function sparseCountsOf(b64: string): SparseCounts | null {
  const raw = inflatedOf(b64);
  return raw === null ? null : sparseCountsOfInflated(raw);
}

/** Where the payload of an inflated inner encoding of loadproof's layout ends; null for another layout. */
function payloadEnd(raw: Buffer): number | null {
  if (raw.length < HEADER_BYTES || (raw.readInt32BE(0) & ~0xf0) !== V2_COOKIE) return null;
  // (offset 8, the normalizing index offset, is written as 1 by hdr-histogram-js and 0 by the Java
  // library; both decoders ignore it, and so does this one)
  if (raw.readInt32BE(12) !== SIGNIFICANT_DIGITS || raw.readInt32BE(16) !== 0 || raw.readInt32BE(20) !== 1) return null;
  const end = HEADER_BYTES + raw.readInt32BE(4);
  return end > raw.length ? null : end;
}

/**
 * Adds the counts of an encoded histogram of loadproof's layout straight into `sum`, without the
 * sparse array `countsOf` builds (merging a day's 4,980 per-minute histograms built 25 million
 * array elements only to add them up: a quarter of `report`'s time went to collecting them).
 * False, with nothing added, for an encoding of another layout (the caller uses `countsOf`).
 */
export function addEncoded(sum: CountsSum, b64: string): boolean {
  const raw = takeReadAhead(b64) ?? inflatedOf(b64);
  const n = raw === null ? null : readPairs(raw);
  if (n === null) return false;
  sum.addPairs(scratchPairs, n);
  return true;
}

/**
 * Reads the (index, count) pairs of an inflated inner encoding of loadproof's layout into
 * scratchPairs; returns how many numbers it wrote, or null (nothing usable) for another layout or
 * a payload that runs past the counts array. The payload is a run of ZigZag LEB128 words, 7 bits
 * a byte, at most 9 bytes (as hdr-histogram-js's ZigZagEncoding reads it): a count ≥ 1 for the
 * next index, 0 for one empty index, −n for n empty indexes.
 */
function readPairs(raw: Buffer): number | null {
  const end = payloadEnd(raw);
  if (end === null) return null;
  const pairs = scratchPairs;
  let np = 0;
  let pos = HEADER_BYTES;
  let index = 0;
  while (pos < end) {
    let b = raw[pos++]!;
    let v = b & 0x7f;
    let scale = 128;
    for (let k = 1; k < 9 && b & 0x80; k++) {
      b = raw[pos++]!;
      v += (b & 0x7f) * scale;
      scale *= 128;
    }
    const n = v % 2 === 0 ? v / 2 : -(v + 1) / 2;
    if (n < 0) index -= n;
    else {
      if (n > 0) {
        if (index >= COUNTS_LENGTH) return null;
        pairs[np++] = index;
        pairs[np++] = n;
      }
      index++;
    }
    if (index > COUNTS_LENGTH) return null;
  }
  return np;
}

/** Room for one histogram's (index, count) pairs: at most COUNTS_LENGTH of them. */
const scratchPairs = new Float64Array(2 * COUNTS_LENGTH);

/** The inflated inner encoding of `b64`, or null when it is not a compressed V2 encoding. */
function inflatedOf(b64: string): Buffer | null {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length < 8 || (bytes.readInt32BE(0) & ~0xf0) !== V2_COMPRESSED_COOKIE) return null;
  return inflateSync(bytes.subarray(8, 8 + bytes.readInt32BE(4)));
}

/**
 * `sparseCountsOf` for the inflated inner encoding (V2 header and payload) — for a caller that has
 * inflated it already (report/histogram-check.ts).
 */
export function sparseCountsOfInflated(raw: Buffer): SparseCounts | null {
  const n = readPairs(raw);
  return n === null ? null : Array.from(scratchPairs.subarray(0, n));
}

/**
 * The sparse counts of an encoded histogram: read straight from the encoding when it has
 * loadproof's layout, otherwise decoded by the library and each bucket's counts moved to the
 * bucket of loadproof's layout that holds its value (as hdr-histogram-js's `add` does for
 * histograms of another layout).
 */
export function countsOf(b64: string): SparseCounts {
  const inflated = takeReadAhead(b64);
  const direct = inflated !== null ? sparseCountsOfInflated(inflated) : sparseCountsOf(b64);
  if (direct !== null) return direct;
  const h = decodeHistogram(b64) as hdr.JsHistogram;
  const out: SparseCounts = [];
  if (h.totalCount === 0) return out;
  const top = h.countsArrayIndex(h.maxValue);
  const same = h.countsArrayLength === COUNTS_LENGTH && h.subBucketCount === 2048 && h.unitMagnitude === 0;
  for (let i = 0; i <= top; i++) {
    const c = h.getCountAtIndex(i);
    if (c === 0) continue;
    const v = h.valueFromIndex(i);
    const j = same ? i : v === 0 ? 0 : countsIndex(Math.min(v, HIGHEST_TRACKABLE_US));
    if (out.length > 0 && out[out.length - 2] === j) out[out.length - 1]! += c;
    else out.push(j, c);
  }
  return out;
}

/**
 * Encodings inflated ahead of use: reading a result checks every encoded histogram by inflating it
 * (report/histogram-check.ts), and the analysis then reads the same strings again. The check leaves
 * the inflated bytes here and `countsOf` takes them (once: an entry is removed when used), so a
 * 24-hour result's base64 is decoded and inflated once, not twice (~0.3 s of `analyze`). The bytes,
 * not the counts: a per-minute histogram of 120,000 requests fills ~2,500 buckets, and the counts
 * of a day's 4,980 points as numbers would take 200 MB, the inflated encodings ~30 MB. Bounded by
 * READ_AHEAD_MAX_BYTES: past it, nothing more is kept and `countsOf` decodes as before.
 */
const readAhead = new Map<string, Buffer>();
let readAheadBytes = 0;
const READ_AHEAD_MAX_BYTES = 64 * 1024 * 1024;

/** The inflated bytes kept for `b64`, removed from the read-ahead; null when none are kept. */
function takeReadAhead(b64: string): Buffer | null {
  const inflated = readAhead.get(b64);
  if (inflated === undefined) return null;
  readAhead.delete(b64);
  readAheadBytes -= inflated.length;
  return inflated;
}

/** Keeps `inflated` (the inner encoding of `b64`) for the next `countsOf(b64)` (see readAhead). */
export function keepReadAhead(b64: string, inflated: Buffer): void {
  if (readAheadBytes + inflated.length > READ_AHEAD_MAX_BYTES || readAhead.has(b64)) return;
  readAhead.set(b64, inflated);
  readAheadBytes += inflated.length;
}

/** Appends the ZigZag LEB128 word of `value` (|value| < 2^52) at `pos`; returns the new position. */
function putWord(buf: Buffer, pos: number, value: number): number {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  for (let k = 0; k < 8 && v >= 128; k++) {
    buf[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

/**
 * The compressed base64 encoding of the histogram holding `counts` — the same string as
 * `encodeHistogram(histogramFromCounts([counts]))` (histogram.ts), without building the histogram.
 */
export function encodeSparse(counts: SparseCounts): string {
  // at most 2 words per pair (a zero run, a count), 9 bytes each; an empty histogram is one word
  const raw = Buffer.allocUnsafe(HEADER_BYTES + 9 * (counts.length + 1));
  let pos = HEADER_BYTES;
  let next = 0;
  for (let k = 0; k < counts.length; k += 2) {
    const i = counts[k]!;
    const gap = i - next;
    if (gap === 1) pos = putWord(raw, pos, 0);
    else if (gap > 1) pos = putWord(raw, pos, -gap);
    pos = putWord(raw, pos, counts[k + 1]!);
    next = i + 1;
  }
  // an empty histogram: the library encodes index 0's count (0) as one word
  if (counts.length === 0) pos = putWord(raw, pos, 0);
  raw.writeInt32BE(V2_COOKIE_WRITTEN, 0);
  raw.writeInt32BE(pos - HEADER_BYTES, 4);
  raw.writeInt32BE(1, 8);
  raw.writeInt32BE(SIGNIFICANT_DIGITS, 12);
  raw.writeInt32BE(0, 16);
  raw.writeInt32BE(1, 20); // lowest discernible value, int64
  raw.writeInt32BE(Math.floor(HIGHEST_TRACKABLE_US / 2 ** 32), 24);
  raw.writeUInt32BE(HIGHEST_TRACKABLE_US % 2 ** 32, 28);
  raw.writeInt32BE(0, 32);
  raw.writeInt32BE(1, 36); // integer-to-double conversion ratio, int64
  const z = deflateSync(raw.subarray(0, pos));
  const out = Buffer.allocUnsafe(8 + z.length);
  out.writeInt32BE(V2_COMPRESSED_COOKIE_WRITTEN, 0);
  out.writeInt32BE(z.length, 4);
  z.copy(out, 8);
  return out.toString('base64');
}

/** Scratch for sumSparse: zero between calls. */
let scratch: Float64Array | null = null;

/** The sum of sparse counts (bucket by bucket), as sparse counts. */
export function sumSparse(parts: readonly SparseCounts[]): SparseCounts {
  if (parts.length === 1) return parts[0]!;
  const acc = (scratch ??= new Float64Array(COUNTS_LENGTH));
  let lo = COUNTS_LENGTH;
  let hi = -1;
  for (const p of parts) {
    if (p.length === 0) continue;
    for (let k = 0; k < p.length; k += 2) acc[p[k]!]! += p[k + 1]!;
    if (p[0]! < lo) lo = p[0]!;
    if (p[p.length - 2]! > hi) hi = p[p.length - 2]!;
  }
  const out: SparseCounts = [];
  for (let i = lo; i <= hi; i++) {
    const c = acc[i]!;
    if (c === 0) continue;
    out.push(i, c);
    acc[i] = 0;
  }
  return out;
}

/**
 * A running sum of sparse counts over a whole run (one per series of RunTotals): a dense counts
 * array, allocated on the first add. Adding costs the filled buckets of what is added.
 */
export class CountsSum {
  private counts: Float64Array | null = null;
  private lo = COUNTS_LENGTH;
  private hi = -1;
  /** bumped on every add (so a histogram built from the sum knows when it is stale) */
  version = 0;

  add(p: SparseCounts): void {
    this.addPairs(p, p.length);
  }

  /** Adds the first `n` numbers of `pairs` read as (index, count) pairs, indexes increasing. */
  addPairs(pairs: ArrayLike<number>, n: number): void {
    if (n === 0) return;
    const c = (this.counts ??= new Float64Array(COUNTS_LENGTH));
    for (let k = 0; k < n; k += 2) c[pairs[k]!]! += pairs[k + 1]!;
    if (pairs[0]! < this.lo) this.lo = pairs[0]!;
    if (pairs[n - 2]! > this.hi) this.hi = pairs[n - 2]!;
    this.version++;
  }

  /** Empties the sum, keeping its array. */
  clear(): void {
    if (this.counts !== null && this.hi >= this.lo) this.counts.fill(0, this.lo, this.hi + 1);
    this.lo = COUNTS_LENGTH;
    this.hi = -1;
    this.version++;
  }

  /** The sum as sparse counts. */
  sparse(): SparseCounts {
    const out: SparseCounts = [];
    const c = this.counts;
    if (c === null) return out;
    for (let i = this.lo; i <= this.hi; i++) if (c[i]! !== 0) out.push(i, c[i]!);
    return out;
  }
}
