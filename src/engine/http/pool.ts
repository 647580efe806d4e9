/**
 * The open model's connection pool: grows on demand up to `maxConnections`; past that, a request
 * waits in a FIFO queue for the next free connection. The wait is part of the request's latency
 * (it is measured from the intended start), so a pool that is too small shows up in the numbers
 * instead of hiding in them.
 *
 * A connection freed inside a completion callback is offered first to a request made from that
 * same callback (the next step of the same iteration), so a multi-request flow keeps its connection
 * instead of opening another one.
 */
import type { Connection, ExchangeSink } from './connection.js';
import type { HttpClient } from './client.js';
import type { KeepHeaders } from './response-parser.js';

/** One request handed to the pool. */
export interface PoolRequest {
  bytes: Buffer;
  isHead: boolean;
  keepBody: boolean;
  /** true: parsed into an object; 'raw': the head's bytes kept (response-parser.ts) */
  keepHeaders: KeepHeaders;
  timeoutMs: number;
  /** called with the connection when the exchange ends; read the outcome from it */
  sink: ExchangeSink;
}

export class ConnectionPool implements ExchangeSink {
  private readonly idle: Connection[] = [];
  private readonly queue: PoolRequest[] = [];
  private queueHead = 0;
  private size = 0;
  /** the connection whose completion callback is running, until someone takes it */
  private releasing: Connection | null = null;
  /** requests handed to a connection and not yet ended */
  private outstanding = 0;

  constructor(
    private readonly client: HttpClient,
    readonly maxConnections: number,
  ) {}

  /** requests waiting for a connection */
  get waiting(): number {
    return this.queue.length - this.queueHead;
  }

  /** requests on the wire */
  get active(): number {
    return this.outstanding;
  }

  /** connections created (open or to be reopened) */
  get connections(): number {
    return this.size;
  }

  /** Sends on a free connection, a new one, or queues the request until one is free. */
  request(r: PoolRequest): void {
    let conn: Connection | undefined;
    if (this.releasing !== null) {
      conn = this.releasing;
      this.releasing = null;
    } else {
      conn = this.idle.pop();
    }
    if (conn === undefined) {
      if (this.size >= this.maxConnections) {
        this.queue.push(r);
        return;
      }
      conn = this.client.connection();
      this.size++;
    }
    this.dispatch(conn, r);
  }

  onExchangeEnd(conn: Connection): void {
    this.outstanding--;
    const sink = conn.owner as ExchangeSink;
    conn.owner = null;
    this.releasing = conn;
    sink.onExchangeEnd(conn);
    if (this.releasing !== conn) return; // taken by a request made in the callback
    this.releasing = null;
    const next = this.dequeue();
    if (next !== undefined) this.dispatch(conn, next);
    else this.idle.push(conn);
  }

  /** Drops queued requests (the run is stopping); returns how many there were. */
  clearQueue(): number {
    const n = this.waiting;
    this.queue.length = 0;
    this.queueHead = 0;
    return n;
  }

  private dispatch(conn: Connection, r: PoolRequest): void {
    conn.owner = r.sink;
    this.outstanding++;
    conn.send(r.bytes, r.isHead, r.keepBody, r.keepHeaders, r.timeoutMs, this);
  }

  private dequeue(): PoolRequest | undefined {
    if (this.queueHead >= this.queue.length) return undefined;
    const r = this.queue[this.queueHead]!;
    this.queue[this.queueHead] = undefined as unknown as PoolRequest;
    this.queueHead++;
    // compact now and then so the array does not grow without bound
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    return r;
  }
}
