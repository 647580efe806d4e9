/**
 * An incremental HTTP/1.1 response parser for the load engine's hot path.
 *
 * Why not node:http or undici: a general-purpose client costs 20–33 CPU-µs per request where a raw
 * socket loop costs ~9.5 (bench/README.md). This parser works on the bytes as they arrive — the
 * socket's read buffer is reused between reads, so nothing is kept unless asked — and only turns
 * into strings what a capture or a check needs. For a plain `200 ok` it looks at three headers (and Set-Cookie, for the cookie jar)
 * (content-length, transfer-encoding, connection) and counts the body's bytes.
 *
 * Framing (RFC 9112 §6.3), in order:
 *   1. a response to HEAD, and every 1xx, 204 and 304 response, has no body;
 *   2. `Transfer-Encoding: chunked` (when it is the final coding) → chunked body, trailers skipped;
 *   3. `Content-Length: n` → n bytes;
 *   4. otherwise the body runs until the server closes the connection (close-delimited).
 * Interim 1xx responses (100 Continue, 103 Early Hints) are skipped; 101 is a protocol error (the
 * engine never asks to upgrade). Keep-alive: HTTP/1.1 keeps the connection unless `Connection:
 * close`; HTTP/1.0 closes it unless `Connection: keep-alive`.
 *
 * Header lines other than those (and Set-Cookie) are skipped unread unless headers were asked for (only then
 * is their syntax checked, a line without a colon being an error): on a typical response that
 * halves the work of the head.
 *
 * Headers can also be kept raw (`keepHeaders: 'raw'`, for scripts, which may or may not read them):
 * the head is scanned the fast way above and its bytes are copied once (one allocation); the
 * header object is built only if `parseHeaderBlock` is called on them. A line without a colon is then
 * skipped rather than failing the response.
 *
 * Usage: `begin(isHead, keepBody, keepHeaders)` before each response, then `feed(buf, start, end)`
 * for each chunk read; it returns `NEED_MORE`, `DONE` (with `consumed` bytes used) or `ERROR`
 * (with `error` set). At EOF call `finishOnEof()`: true when the response was close-delimited and is
 * now complete.
 */

/** feed(): the response is not complete yet. */
export const NEED_MORE = 0;
/** feed(): the response is complete; `consumed` tells how many bytes of the chunk it used. */
export const DONE = 1;
/** feed(): the bytes are not a valid HTTP/1.x response; `error` says why. */
export const ERROR = 2;
export type FeedResult = typeof NEED_MORE | typeof DONE | typeof ERROR;
/** Which response headers to keep: none, parsed into `headers`, or the head's bytes in `rawHead`. */
export type KeepHeaders = boolean | 'raw';

const enum S {
  Head,
  BodyLength,
  BodyClose,
  ChunkSize,
  ChunkExt,
  ChunkSizeLf,
  ChunkData,
  ChunkDataCr,
  ChunkDataLf,
  Trailer,
  Done,
}

const CR = 13;
const LF = 10;
/** readHead(): no CRLFCRLF in the bytes yet */
const HEAD_INCOMPLETE = -1;
/** readHead(): the head is not valid HTTP/1.x (`error` says why) */
const HEAD_ERROR = -2;
/** Longest response head accepted (status line + headers), as in node:http's default. */
export const MAX_HEAD_BYTES = 16 * 1024;
/**
 * Most body bytes kept for captures and checks (the rest is counted, not kept): a target that
 * answers 100 MB must not make the generator hold 100 MB per request in flight. Captures and
 * `contains` checks read the first 4 MiB.
 */
export const MAX_KEPT_BODY_BYTES = 4 * 1024 * 1024;

export class ResponseParser {
  /** status code of the final response (after any 1xx) */
  statusCode = 0;
  /** bytes of the response seen so far (heads of 1xx responses included) */
  bytes = 0;
  /** whether the connection may carry another request after this response */
  keepAlive = true;
  /** bytes of the chunk used by the response when `feed` returned DONE */
  consumed = 0;
  /** why feed returned ERROR */
  error = '';
  /** header names (lower case) → values, repeated headers joined with ", "; only when asked */
  headers: Record<string, string> | null = null;
  /** `Set-Cookie` values of the last response, each whole (never joined: dates hold commas); null when none */
  setCookies: string[] | null = null;
  /**
   * With keepHeaders 'raw': the final response's head (status line and header lines, without the
   * blank line), copied out of the read buffer; `parseHeaderBlock` turns it into `headers`' shape.
   */
  rawHead: Buffer | null = null;
  /** the body, only when asked (copied out of the reused read buffer) */
  private bodyParts: Buffer[] | null = null;
  private bodyLength = 0;

  private state: S = S.Done;
  private isHead = false;
  private keepBody = false;
  private keepHeaders: KeepHeaders = false;
  /** bytes of a head split across reads */
  private headPartial: Buffer | null = null;
  /** where each line of the head being read ends (index of its CRLF); reused, grown when needed */
  private lineEnds = new Int32Array(32);
  /** a 32-bit view of the last ArrayBuffer read from (the worker's read buffer, nearly always) */
  private wordsBuffer: ArrayBufferLike | null = null;
  private words: Int32Array<ArrayBufferLike> = new Int32Array(0);
  /** body bytes still expected (content-length or current chunk) */
  private remaining = 0;
  /** trailer section: length of the current line so far, excluding CR */
  private trailerLineLen = 0;
  private sawChunkDigit = false;

  /** Prepares for the next response on the connection. */
  begin(isHead: boolean, keepBody: boolean, keepHeaders: KeepHeaders): void {
    this.statusCode = 0;
    this.bytes = 0;
    this.keepAlive = true;
    this.consumed = 0;
    this.error = '';
    this.headers = null;
    this.rawHead = null;
    this.setCookies = null;
    this.bodyParts = keepBody ? [] : null;
    this.bodyLength = 0;
    this.state = S.Head;
    this.isHead = isHead;
    this.keepBody = keepBody;
    this.keepHeaders = keepHeaders;
    this.headPartial = null;
    this.remaining = 0;
    this.trailerLineLen = 0;
    this.sawChunkDigit = false;
  }

  /** true between `begin` and the end of the response */
  get active(): boolean {
    return this.state !== S.Done;
  }

  /** true once any byte of the response has arrived */
  get started(): boolean {
    return this.bytes > 0 || this.headPartial !== null;
  }

  /** The body kept for captures and checks (empty when not asked for or empty). */
  body(): Buffer {
    const parts = this.bodyParts;
    if (parts === null || parts.length === 0) return EMPTY;
    if (parts.length === 1) return parts[0]!;
    const all = Buffer.concat(parts, this.bodyLength);
    this.bodyParts = [all];
    return all;
  }

  /** Parses `buf[start, end)`. */
  feed(buf: Uint8Array, start: number, end: number): FeedResult {
    let i = start;
    while (i < end) {
      switch (this.state) {
        case S.Head: {
          const r = this.feedHead(buf, i, end);
          if (r < 0) return ERROR;
          // (feedHead changed the state: read it afresh, not as narrowed by the switch)
          const st = this.state as S;
          if (r === end && st === S.Head) return NEED_MORE; // head continues in the next read
          i = r;
          if (st === S.Done) {
            this.consumed = i - start;
            return DONE;
          }
          break;
        }
        case S.BodyLength: {
          const n = Math.min(this.remaining, end - i);
          this.takeBody(buf, i, i + n);
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.state = S.Done;
            this.consumed = i - start;
            return DONE;
          }
          break;
        }
        case S.BodyClose: {
          this.takeBody(buf, i, end);
          i = end;
          break;
        }
        case S.ChunkSize: {
          const c = buf[i]!;
          this.bytes++;
          i++;
          const d = hexValue(c);
          if (d >= 0) {
            // 2^53 guard: a chunk size beyond that is nonsense, not a body we could count.
            if (this.remaining > 0x1fffffffffff) return this.fail('chunk size too large');
            this.remaining = this.remaining * 16 + d;
            this.sawChunkDigit = true;
          } else if (!this.sawChunkDigit) {
            return this.fail('bad chunk size');
          } else if (c === CR) {
            this.state = S.ChunkSizeLf;
          } else if (c === 0x3b /* ; */ || c === 0x20 || c === 0x09) {
            this.state = S.ChunkExt;
          } else {
            return this.fail('bad chunk size');
          }
          break;
        }
        case S.ChunkExt: {
          // chunk extensions are ignored up to the CR
          const c = buf[i]!;
          this.bytes++;
          i++;
          if (c === CR) this.state = S.ChunkSizeLf;
          break;
        }
        case S.ChunkSizeLf: {
          const c = buf[i]!;
          this.bytes++;
          i++;
          if (c !== LF) return this.fail('bad chunk size line');
          if (this.remaining === 0) {
            this.state = S.Trailer;
            this.trailerLineLen = 0;
          } else {
            this.state = S.ChunkData;
          }
          break;
        }
        case S.ChunkData: {
          const n = Math.min(this.remaining, end - i);
          this.takeBody(buf, i, i + n);
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = S.ChunkDataCr;
          break;
        }
        case S.ChunkDataCr: {
          this.bytes++;
          if (buf[i++] !== CR) return this.fail('chunk data not followed by CRLF');
          this.state = S.ChunkDataLf;
          break;
        }
        case S.ChunkDataLf: {
          this.bytes++;
          if (buf[i++] !== LF) return this.fail('chunk data not followed by CRLF');
          this.state = S.ChunkSize;
          this.remaining = 0;
          this.sawChunkDigit = false;
          break;
        }
        case S.Trailer: {
          // trailer fields are skipped; the section ends with an empty line
          const c = buf[i]!;
          this.bytes++;
          i++;
          if (c === LF) {
            if (this.trailerLineLen === 0) {
              this.state = S.Done;
              this.consumed = i - start;
              return DONE;
            }
            this.trailerLineLen = 0;
          } else if (c !== CR) {
            this.trailerLineLen++;
          }
          break;
        }
        case S.Done:
          // bytes after a complete response with no request outstanding (pipelining is off)
          return this.fail('unexpected bytes after the response');
      }
    }
    return NEED_MORE;
  }

  /**
   * The connection reached EOF. Returns true when that completes the response (close-delimited
   * body); false means the response was cut short.
   */
  finishOnEof(): boolean {
    if (this.state === S.BodyClose) {
      this.state = S.Done;
      this.keepAlive = false;
      return true;
    }
    return false;
  }

  private fail(why: string): typeof ERROR {
    this.error = why;
    this.state = S.Done;
    this.keepAlive = false;
    return ERROR;
  }

  private takeBody(buf: Uint8Array, from: number, to: number): void {
    const n = to - from;
    this.bytes += n;
    if (this.bodyParts !== null && n > 0 && this.bodyLength < MAX_KEPT_BODY_BYTES) {
      const keep = Math.min(n, MAX_KEPT_BODY_BYTES - this.bodyLength);
      // copy: the socket reuses its read buffer for the next read
      this.bodyParts.push(Buffer.from(buf.subarray(from, from + keep)));
      this.bodyLength += keep;
    }
  }

  /**
   * Looks for the end of the head in `buf[i, end)`; parses it when found. Returns the index after
   * the head (or `end` when the head continues in the next read), or -1 on a protocol error.
   */
  private feedHead(buf: Uint8Array, i: number, end: number): number {
    if (this.headPartial === null) {
      // the CRLFCRLF must start within MAX_HEAD_BYTES of the head's start
      const headEnd = this.readHead(buf, i, Math.min(end, i + MAX_HEAD_BYTES + 4));
      if (headEnd === HEAD_ERROR) return -1;
      if (headEnd === HEAD_INCOMPLETE) {
        if (end - i > MAX_HEAD_BYTES) {
          this.fail('response head too large');
          return -1;
        }
        this.headPartial = Buffer.from(buf.subarray(i, end));
        return end;
      }
      return headEnd + 4;
    }
    const prev = this.headPartial;
    const joined = Buffer.concat([prev, buf.subarray(i, end)]);
    const headEnd = this.readHead(joined, 0, Math.min(joined.length, MAX_HEAD_BYTES + 4));
    if (headEnd === HEAD_ERROR) return -1;
    if (headEnd === HEAD_INCOMPLETE) {
      if (joined.length > MAX_HEAD_BYTES) {
        this.fail('response head too large');
        return -1;
      }
      this.headPartial = joined;
      return end;
    }
    this.headPartial = null;
    return i + (headEnd + 4 - prev.length);
  }

  /** A 32-bit view of `ab` (whole words from its start), made once per buffer. */
  private wordsOver(ab: ArrayBufferLike): Int32Array<ArrayBufferLike> {
    if (ab !== this.wordsBuffer) {
      this.wordsBuffer = ab;
      this.words = new Int32Array(ab, 0, ab.byteLength >> 2);
    }
    return this.words;
  }

  /**
   * Finds the end of the head in `buf[from, limit)` — the first CRLFCRLF — and, when it is there,
   * parses the head `buf[from, headEnd)` and sets the body state. Returns the index of the
   * CRLFCRLF's first CR, HEAD_INCOMPLETE when there is none yet, or HEAD_ERROR (`error` set).
   *
   * One pass over the bytes finds the end and notes where each line ends (the index of its CRLF),
   * so the fields are read without scanning again. Lines end with CRLF only; a lone CR or LF is
   * part of its line. The scan skips four bytes at a time where there is no CR (aligned words of
   * the same memory): a byte loop costs ~5 ns a byte here, and a head is 100–300 bytes
   * (measured per nginx response: 960 ns before, ~650 ns with it; bench/README.md, "Engine CPU").
   */
  private readHead(buf: Uint8Array, from: number, limit: number): number {
    let lines = 0;
    let ends = this.lineEnds;
    let to = HEAD_INCOMPLETE;
    let lineStart = from;
    let k = from;
    const words = this.wordsOver(buf.buffer);
    const base = buf.byteOffset;
    while (k < limit) {
      if (((base + k) & 3) === 0) {
        // four bytes at a time while none of them is a CR: x has a zero byte iff the word has a CR
        // ((x − 0x01010101) & ~x & 0x80808080 is non-zero exactly when one of x's bytes is zero;
        // which one does not matter, so byte order does not either)
        while (k + 4 <= limit) {
          const x = words[(base + k) >> 2]! ^ 0x0d0d0d0d;
          if (((x - 0x01010101) & ~x & 0x80808080) !== 0) break;
          k += 4;
        }
        if (k >= limit) break;
      }
      if (buf[k] !== CR) {
        k++;
        continue;
      }
      if (k + 1 >= limit) break;
      if (buf[k + 1] !== LF) {
        k++;
        continue;
      }
      // a CRLF at k ends the line [lineStart, k); an empty line after the first ends the head
      if (k === lineStart && lines > 0) {
        to = k - 2;
        break;
      }
      if (lines === ends.length) {
        const grown = new Int32Array(lines * 2);
        grown.set(ends);
        this.lineEnds = ends = grown;
      }
      ends[lines++] = k;
      k += 2;
      lineStart = k;
    }
    if (to < 0) return HEAD_INCOMPLETE;
    this.bytes += to + 4 - from;

    // "HTTP/1.x NNN reason"
    if (
      to - from < 12 ||
      buf[from] !== 0x48 || buf[from + 1] !== 0x54 || buf[from + 2] !== 0x54 || buf[from + 3] !== 0x50 ||
      buf[from + 4] !== 0x2f || buf[from + 5] !== 0x31 || buf[from + 6] !== 0x2e || buf[from + 8] !== 0x20
    ) {
      this.fail('not an HTTP/1.x status line');
      return HEAD_ERROR;
    }
    const minor = buf[from + 7]! - 0x30;
    const d1 = buf[from + 9]! - 0x30;
    const d2 = buf[from + 10]! - 0x30;
    const d3 = buf[from + 11]! - 0x30;
    if (minor < 0 || minor > 9 || d1 < 1 || d1 > 5 || d2 < 0 || d2 > 9 || d3 < 0 || d3 > 9) {
      this.fail('bad status line');
      return HEAD_ERROR;
    }
    const status = d1 * 100 + d2 * 10 + d3;
    let contentLength = -1;
    let chunked = false;
    let connClose = minor === 0;
    const headers: Record<string, string> | null = this.keepHeaders === true && status >= 200 ? {} : null;

    // header lines: line L runs from the end of line L−1 (+2) to ends[L]; the last one's CRLF is
    // the first half of the head's CRLFCRLF, at `to`
    for (let l = 1; l < lines; l++) {
      const lineStart = ends[l - 1]! + 2;
      const lineEnd = ends[l]!;
      let colon: number;
      let field: number;
      if (headers !== null) {
        colon = -1;
        for (let k = lineStart; k < lineEnd; k++) {
          if (buf[k] === 0x3a) {
            colon = k;
            break;
          }
        }
        if (colon <= lineStart) {
          this.fail('bad header line');
          return HEAD_ERROR;
        }
        field = framingField(buf, lineStart, colon - lineStart);
      } else {
        // Nobody asked for headers: only the three that frame the body are looked for, each known
        // by its name followed by the colon (a byte test rejects most lines at once); every other
        // line is skipped unread.
        field = framingFieldAt(buf, lineStart, lineEnd);
        if (field === F_NONE) continue;
        colon = lineStart + FIELD_NAME_LENGTH[field]!;
      }
      // the value, without the whitespace around it
      let vs = colon + 1;
      while (vs < lineEnd && (buf[vs] === 0x20 || buf[vs] === 0x09)) vs++;
      let ve = lineEnd;
      while (ve > vs && (buf[ve - 1] === 0x20 || buf[ve - 1] === 0x09)) ve--;
      if (field !== F_NONE) {
        if (field === F_SET_COOKIE) {
          if (status >= 200) (this.setCookies ??= []).push(latin1(buf, vs, ve));
        } else if (field === F_CONTENT_LENGTH) {
          const n = parseDecimal(buf, vs, ve);
          if (n < 0 || (contentLength >= 0 && contentLength !== n)) {
            this.fail('bad content-length');
            return HEAD_ERROR;
          }
          contentLength = n;
        } else if (field === F_CONNECTION) {
          const option = connectionOption(buf, vs, ve);
          if (option === CONN_CLOSE) connClose = true;
          else if (option === CONN_KEEP_ALIVE) connClose = false;
        } else {
          // chunked must be the final coding; anything else is close-delimited (RFC 9112 §6.3)
          chunked = endsWithTokenChunked(buf, vs, ve);
          if (!chunked) contentLength = -1;
        }
      }
      if (headers !== null) {
        const name = latin1(buf, lineStart, colon).toLowerCase();
        const value = latin1(buf, vs, ve);
        const prev = headers[name];
        headers[name] = prev === undefined ? value : `${prev}, ${value}`;
      }
    }

    if (status < 200) {
      if (status === 101) {
        this.fail('unexpected 101 Switching Protocols');
        return HEAD_ERROR;
      }
      // interim response: the final one follows
      this.state = S.Head;
      return to;
    }
    this.statusCode = status;
    this.headers = headers;
    // a copy: the read buffer is reused by the next read
    if (this.keepHeaders === 'raw') this.rawHead = Buffer.from(buf.subarray(from, to));
    this.keepAlive = !connClose;
    if (this.isHead || status === 204 || status === 304) {
      this.state = S.Done;
    } else if (chunked) {
      this.state = S.ChunkSize;
      this.remaining = 0;
      this.sawChunkDigit = false;
    } else if (contentLength >= 0) {
      this.remaining = contentLength;
      this.state = contentLength === 0 ? S.Done : S.BodyLength;
    } else {
      this.state = S.BodyClose;
      this.keepAlive = false;
    }
    return to;
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * The header object of a head kept raw (`rawHead`): names lower-cased, repeated headers joined with
 * ", " (as `headers` in keepHeaders mode), values without surrounding whitespace. The status line
 * is skipped, and so is a line without a colon.
 */
export function parseHeaderBlock(head: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  const text = head.toString('latin1');
  let at = text.indexOf('\r\n');
  while (at >= 0) {
    const start = at + 2;
    const end = text.indexOf('\r\n', start);
    const line = end < 0 ? text.slice(start) : text.slice(start, end);
    at = end;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    const prev = out[name];
    out[name] = prev === undefined ? value : `${prev}, ${value}`;
  }
  return out;
}

/** The header fields that frame a body (RFC 9112 §6.3), as parseHead tells them apart. */
const F_NONE = 0;
const F_CONTENT_LENGTH = 1;
const F_CONNECTION = 2;
const F_TRANSFER_ENCODING = 3;
/** not a framing field, but a cookie jar needs it on every response: looked for the same cheap way */
const F_SET_COOKIE = 4;
/** name length of each field, by its F_ code */
const FIELD_NAME_LENGTH = [0, 14, 10, 17, 10] as const;

/** Which framing field the name `buf[at, at+len)` is (ASCII case-insensitive), or F_NONE. */
function framingField(buf: Uint8Array, at: number, len: number): number {
  if (len === 14 && matchLower(buf, at, 'content-length')) return F_CONTENT_LENGTH;
  if (len === 10 && matchLower(buf, at, 'connection')) return F_CONNECTION;
  if (len === 17 && matchLower(buf, at, 'transfer-encoding')) return F_TRANSFER_ENCODING;
  if (len === 10 && matchLower(buf, at, 'set-cookie')) return F_SET_COOKIE;
  return F_NONE;
}

/**
 * Which framing field the header line `buf[at, end)` carries, judged by the colon right after the
 * name: the same answer framingField gives for a line whose first colon ends the name, without
 * looking for the colon.
 */
function framingFieldAt(buf: Uint8Array, at: number, end: number): number {
  const c0 = buf[at]! | 0x20;
  if (c0 === 0x63 /* c */) {
    if (end > at + 14 && buf[at + 14] === 0x3a && matchLower(buf, at, 'content-length')) return F_CONTENT_LENGTH;
    if (end > at + 10 && buf[at + 10] === 0x3a && matchLower(buf, at, 'connection')) return F_CONNECTION;
  } else if (c0 === 0x74 /* t */) {
    if (end > at + 17 && buf[at + 17] === 0x3a && matchLower(buf, at, 'transfer-encoding')) return F_TRANSFER_ENCODING;
  } else if (c0 === 0x73 /* s */) {
    if (end > at + 10 && buf[at + 10] === 0x3a && matchLower(buf, at, 'set-cookie')) return F_SET_COOKIE;
  }
  return F_NONE;
}

function toBuffer(buf: Uint8Array): Buffer {
  return Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** ASCII case-insensitive comparison of `buf[at, at+word.length)` with a lower-case word. */
function matchLower(buf: Uint8Array, at: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) {
    if ((buf[at + k]! | 0x20) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** A non-negative decimal integer filling `buf[from, to)`, or -1. */
function parseDecimal(buf: Uint8Array, from: number, to: number): number {
  if (from >= to || to - from > 15) return -1;
  let n = 0;
  for (let k = from; k < to; k++) {
    const d = buf[k]! - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** connectionOption(): what a Connection header value says about keep-alive */
const CONN_NONE = 0;
const CONN_CLOSE = 1;
const CONN_KEEP_ALIVE = 2;

/**
 * Reads a comma-separated Connection value once: CONN_CLOSE when one of its tokens is `close`,
 * else CONN_KEEP_ALIVE when one is `keep-alive`, else CONN_NONE (ASCII case-insensitive).
 */
function connectionOption(buf: Uint8Array, from: number, to: number): number {
  let keepAlive = false;
  let s = from;
  while (s < to) {
    let e = s;
    while (e < to && buf[e] !== 0x2c) e++;
    let a = s;
    let b = e;
    while (a < b && (buf[a] === 0x20 || buf[a] === 0x09)) a++;
    while (b > a && (buf[b - 1] === 0x20 || buf[b - 1] === 0x09)) b--;
    const len = b - a;
    if (len === 5 && matchLower(buf, a, 'close')) return CONN_CLOSE;
    if (len === 10 && matchLower(buf, a, 'keep-alive')) keepAlive = true;
    s = e + 1;
  }
  return keepAlive ? CONN_KEEP_ALIVE : CONN_NONE;
}

/** Whether the last coding of a Transfer-Encoding value is `chunked`. */
function endsWithTokenChunked(buf: Uint8Array, from: number, to: number): boolean {
  let b = to;
  while (b > from && (buf[b - 1] === 0x20 || buf[b - 1] === 0x09)) b--;
  const a = b - 7;
  if (a < from || !matchLower(buf, a, 'chunked')) return false;
  return a === from || buf[a - 1] === 0x2c || buf[a - 1] === 0x20 || buf[a - 1] === 0x09;
}

function latin1(buf: Uint8Array, from: number, to: number): string {
  return toBuffer(buf).toString('latin1', from, to);
}
