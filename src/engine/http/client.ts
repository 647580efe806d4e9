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

export interface HttpClientOptions {
  /** accept any TLS certificate */
  insecure?: boolean;
  /** how often deadlines are checked (default 20 ms) */
  sweepMs?: number;
  /** local (source) IP address to connect from, e.g. 127.0.0.2 (default: the OS picks) */
  localAddress?: string;
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

  constructor(
    url: URL,
    readonly clock: Clock,
    private readonly opts: HttpClientOptions = {},
  ) {
    this.target = connectTargetOf(url, opts.insecure);
    if (opts.localAddress !== undefined) this.target.localAddress = opts.localAddress;
  }

  /** A new (closed) connection; it opens its socket on the first send. */
  connection(): Connection {
    this.ensureSweep();
    return new Connection(this);
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
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    return outstanding;
  }

  private ensureSweep(): void {
    if (this.sweepTimer !== null) return;
    this.sweepTimer = setInterval(() => this.sweep(), this.opts.sweepMs ?? 20);
  }
}
