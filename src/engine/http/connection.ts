/**
 * One HTTP/1.1 keep-alive connection over a raw socket (node:net, or node:tls for https), carrying
 * one request at a time (pipelining off).
 *
 * The hot path allocates nothing per request for a static request: the request bytes are a
 * prebuilt Buffer, the socket reads into a buffer shared by every connection of the worker (the
 * `onread` option: no per-read Buffer, no stream machinery), and the parser only counts bytes
 * unless a capture or check asked for headers or body. The outcome of each exchange is left in
 * public fields and the sink is called once; failures are classified (`error-kind.ts`), never thrown.
 *
 * Stale keep-alive: a server may close an idle connection just as a request is written on it.
 * When a request on a *reused* connection fails with a reset or EOF before any response byte, it is
 * sent once more on a fresh connection (what undici and browsers do); its latency keeps counting
 * from the first attempt.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Clock } from '../clock.js';
import { DONE, ERROR, ResponseParser, type KeepHeaders } from './response-parser.js';
import { KIND, NO_ERROR, classifySocketError, type KindCode } from './error-kind.js';

/** Where connections go. */
export interface ConnectTarget {
  host: string;
  port: number;
  tls: boolean;
  /** TLS SNI name (none for IP addresses) */
  servername?: string;
  /** accept any certificate (plan `defaults.insecure`) */
  insecure?: boolean;
  /** source IP address of the connections (net.connect's localAddress) */
  localAddress?: string;
}

/** Receives the end of each exchange; reads the outcome from the connection's fields. */
export interface ExchangeSink {
  onExchangeEnd(conn: Connection): void;
}

/** Shared by all connections of one worker: the read buffer and the timeout sweep. */
export interface ConnectionHost {
  readonly clock: Clock;
  readonly target: ConnectTarget;
  /** the worker's one read buffer (consumed synchronously by each read) */
  readonly readBuffer: Buffer;
  track(conn: Connection): void;
  untrack(conn: Connection): void;
}

const enum St {
  Closed,
  Connecting,
  Open,
}

export class Connection {
  // ---- outcome of the last exchange (valid inside onExchangeEnd) ----
  /** status code, 0 when no response */
  status = 0;
  /** NO_ERROR or a KIND code */
  errorKind: KindCode = NO_ERROR;
  /** response bytes received */
  bytesIn = 0;
  /** when the request was written (µs, run clock); for a new connection: when connecting began */
  sentUs = 0;
  /** when the response completed or the failure was seen */
  doneUs = 0;
  /** a short reason for protocol errors (no request data in it) */
  errorDetail = '';
  /** requests completed on this connection since it was (re)opened */
  served = 0;
  /** user data of the owner (a VU, a pool slot) */
  owner: unknown = null;

  readonly parser = new ResponseParser();

  private state: St = St.Closed;
  private socket: net.Socket | null = null;
  private busy = false;
  private sink: ExchangeSink | null = null;
  private bytes: Buffer | null = null;
  private isHead = false;
  private keepBody = false;
  private keepHeaders: KeepHeaders = false;
  private retried = false;
  private reused = false;
  /** µs deadline of the current exchange; Infinity when idle */
  deadlineUs = Infinity;
  private readonly onRead: (nread: number, buf: Buffer) => boolean;

  constructor(private readonly host: ConnectionHost) {
    this.onRead = (nread: number, buf: Buffer): boolean => {
      this.handleData(buf, nread);
      return true;
    };
  }

  /** true while an exchange is outstanding */
  get isBusy(): boolean {
    return this.busy;
  }

  /** true when the socket is connected or connecting */
  get isOpen(): boolean {
    return this.state !== St.Closed;
  }

  /** Response headers (lower-case names) when asked for with keepHeaders. */
  get headers(): Record<string, string> {
    return this.parser.headers ?? {};
  }

  /** Response body when asked for with keepBody. */
  body(): Buffer {
    return this.parser.body();
  }

  /**
   * Sends a request and calls `sink.onExchangeEnd(this)` once, on the response or on a failure.
   * Opens the socket first when it is closed. `timeoutMs` bounds the exchange from now.
   */
  send(bytes: Buffer, isHead: boolean, keepBody: boolean, keepHeaders: KeepHeaders, timeoutMs: number, sink: ExchangeSink): void {
    const now = this.host.clock.nowUs();
    this.busy = true;
    this.sink = sink;
    this.bytes = bytes;
    this.isHead = isHead;
    this.keepBody = keepBody;
    this.keepHeaders = keepHeaders;
    this.retried = false;
    this.status = 0;
    this.errorKind = NO_ERROR;
    this.bytesIn = 0;
    this.errorDetail = '';
    this.sentUs = now;
    this.deadlineUs = now + timeoutMs * 1000;
    this.write();
  }

  /** Closes the socket; an outstanding exchange ends as `reset` unless `kind` says otherwise. */
  close(kind: KindCode = KIND.reset): void {
    this.detachSocket();
    if (this.busy) this.fail(kind, 'closed by the engine');
  }

  /** Closes the socket without ending the exchange (no callback). Returns whether one was outstanding. */
  abandon(): boolean {
    const was = this.busy;
    this.busy = false;
    this.sink = null;
    this.deadlineUs = Infinity;
    this.detachSocket();
    return was;
  }

  /** Called by the host's sweep: fails the exchange with `timeout` once its deadline passed. */
  checkTimeout(nowUs: number): void {
    if (this.busy && nowUs >= this.deadlineUs) {
      // The response may still come; the connection cannot be reused for another request.
      this.detachSocket();
      this.fail(KIND.timeout, 'timeout');
    }
  }

  private write(): void {
    this.parser.begin(this.isHead, this.keepBody, this.keepHeaders);
    if (this.state === St.Closed) {
      this.reused = false;
      this.open();
    } else {
      this.reused = this.served > 0;
    }
    // Writes before 'connect' are queued by node:net and flushed once connected.
    this.socket!.write(this.bytes!);
  }

  private open(): void {
    const t = this.host.target;
    const onread = { buffer: this.host.readBuffer, callback: this.onRead };
    let socket: net.Socket;
    if (t.tls) {
      socket = tls.connect({
        host: t.host,
        port: t.port,
        servername: t.servername,
        rejectUnauthorized: !t.insecure,
        ALPNProtocols: ['http/1.1'],
        localAddress: t.localAddress,
        onread,
      } as tls.ConnectionOptions);
    } else {
      socket = net.connect({ host: t.host, port: t.port, localAddress: t.localAddress, onread, noDelay: true } as net.NetConnectOpts);
    }
    socket.setNoDelay(true);
    this.socket = socket;
    this.state = St.Connecting;
    this.served = 0;
    socket.once(t.tls ? 'secureConnect' : 'connect', () => {
      if (this.socket === socket) this.state = St.Open;
    });
    socket.on('end', () => this.handleEof(socket));
    socket.on('error', (err: Error) => this.handleError(socket, err));
    socket.on('close', () => this.handleClose(socket));
    this.host.track(this);
  }

  private handleData(buf: Buffer, nread: number): void {
    if (!this.busy) {
      // bytes nobody asked for (pipelining is off): the connection is no longer in sync
      this.detachSocket();
      return;
    }
    const r = this.parser.feed(buf, 0, nread);
    if (r === DONE) {
      this.bytesIn = this.parser.bytes;
      this.status = this.parser.statusCode;
      const keep = this.parser.keepAlive && this.parser.consumed === nread;
      this.served++;
      if (!keep) this.detachSocket();
      this.finish(NO_ERROR, '');
    } else if (r === ERROR) {
      this.detachSocket();
      this.fail(KIND.protocol, this.parser.error);
    }
  }

  private handleEof(socket: net.Socket): void {
    if (socket !== this.socket) return;
    if (this.busy && this.parser.finishOnEof()) {
      this.status = this.parser.statusCode;
      this.served++;
      this.detachSocket();
      this.finish(NO_ERROR, '');
      return;
    }
    this.failOrRetry(KIND.reset, 'connection closed before the response completed');
  }

  private handleError(socket: net.Socket, err: Error): void {
    if (socket !== this.socket) return;
    this.failOrRetry(classifySocketError(err), (err as { code?: string }).code ?? 'socket error');
  }

  private handleClose(socket: net.Socket): void {
    if (socket !== this.socket) return;
    this.failOrRetry(KIND.reset, 'connection closed');
  }

  /**
   * The socket failed or closed: it is detached first (so that the sink may send again at once on
   * a fresh socket), then an outstanding exchange is retried once (stale keep-alive) or failed.
   */
  private failOrRetry(kind: KindCode, detail: string): void {
    this.detachSocket();
    if (!this.busy) return;
    if (this.reused && !this.retried && kind === KIND.reset && !this.parser.started) {
      this.retried = true;
      this.reused = false;
      this.parser.begin(this.isHead, this.keepBody, this.keepHeaders);
      this.open();
      this.socket!.write(this.bytes!);
      return;
    }
    this.fail(kind, detail);
  }

  /** Ends the exchange as a failure of `kind`. The socket must already be settled. */
  private fail(kind: KindCode, detail: string): void {
    this.finish(kind, detail);
  }

  /** Ends the exchange and calls the sink (last, so that it may send again on this connection). */
  private finish(kind: KindCode, detail: string): void {
    const sink = this.sink!;
    this.bytesIn = this.parser.bytes;
    this.busy = false;
    this.sink = null;
    this.errorKind = kind;
    this.errorDetail = detail;
    this.doneUs = this.host.clock.nowUs();
    this.deadlineUs = Infinity;
    sink.onExchangeEnd(this);
  }

  private detachSocket(): void {
    const s = this.socket;
    if (s === null) return;
    this.socket = null;
    this.state = St.Closed;
    this.host.untrack(this);
    s.destroy();
  }
}
