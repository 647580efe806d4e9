/**
 * One VU context's gRPC calls. Channels are connection slots: each load worker keeps up to
 * CHANNELS_PER_WORKER channels per service (HTTP/2 connections, grpc-js's local subchannel pool so
 * that they really are distinct), made on first use and reused for the whole run; a VU context
 * takes the next slot round-robin when it makes its first call. (A channel per VU context would
 * open a connection for every context the open model adds as the in-flight count grows: a
 * connection storm at the knee, measuring the generator's connects instead of the service.)
 *
 * Each unary call is recorded on its endpoint (`GRPC demo.Items/Get`) from its intended start to
 * the callback: latency from the intended start, as for HTTP. The deadline is the step's timeout
 * (grpc-js then fails the call with DEADLINE_EXCEEDED at that age). A non-OK status becomes an
 * error kind: UNAVAILABLE → grpc_unavailable, DEADLINE_EXCEEDED → grpc_deadline_exceeded,
 * RESOURCE_EXHAUSTED → grpc_resource_exhausted, any other → grpc_error.
 */
import type * as GrpcJs from '@grpc/grpc-js';
import { KIND, type KindCode } from '../../metrics/error-kinds.js';
import type { ProtocolOwner } from '../protocol-owner.js';
import { clientCtor, grpcJs, type GrpcExec } from './compile.js';
import type { ResponseView } from '../scenario/response.js';

/** gRPC status codes (grpc-js `status`), as numbers so that this file needs no runtime import. */
const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;
const RESOURCE_EXHAUSTED = 8;

/** The error kind of a gRPC status code (0: OK). */
export function grpcKind(code: number): KindCode {
  switch (code) {
    case 0:
      return 0;
    case UNAVAILABLE:
      return KIND.grpc_unavailable;
    case DEADLINE_EXCEEDED:
      return KIND.grpc_deadline_exceeded;
    case RESOURCE_EXHAUSTED:
      return KIND.grpc_resource_exhausted;
    default:
      return KIND.grpc_error;
  }
}

type UnaryFn = (msg: unknown, md: GrpcJs.Metadata, opts: GrpcJs.CallOptions, cb: (err: GrpcJs.ServiceError | null, res?: unknown) => void) => GrpcJs.ClientUnaryCall;

/** channels (HTTP/2 connections) per service per load worker */
export const CHANNELS_PER_WORKER = 8;
const channels = new Map<string, GrpcJs.Client[]>();
let nextSlot = 0;

export class GrpcSession {
  private readonly clients = new Map<string, GrpcJs.Client>();
  private readonly slot = nextSlot++ % CHANNELS_PER_WORKER;
  private call: GrpcJs.ClientUnaryCall | null = null;
  private gen = 0;
  private readonly missing: string[] = [];

  constructor(
    private readonly owner: ProtocolOwner,
    /** host:port of the target */
    private readonly address: string,
    private readonly tls: boolean,
  ) {}

  run(s: GrpcExec, intendedUs: number): void {
    const grpc = grpcJs();
    let client = this.clients.get(s.clientKey);
    if (client === undefined) {
      const key = `${this.address}\0${s.clientKey}`;
      const list = channels.get(key) ?? [];
      channels.set(key, list);
      client = list[this.slot];
      if (client === undefined) {
        const Ctor = clientCtor(s.clientKey);
        client = new Ctor(this.address, this.tls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
        list[this.slot] = client;
      }
      this.clients.set(s.clientKey, client);
    }
    const vars = this.owner.vars;
    const text = s.message.render(vars, this.missing);
    const md = new grpc.Metadata();
    for (const [k, t] of s.metadata) md.set(k, t.render(vars, this.missing));
    if (this.missing.length > 0) {
      this.owner.noteMissing(this.missing);
      this.missing.length = 0;
    }
    const msg = JSON.parse(text) as unknown;
    const host = this.owner.host;
    this.owner.out(s.endpoint, intendedUs);
    const sentUs = host.clock.nowUs();
    const g = this.gen;
    // the deadline counts from the intended start: a call that waited for its turn has less left
    const deadline = new Date(Date.now() + Math.max(1, s.timeoutMs - (sentUs - intendedUs) / 1000));
    const fn = (client as unknown as Record<string, UnaryFn>)[s.method]!.bind(client);
    this.call = fn(msg, md, { deadline }, (err, res) => {
      if (g !== this.gen) return;
      this.call = null;
      const now = host.clock.nowUs();
      const kind = err ? grpcKind(err.code) : 0;
      const body = res !== undefined && err === null ? Buffer.from(JSON.stringify(res)) : EMPTY;
      host.recorder.record(s.endpoint, intendedUs, sentUs, now, 0, kind, body.length, text.length);
      if (s.capture !== null || s.expect !== null) {
        const view: ResponseView = { status: err ? 0 : 200, headers: {}, body, durationMs: (now - intendedUs) / 1000 };
        if (err === null && s.capture !== null) {
          const out = s.capture.apply(view, vars);
          for (const n of out.captured) if (!host.health.captured.has(n)) host.health.captured.add(n);
        }
        if (s.expect !== null) {
          if (err === null) {
            const c = s.expect.run(view);
            host.recorder.recordChecks(s.endpoint, now, c.passes, c.fails);
          } else host.recorder.recordChecks(s.endpoint, now, 0, s.expect.names.length);
        }
      }
      // a failed call does not end the iteration: the channel reconnects on its own
      this.owner.stepEnded(now, true);
    });
  }

  /** Cancels the call out (its callback is ignored); the channels stay for the worker's other contexts. */
  close(): void {
    this.gen++;
    this.call?.cancel();
    this.call = null;
  }
}

const EMPTY = Buffer.alloc(0);
