/**
 * The per-worker HTTP client: where connections go, the read buffer they share, and the sweep that
 * times out slow exchanges.
 *
 * Timeouts are swept, not armed per request: a `setTimeout` per request costs more than the rest of
 * the client's per-request work, so every `sweepMs` the busy connections are checked against their
 * deadline. A request therefore times out between `timeoutMs` and `timeoutMs + sweepMs` after it
 * was written.
 */
import type { Clock } from '../clock.js';
import { Connection, type ConnectTarget, type ConnectionHost } from './connection.js';
import { H2Sessions, H2Stream, negotiate, type WireProtocol } from './h2.js';

export interface HttpClientOptions {
  /** accept any TLS certificate */
  insecure?: boolean;
  /** how often deadlines are checked (default 20 ms) */
  sweepMs?: number;
  /** local (source) IP address to connect from, e.g. 127.0.0.2 (default: the OS picks) */
  localAddress?: string;
  /** the plan's `http`: version auto (ALPN decides on https), 1.1 or 2; h2c for cleartext h2 */
  http?: { version: 'auto' | '1.1' | '2'; h2c?: boolean };
  /** HTTP/2 sessions (this worker's share of `load.connections`; default 1) */
  h2Sessions?: number;
}

/**
 * The protocol a client starts with: h2c when asked for on http://, h2 when version 2 on https://,
 * http/1.1 otherwise (an `auto` https target is settled by `HttpClient.negotiate()`).
 */
export function initialProtocol(url: URL, http: HttpClientOptions['http']): WireProtocol {
  const version = http?.version ?? 'auto';
  if (url.protocol === 'https:') return version === '2' ? 'h2' : 'http/1.1';
  return version === '2' || (version === 'auto' && http?.h2c === true) ? 'h2c' : 'http/1.1';
}

/** Read buffer size: one socket read fills at most this much. */
const READ_BUFFER_BYTES = 64 * 1024;

/** The connect target of a URL (http or https; IPv6 brackets removed; default ports filled in). */
export function connectTargetOf(url: URL, insecure = false): ConnectTarget {
  const isTls = url.protocol === 'https:';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port ? Number(url.port) : isTls ? 443 : 80;
  const isIp = /^[\d.]+$/.test(host) || host.includes(':');
  return { host, port, tls: isTls, servername: isTls && !isIp ? host : undefined, insecure };
}

export class HttpClient implements ConnectionHost {
  readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  readonly target: ConnectTarget;
  private readonly live = new Set<Connection>();
  private sweepTimer: NodeJS.Timeout | null = null;
  /** the protocol spoken to the target (settled before the run for `auto` on https) */
  protocol: WireProtocol;
  private h2: H2Sessions | null = null;

  constructor(
    url: URL,
    readonly clock: Clock,
    private readonly opts: HttpClientOptions = {},
  ) {
    this.target = connectTargetOf(url, opts.insecure);
    if (opts.localAddress !== undefined) this.target.localAddress = opts.localAddress;
    this.protocol = initialProtocol(url, opts.http);
  }

  /**
   * Settles `auto` on an https target: one TLS handshake offering h2 and http/1.1 through ALPN; the
   * run then speaks what the server picked. Resolves to the protocol.
   */
  async negotiate(): Promise<WireProtocol> {
    if (this.target.tls && (this.opts.http?.version ?? 'auto') === 'auto') this.protocol = await negotiate(this.target);
    return this.protocol;
  }

  /**
   * A new (closed) connection; it opens its socket on the first send. On HTTP/2 it is a stream slot
   * multiplexed on the client's sessions (h2.ts).
   */
  connection(): Connection {
    this.ensureSweep();
    if (this.protocol !== 'http/1.1') {
      this.h2 ??= new H2Sessions(this, this.opts.h2Sessions ?? 1);
      return new H2Stream(this, this.h2);
    }
    return new Connection(this);
  }

  /** h2 sessions opened so far (re-creations after GOAWAY or failures included); 0 on HTTP/1.1 */
  get h2SessionsOpened(): number {
    return this.h2?.opened ?? 0;
  }

  /** number of open sockets */
  get openSockets(): number {
    return this.live.size;
  }

  track(conn: Connection): void {
    this.live.add(conn);
  }

  untrack(conn: Connection): void {
    this.live.delete(conn);
  }

  /** Fails every outstanding exchange as timed out once past its deadline. */
  sweep(nowUs = this.clock.nowUs()): void {
    for (const c of this.live) c.checkTimeout(nowUs);
  }

  /**
   * Closes every socket and stops the sweep. Outstanding exchanges are abandoned without a callback
   * (the run is over; the caller counts them). Returns how many were outstanding.
   */
  abandonAll(): number {
    let outstanding = 0;
    for (const c of [...this.live]) if (c.abandon()) outstanding++;
    this.h2?.destroy();
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    return outstanding;
  }

  private ensureSweep(): void {
    if (this.sweepTimer !== null) return;
    this.sweepTimer = setInterval(() => this.sweep(), this.opts.sweepMs ?? 20);
  }
}
