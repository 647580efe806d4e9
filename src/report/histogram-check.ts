/**
 * A cheap structural check of an encoded HdrHistogram (compressed V2, base64) as stored in a
 * result: the base64 text, the compressed-encoding cookie and length, a zlib inflate (its Adler-32
 * checksum catches flipped bytes in the compressed stream) and the inner V2 header. A string that
 * passes decodes with `decodeHistogram`; one that fails would have made hdr-histogram-js throw a
 * raw zlib error ("invalid bit length repeat") deep inside `analyze` or `report`.
 *
 * Why not decode: decoding allocates the whole counts array (~250 µs per histogram on a busy
 * 2-core machine); a 24-hour result holds 86,400 per-second histograms per endpoint. Inflating
 * alone is native and allocates only the payload.
 */
import { inflateSync } from 'node:zlib';
import { keepReadAhead } from '../metrics/hdr-codec.js';

/** hdr-histogram-js's cookie bases (the low nibble of the second byte carries flags). */
const V2_ENCODING_COOKIE = 0x1c849303;
const V2_COMPRESSED_COOKIE = 0x1c849304;
/** cookie, payload length, normalizing offset, significant digits, lowest, highest, ratio */
const V2_HEADER_BYTES = 40;

/** Null when `b64` is a well-formed encoded histogram, else what is wrong with it. */
export function encodedHistogramProblem(b64: unknown): string | null {
  if (typeof b64 !== 'string') return `expected a base64 string, found ${b64 === null ? 'null' : typeof b64}`;
  if (b64.length % 4 !== 0) return 'the encoded histogram is not valid base64';
  const buf = Buffer.from(b64, 'base64');
  // Node's decoder skips characters outside the alphabet: a string holding any decodes shorter than
  // its length says (a cheaper test than a regular expression over a day's 12 MB of histograms).
  // It also reads base64url's - and _ as + and /; such a byte, changed, fails zlib's checksum below.
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  const firstPad = b64.indexOf('=');
  if (buf.length !== (b64.length / 4) * 3 - padding || (firstPad !== -1 && firstPad < b64.length - padding)) return 'the encoded histogram is not valid base64';
  if (buf.length < 8) return 'the encoded histogram is too short';
  const cookie = buf.readInt32BE(0);
  if ((cookie & ~0xf0) !== V2_COMPRESSED_COOKIE) return 'the encoded histogram does not start with an HdrHistogram V2 compressed cookie';
  const compressedLength = buf.readInt32BE(4);
  if (compressedLength <= 0 || compressedLength > buf.length - 8) return `the encoded histogram says ${compressedLength} compressed bytes, but holds ${buf.length - 8}`;
  let inner: Buffer;
  try {
    inner = inflateSync(buf.subarray(8, 8 + compressedLength), { maxOutputLength: 64 * 1024 * 1024 });
  } catch (err) {
    return `the encoded histogram is corrupt (zlib: ${(err as Error).message})`;
  }
  if (inner.length < V2_HEADER_BYTES) return 'the encoded histogram is corrupt (its header is cut short)';
  if ((inner.readInt32BE(0) & ~0xf0) !== V2_ENCODING_COOKIE) return 'the encoded histogram is corrupt (no V2 encoding cookie inside)';
  const payload = inner.readInt32BE(4);
  const digits = inner.readInt32BE(12);
  const lowest = inner.readBigInt64BE(16);
  const highest = inner.readBigInt64BE(24);
  if (payload < 0 || payload > inner.length - V2_HEADER_BYTES) return 'the encoded histogram is corrupt (its payload length is wrong)';
  if (digits < 0 || digits > 5 || lowest < 1n || highest < 2n * lowest || highest > 2n ** 53n) {
    return 'the encoded histogram is corrupt (its range or precision is out of bounds)';
  }
  // what was inflated here is what the analysis will read next: keep it for it (hdr-codec.ts)
  keepReadAhead(b64, inner);
  return null;
}
