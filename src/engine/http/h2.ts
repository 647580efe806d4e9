/**
 * HTTP/2 for the engine, on node:http2 (chosen by measurement: bench/h2.mjs `clients`, CPU per
 * request about half of undici's h2 in the same process; bench/README.md "HTTP/2").
 *
 * Shape: a worker holds `sessions` h2 sessions (the plan's `load.connections`, this worker's share;
 * 1 when unset). Each request is an `H2Stream`: a `Connection` look-alike that the pool and the
 * models use exactly as an HTTP/1.1 connection (send → one `onExchangeEnd` with the outcome in its
 * fields). At send it goes to the session with the fewest requests, which opens a stream when it
 * has fewer than the server's `SETTINGS_MAX_CONCURRENT_STREAMS` open, and otherwise queues it
 * (FIFO). A session sends nothing until the server's first SETTINGS arrived, so that the limit is
 * known before it is used. The wait in that queue is part of the latency: latency is measured from
 * the intended start, never from when the stream opened.
 *
 * Failures are data (error kinds, never throws):
 *   - the server sent GOAWAY: streams it did not process (and any cut with the session) end as
 *     `h2_goaway`; the session is dropped and the next request opens a new one; requests still
 *     queued (never sent) move to that new session;
 *   - RST_STREAM: REFUSED_STREAM → `h2_refused_stream`, FLOW_CONTROL_ERROR → `h2_flow_control`,
 *     any other code → `h2_stream_reset`; a GOAWAY with FLOW_CONTROL_ERROR → `h2_flow_control`;
 *   - a flow-control *stall* (the server never opens its window) is not told apart: the stream
 *     times out (`timeout`), as a stalled HTTP/1.1 response does;
 *   - the socket failed or closed: the socket error's kind (`refused`, `reset`, `tls`, ...);
 *   - a deadline passed (the client's sweep): `timeout`, the stream is cancelled (RST_STREAM CANCEL).
 *
 * The request is the same bytes the HTTP/1.1 path writes (request-bytes.ts); `requestOf` turns them
 * into h2 headers once per Buffer (a static request's Buffer is reused for every arrival, so the
 * conversion is cached by identity).
 */
import * as http2 from 'node:http2';
import * as tls from 'node:tls';
import { Connection, type ConnectTarget, type ConnectionHost, type ExchangeSink } from './connection.js';
import { KIND, NO_ERROR, classifySocketError, type KindCode } from './error-kind.js';

/** Which protocol the client speaks to the target. */
export type WireProtocol = 'http/1.1' | 'h2' | 'h2c';

const {
  NGHTTP2_REFUSED_STREAM,
  NGHTTP2_FLOW_CONTROL_ERROR,
  NGHTTP2_CANCEL,
  NGHTTP2_NO_ERROR,
  HTTP2_HEADER_STATUS,
} = http2.constants;

/** Hop-by-hop headers HTTP/2 forbids (RFC 9113 §8.2.2), and the ones the client owns. */
const DROPPED = new Set(['host', 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te']);

/** An h2 request: pseudo-headers and regular headers, and the body (null: none). */
export interface H2Request {
  headers: http2.OutgoingHttpHeaders;
  body: Buffer | null;
}

const converted = new WeakMap<Buffer, H2Request>();

/**
 * The h2 form of HTTP/1.1 request bytes (`METHOD target HTTP/1.1`, headers, body). `:authority`
 * comes from the Host header. Cached per Buffer.
 */
export function requestOf(bytes: Buffer, scheme: 'http' | 'https'): H2Request {
  const hit = converted.get(bytes);
  if (hit !== undefined) return hit;
  const headEnd = bytes.indexOf('\r\n\r\n');
  const head = bytes.toString('latin1', 0, headEnd < 0 ? bytes.length : headEnd);
  const lines = head.split('\r\n');
  const [method = 'GET', path = '/'] = lines[0]!.split(' ');
  const headers: http2.OutgoingHttpHeaders = { ':method': method, ':path': path, ':scheme': scheme };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'host') {
      headers[':authority'] = value;
      continue;
    }
    if (DROPPED.has(name)) continue;
    const prev = headers[name];
    headers[name] = prev === undefined ? value : name === 'cookie' ? `${String(prev)}; ${value}` : `${String(prev)}, ${value}`;
  }
  const bodyStart = headEnd < 0 ? bytes.length : headEnd + 4;
  const body = bodyStart < bytes.length ? bytes.subarray(bodyStart) : null;
  const r: H2Request = { headers, body };
  converted.set(bytes, r);
  return r;
}

/** The error kind of a stream that closed with RST_STREAM `code` (0: no reset). */
export function kindOfRstCode(code: number): KindCode {
  if (code === NGHTTP2_REFUSED_STREAM) return KIND.h2_refused_stream;
  if (code === NGHTTP2_FLOW_CONTROL_ERROR) return KIND.h2_flow_control;
  return KIND.h2_stream_reset;
}

/**
 * Asks an https target which protocol it speaks (ALPN offer h2, http/1.1) with one TLS handshake.
 * Resolves to 'h2' or 'http/1.1'; a target that cannot be reached resolves to 'http/1.1' (the run
 * then records its connection errors as usual).
 */
export function negotiate(t: ConnectTarget, timeoutMs = 5000): Promise<'h2' | 'http/1.1'> {
  return new Promise((resolve) => {
    const s = tls.connect({
      host: t.host,
      port: t.port,
      servername: t.servername,
      rejectUnauthorized: !t.insecure,
      ALPNProtocols: ['h2', 'http/1.1'],
      localAddress: t.localAddress,
    } as tls.ConnectionOptions);
    const done = (p: 'h2' | 'http/1.1'): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(p);
    };
    const timer = setTimeout(() => done('http/1.1'), timeoutMs);
    s.once('secureConnect', () => done(s.alpnProtocol === 'h2' ? 'h2' : 'http/1.1'));
    s.once('error', () => done('http/1.1'));
  });
}

/** What the sessions need from the client. */
export interface H2Host extends ConnectionHost {
  readonly protocol: WireProtocol;
}

/** One h2 session (one TCP connection) and the requests waiting for a stream on it. */
class H2Session {
  session: http2.ClientHttp2Session | null = null;
  /** streams open on the session */
  active = 0;
  /** the server's SETTINGS_MAX_CONCURRENT_STREAMS; 0 until its first SETTINGS arrived */
  maxStreams = 0;
  /** the server said GOAWAY (or the session failed): no new streams on it */
  gone = false;
  goawayCode = -1;
  readonly queue: H2Stream[] = [];
  /** sessions opened in this slot (the first, and each re-creation after GOAWAY or a failure) */
  opened = 0;

  constructor(private readonly pool: H2Sessions) {}

  get load(): number {
    return this.active + this.queue.length;
  }

  submit(s: H2Stream): void {
    if (this.session === null || this.gone) this.open();
    this.queue.push(s);
    this.drain();
  }

  /** Opens streams for queued requests while the server's limit allows. */
  drain(): void {
    const session = this.session;
    if (session === null || this.gone || this.maxStreams === 0) return;
    while (this.queue.length > 0 && this.active < this.maxStreams) {
      const s = this.queue.shift()!;
      this.active++;
      s.startOn(this, session);
    }
  }

  /** A queued request was given up (timeout, abandon): take it out of the queue. */
  dequeue(s: H2Stream): boolean {
    const i = this.queue.indexOf(s);
    if (i < 0) return false;
    this.queue.splice(i, 1);
    return true;
  }

  streamEnded(): void {
    this.active--;
    this.drain();
  }

  private open(): void {
    const host = this.pool.host;
    const t = host.target;
    const authority = `${t.tls ? 'https' : 'http'}://${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
    const opts: http2.SecureClientSessionOptions = {
      settings: { enablePush: false },
      // one session carries many streams: a larger budget than node's 10 MB default before it
      // refuses new streams with ENHANCE_YOUR_CALM
      maxSessionMemory: 64,
    };
    if (t.tls) {
      opts.servername = t.servername;
      opts.rejectUnauthorized = !t.insecure;
      opts.ALPNProtocols = ['h2'];
    }
    if (t.localAddress !== undefined) (opts as { localAddress?: string }).localAddress = t.localAddress;
    const session = http2.connect(authority, opts);
    this.session = session;
    this.gone = false;
    this.goawayCode = -1;
    this.maxStreams = 0;
    this.active = 0;
    this.opened++;
    session.on('remoteSettings', (settings) => {
      if (this.session !== session) return;
      // an absent limit means "unlimited" (RFC 9113 §6.5.2); keep a finite one
      this.maxStreams = Math.max(1, Math.min(settings.maxConcurrentStreams ?? 1000, 1 << 20));
      this.drain();
    });
    session.on('goaway', (code: number) => {
      if (this.session !== session) return;
      this.goawayCode = code;
      this.detach(session, true);
    });
    session.on('error', (err: Error) => {
      if (this.session !== session) return;
      // connect failures and session errors: queued requests fail with the socket's kind
      const kind = classifySocketError(err);
      this.detach(session, false);
      this.failQueued(kind === KIND.other ? KIND.protocol : kind, (err as { code?: string }).code ?? 'session error');
    });
    session.on('close', () => {
      if (this.session !== session) return;
      this.detach(session, true);
    });
  }

  /**
   * The session can take no new stream: forget it, and move requests still queued (never sent) to
   * a new session. Streams open on it end through their own close events.
   */
  private detach(session: http2.ClientHttp2Session, reopenQueued: boolean): void {
    this.gone = true;
    this.session = null;
    if (!session.destroyed && !session.closed) session.close();
    if (reopenQueued && this.queue.length > 0) {
      const waiting = this.queue.splice(0);
      this.open();
      this.queue.push(...waiting);
      this.drain();
    }
  }

  private failQueued(kind: KindCode, detail: string): void {
    for (const s of this.queue.splice(0)) s.failQueued(kind, detail);
  }

  /** Closes the session at once (end of the run). */
  destroy(): void {
    this.queue.length = 0;
    const s = this.session;
    this.session = null;
    this.gone = true;
    s?.destroy();
  }
}

/** The h2 sessions of one worker's client. */
export class H2Sessions {
  private readonly slots: H2Session[];

  constructor(
    readonly host: H2Host,
    sessions: number,
  ) {
    this.slots = Array.from({ length: Math.max(1, sessions) }, () => new H2Session(this));
  }

  /** number of sessions opened so far, re-creations included */
  get opened(): number {
    return this.slots.reduce((a, s) => a + s.opened, 0);
  }

  /** Sends on the least loaded session. */
  submit(s: H2Stream): void {
    let best = this.slots[0]!;
    for (let i = 1; i < this.slots.length; i++) if (this.slots[i]!.load < best.load) best = this.slots[i]!;
    s.queuedOn = best;
    best.submit(s);
  }

  destroy(): void {
    for (const s of this.slots) s.destroy();
  }
}

/**
 * One request's slot on HTTP/2, shaped as a `Connection` so that the pool, the models and the
 * flows use it unchanged. Reusable: each `send` is one stream.
 */
export class H2Stream extends Connection {
  /** the session it waits on or runs on */
  queuedOn: H2Session | null = null;
  private req: http2.ClientHttp2Stream | null = null;
  private outstanding = false;
  private h2Sink: ExchangeSink | null = null;
  private request: H2Request | null = null;
  private keepBodyH2 = false;
  private keepHeadersH2 = false;
  private chunks: Buffer[] = [];
  private respHeaders: Record<string, string> = {};

  constructor(
    private readonly h2host: H2Host,
    private readonly sessions: H2Sessions,
  ) {
    super(h2host);
  }

  override get isBusy(): boolean {
    return this.outstanding;
  }

  override get isOpen(): boolean {
    return this.queuedOn?.session != null;
  }

  override get headers(): Record<string, string> {
    return this.respHeaders;
  }

  override body(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
  }

  override send(bytes: Buffer, _isHead: boolean, keepBody: boolean, keepHeaders: boolean, timeoutMs: number, sink: ExchangeSink): void {
    const now = this.h2host.clock.nowUs();
    this.outstanding = true;
    this.h2Sink = sink;
    this.request = requestOf(bytes, this.h2host.target.tls ? 'https' : 'http');
    this.keepBodyH2 = keepBody;
    this.keepHeadersH2 = keepHeaders;
    this.status = 0;
    this.errorKind = NO_ERROR;
    this.bytesIn = 0;
    this.errorDetail = '';
    this.sentUs = now;
    this.deadlineUs = now + timeoutMs * 1000;
    this.chunks = [];
    this.respHeaders = {};
    this.parser.setCookies = null;
    this.h2host.track(this);
    this.sessions.submit(this);
  }

  /** Opens the stream (called by the session when the server's limit allows). */
  startOn(owner: H2Session, session: http2.ClientHttp2Session): void {
    const r = this.request!;
    let req: http2.ClientHttp2Stream;
    try {
      req = session.request(r.headers, { endStream: r.body === null });
    } catch (err) {
      // the session went away between the check and the call (ERR_HTTP2_INVALID_SESSION, ...)
      owner.streamEnded();
      this.end(owner.goawayCode >= 0 ? KIND.h2_goaway : KIND.reset, (err as { code?: string }).code ?? 'session closed');
      return;
    }
    this.req = req;
    let counted = true;
    const release = (): void => {
      if (counted) {
        counted = false;
        owner.streamEnded();
      }
    };
    req.on('response', (h: http2.IncomingHttpHeaders) => {
      if (this.req !== req) return;
      this.status = Number(h[HTTP2_HEADER_STATUS]) || 0;
      const cookies = h['set-cookie'];
      if (cookies !== undefined && this.status >= 200) this.parser.setCookies = Array.isArray(cookies) ? cookies : [cookies];
      if (this.keepHeadersH2) {
        for (const [k, v] of Object.entries(h)) if (k[0] !== ':' && v !== undefined) this.respHeaders[k] = Array.isArray(v) ? v.join(', ') : String(v);
      }
    });
    req.on('data', (chunk: Buffer) => {
      if (this.req !== req) return;
      this.bytesIn += chunk.length;
      if (this.keepBodyH2) this.chunks.push(chunk);
    });
    req.on('end', () => {
      // a stream cut without a response (GOAWAY past it, a reset) also ends: its 'close' tells why
      if (this.req !== req || this.status === 0) return;
      release();
      this.served++;
      this.end(NO_ERROR, '');
    });
    req.on('error', () => {
      /* the outcome is read on 'close' (rstCode, GOAWAY); an unhandled 'error' would throw */
    });
    req.on('close', () => {
      release();
      if (this.req !== req) return;
      const code = req.rstCode ?? NGHTTP2_NO_ERROR;
      if (owner.goawayCode >= 0 && (code === NGHTTP2_NO_ERROR || code === NGHTTP2_REFUSED_STREAM || code === NGHTTP2_CANCEL)) {
        // a GOAWAY for a broken flow-control window is that failure, not a plain shutdown
        const kind = owner.goawayCode === NGHTTP2_FLOW_CONTROL_ERROR ? KIND.h2_flow_control : KIND.h2_goaway;
        this.end(kind, `GOAWAY (code ${owner.goawayCode})`);
      } else if (code !== NGHTTP2_NO_ERROR) {
        this.end(kindOfRstCode(code), `RST_STREAM (code ${code})`);
      } else {
        this.end(KIND.reset, 'stream closed before the response completed');
      }
    });
    if (r.body !== null) req.end(r.body);
  }

  /** The session failed before this queued request was sent. */
  failQueued(kind: KindCode, detail: string): void {
    this.end(kind, detail);
  }

  override close(kind: KindCode = KIND.reset): void {
    if (this.outstanding) {
      this.cancelStream();
      this.end(kind, 'closed by the engine');
    }
  }

  override abandon(): boolean {
    const was = this.outstanding;
    this.cancelStream();
    this.outstanding = false;
    this.h2Sink = null;
    this.deadlineUs = Infinity;
    this.h2host.untrack(this);
    return was;
  }

  override checkTimeout(nowUs: number): void {
    if (this.outstanding && nowUs >= this.deadlineUs) {
      this.cancelStream();
      this.end(KIND.timeout, 'timeout');
    }
  }

  /** Cancels the stream (RST_STREAM CANCEL) or takes the request out of its session's queue. */
  private cancelStream(): void {
    const req = this.req;
    this.req = null;
    if (req !== null) {
      if (!req.closed && !req.destroyed) req.close(NGHTTP2_CANCEL);
    } else {
      this.queuedOn?.dequeue(this);
    }
  }

  private end(kind: KindCode, detail: string): void {
    if (!this.outstanding) return;
    const sink = this.h2Sink!;
    this.req = null;
    this.outstanding = false;
    this.h2Sink = null;
    this.errorKind = kind;
    this.errorDetail = detail;
    this.doneUs = this.h2host.clock.nowUs();
    this.deadlineUs = Infinity;
    this.h2host.untrack(this);
    sink.onExchangeEnd(this);
  }
}
