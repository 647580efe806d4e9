/**
 * One VU context's WebSocket (the `ws` package): connect, send, expect, hold, close.
 *
 * Round trips. Each send is remembered (its intended start, its write time, its correlation value)
 * in a FIFO of pending sends. An expect waits for the first message that passes its checks
 * (`contains`, `json`); with `correlate: $.id` the message must also carry, at that path, the value
 * of a pending send, and that send starts the round trip; without it, the oldest pending send does
 * (replies in order). The round trip is recorded on `WS <path> message` from that send's intended
 * start to the message's arrival — so a server that stalls shows its stall in full, as for HTTP
 * (the coordinated-omission rule). An expect with no pending send (a server push) is timed from
 * its own intended start. Messages that arrive while nothing waits are kept (up to MAX_INBOX, the
 * oldest dropped first); messages that do not match an expect are skipped.
 *
 * Failures (error kinds):
 *   - connect: the server answered the upgrade with another status → `ws_connect_failed` with that
 *     status (a 503 counts as a 503 for the diagnoses); a socket error → its usual kind (refused,
 *     reset, timeout, dns, tls); the handshake timeout → `timeout`. The iteration ends.
 *   - expect: no matching message within the timeout → `timeout` at its age (the socket stays);
 *     the socket closed while waiting → `ws_abnormal_close`, and the iteration ends.
 *   - a socket closed by the server with an abnormal code (1006: no close frame; 1002..1015 except
 *     1005) while nothing waits → `ws_abnormal_close` on `WS <path> close`.
 *
 * Lifetime: the open model closes a socket its flow opened at the end of each iteration (each
 * arrival is one connection); a socket opened by the setup stays with the VU context (the open
 * model's contexts are reused by later arrivals). The closed model keeps its socket, and a
 * `connect` to the same URL on an open socket is a no-op (a VU keeps one socket).
 */
import { createRequire } from 'node:module';
import type WebSocket from 'ws';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { KIND } from '../../metrics/error-kinds.js';
import { classifySocketError } from '../http/error-kind.js';
import type { ProtocolOwner } from '../protocol-owner.js';
import type { WsExec } from './compile.js';
import type { ResponseView } from '../scenario/response.js';
import { bodyJson, NOT_JSON } from '../scenario/response.js';
import { jsonEqual } from '../scenario/checks.js';

/** messages kept while nothing waits for them */
const MAX_INBOX = 1000;
/** pending sends kept (a flow that sends without ever expecting replies drops the oldest) */
const MAX_PENDING = 1000;

interface PendingSend {
  intendedUs: number;
  sentUs: number;
  bytes: number;
  /** the sent message, parsed when a correlation asks for it */
  text: string | null;
  parsed: unknown;
}

interface Inbound {
  atUs: number;
  data: Buffer;
}

/** a close code that means the connection ended in error (RFC 6455 §7.4.1) */
export function isAbnormalClose(code: number): boolean {
  return code === 1006 || (code >= 1002 && code <= 1015 && code !== 1005);
}

const UNPARSED = Symbol('unparsed');

// the ws package is loaded by the first connect step: a load worker imports this module with the
// flow runner, and a plan without ws steps should not pay for loading ws in every worker thread
let wsLib: typeof WebSocket | null = null;
function wsClass(): typeof WebSocket {
  wsLib ??= createRequire(import.meta.url)('ws') as typeof WebSocket;
  return wsLib;
}

export class WsSession {
  private sock: WebSocket | null = null;
  private url = '';
  private open = false;
  /** the socket's endpoints, from its connect step */
  private closeEndpoint = -1;
  private setupSocket = false;
  private readonly pending: PendingSend[] = [];
  private readonly inbox: Inbound[] = [];
  /** the step waiting on the socket (connect, expect, close), null when none */
  private waiting: WsExec | null = null;
  private waitIntendedUs = 0;
  private waitSentUs = 0;
  private waitFrom: PendingSend | null = null;
  private timer: NodeJS.Timeout | null = null;
  private holdTimer: NodeJS.Timeout | null = null;
  /** bumped when the socket is dropped: events of an older socket are ignored */
  private gen = 0;
  private readonly missing: string[] = [];

  constructor(
    private readonly owner: ProtocolOwner,
    /** ws:// or wss:// origin of the target, with its base path ('' or /api) */
    private readonly base: string,
    private readonly insecure: boolean,
  ) {}

  /** Runs one step; it ends through `owner.stepEnded`. */
  run(s: WsExec, intendedUs: number): void {
    switch (s.op) {
      case 'connect':
        return this.connect(s, intendedUs);
      case 'send':
        return this.send(s, intendedUs);
      case 'expect':
        return this.expect(s, intendedUs, null);
      case 'hold':
        return this.hold(s);
      case 'close':
        return this.closeStep(s, intendedUs);
    }
  }

  /**
   * The open model's arrival is over: a socket its flow opened is closed (each arrival is one
   * connection); one opened by the setup stays with the VU context, like a login token.
   */
  endArrival(): void {
    if (this.sock !== null && !this.setupSocket) this.drop();
  }

  /** Ends the socket quietly (the run is cut, or another connect replaces it). */
  drop(): void {
    this.gen++;
    this.clearTimers();
    this.waiting = null;
    this.pending.length = 0;
    this.inbox.length = 0;
    const sock = this.sock;
    this.sock = null;
    this.open = false;
    if (sock !== null) {
      sock.removeAllListeners();
      sock.on('error', () => undefined);
      if (sock.readyState === sock.OPEN) {
        sock.close(1000);
        // a peer that never answers the close frame must not keep the socket
        setTimeout(() => sock.terminate(), 2000).unref();
      } else sock.terminate();
    }
  }

  private now(): number {
    return this.owner.host.clock.nowUs();
  }

  private noteMissing(): void {
    if (this.missing.length > 0) {
      this.owner.noteMissing(this.missing);
      this.missing.length = 0;
    }
  }

  private connect(s: WsExec, intendedUs: number): void {
    const vars = this.owner.vars;
    const url = this.base + s.path!.render(vars, this.missing);
    const headers: Record<string, string> = {};
    for (const [k, t] of s.headers) headers[k] = t.render(vars, this.missing);
    this.noteMissing();
    if (this.sock !== null && this.open && url === this.url) {
      // the closed model keeps its socket across iterations: nothing to do
      this.owner.stepEnded(this.now(), true);
      return;
    }
    if (this.sock !== null) this.drop();
    const g = ++this.gen;
    this.url = url;
    this.closeEndpoint = s.closeEndpoint;
    this.setupSocket = s.inSetup;
    this.owner.out(s.connectEndpoint, intendedUs);
    this.waiting = s;
    this.waitIntendedUs = intendedUs;
    const sentUs = this.now();
    this.waitSentUs = sentUs;
    let sock: WebSocket;
    try {
      sock = new (wsClass())(url, { headers, handshakeTimeout: s.timeoutMs, perMessageDeflate: false, rejectUnauthorized: !this.insecure, followRedirects: false });
    } catch {
      this.connectFailed(g, 0, KIND.ws_connect_failed);
      return;
    }
    this.sock = sock;
    sock.binaryType = 'nodebuffer';
    sock.on('open', () => {
      if (g !== this.gen) return;
      this.open = true;
      const now = this.now();
      this.waiting = null;
      this.owner.host.recorder.record(s.connectEndpoint, intendedUs, sentUs, now, 0, 0, 0, 0);
      this.owner.stepEnded(now, true);
    });
    sock.on('unexpected-response', (req: ClientRequest, res: IncomingMessage) => {
      if (g !== this.gen) return;
      res.resume();
      req.destroy();
      this.connectFailed(g, res.statusCode ?? 0, KIND.ws_connect_failed);
    });
    sock.on('error', (err: Error) => {
      if (g !== this.gen) return;
      if (!this.open) {
        const kind = /handshake has timed out/i.test(err.message) ? KIND.timeout : classifySocketError(err);
        // an error without a socket code is the handshake's (a bad Sec-WebSocket-Accept, …)
        this.connectFailed(g, 0, kind === KIND.other ? KIND.ws_connect_failed : kind);
      }
      // once open, the 'close' event that follows reports it
    });
    sock.on('message', (data: Buffer, isBinary: boolean) => {
      if (g !== this.gen) return;
      void isBinary;
      this.onMessage(data);
    });
    sock.on('close', (code: number) => {
      if (g !== this.gen) return;
      this.onClose(code);
    });
  }

  private connectFailed(g: number, status: number, kind: number): void {
    if (g !== this.gen || this.waiting === null) return;
    const s = this.waiting;
    const now = this.now();
    this.owner.host.recorder.record(s.connectEndpoint, this.waitIntendedUs, this.waitSentUs, now, status, kind, 0, 0);
    this.drop();
    this.owner.stepEnded(now, false);
  }

  private send(s: WsExec, intendedUs: number): void {
    if (!this.usable()) return;
    const m = s.send!;
    let payload: string | Buffer;
    let text: string | null = null;
    if (m.render !== null) {
      text = m.render(this.owner.vars, this.missing);
      this.noteMissing();
      payload = text;
    } else payload = m.bytes!;
    const sentUs = this.now();
    const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    const p: PendingSend = { intendedUs, sentUs, bytes, text, parsed: UNPARSED };
    if (this.pending.length >= MAX_PENDING) this.pending.shift();
    this.pending.push(p);
    this.sock!.send(payload, { binary: m.binary });
    if (s.match !== null) {
      this.expect(s, intendedUs, p);
      return;
    }
    this.owner.stepEnded(sentUs, true);
  }

  /** The socket is open; otherwise the iteration ends (its failure was recorded when it happened). */
  private usable(): boolean {
    if (this.sock !== null && this.open) return true;
    this.owner.stepEnded(this.now(), false);
    return false;
  }

  private expect(s: WsExec, intendedUs: number, from: PendingSend | null): void {
    if (from === null && !this.usable()) return;
    this.waiting = s;
    this.waitFrom = from;
    this.waitIntendedUs = intendedUs;
    this.waitSentUs = from?.sentUs ?? intendedUs;
    // the round trip starts at the send it answers; reported as outstanding from there
    const start = from ?? (s.correlate === null ? this.pending[0] : undefined);
    this.owner.out(s.messageEndpoint, start?.intendedUs ?? intendedUs);
    for (let i = 0; i < this.inbox.length; i++) {
      if (this.tryMatch(this.inbox[i]!)) {
        this.inbox.splice(0, i + 1); // older messages were passed over
        return;
      }
    }
    this.inbox.length = 0;
    const g = this.gen;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (g !== this.gen || this.waiting !== s) return;
      this.expectTimedOut(s);
    }, s.timeoutMs);
  }

  private expectTimedOut(s: WsExec): void {
    const now = this.now();
    const from = this.roundTripStart(s, null);
    if (from !== null) this.removePending(from);
    this.waiting = null;
    this.owner.host.recorder.record(s.messageEndpoint, from?.intendedUs ?? this.waitIntendedUs, from?.sentUs ?? this.waitSentUs, now, 0, KIND.timeout, 0, from?.bytes ?? 0);
    this.owner.stepEnded(now, true);
  }

  private onMessage(data: Buffer): void {
    const msg: Inbound = { atUs: this.now(), data };
    const w = this.waiting;
    if (w !== null && w.op !== 'connect' && w.op !== 'close') {
      this.tryMatch(msg);
      return;
    }
    if (this.inbox.length >= MAX_INBOX) this.inbox.shift();
    this.inbox.push(msg);
  }

  /** The send a matching message answers: the correlated one, or the oldest (replies in order). */
  private roundTripStart(s: WsExec, view: ResponseView | null): PendingSend | null {
    if (s.correlate === null) return this.waitFrom ?? this.pending[0] ?? null;
    if (view === null) return this.waitFrom ?? this.pending[0] ?? null;
    const doc = bodyJson(view);
    if (doc === NOT_JSON) return null;
    const want = s.correlate.first(doc);
    if (want === undefined) return null;
    for (const p of this.pending) {
      if (p.parsed === UNPARSED) {
        try {
          p.parsed = p.text === null ? undefined : (JSON.parse(p.text) as unknown);
        } catch {
          p.parsed = undefined;
        }
      }
      if (p.parsed !== undefined && jsonEqual(s.correlate.first(p.parsed), want)) return p;
    }
    return null;
  }

  private removePending(p: PendingSend): void {
    const i = this.pending.indexOf(p);
    if (i >= 0) this.pending.splice(i, 1);
  }

  /** Ends the waiting expect with `msg` when it matches; returns whether it did. */
  private tryMatch(msg: Inbound): boolean {
    const s = this.waiting!;
    const view: ResponseView = { status: 0, headers: {}, body: msg.data, durationMs: 0 };
    if (s.match!.run(view).fails > 0) return false;
    const from = this.roundTripStart(s, view);
    if (s.correlate !== null && from === null) return false; // a reply to nothing sent (or another VU's)
    if (from !== null) this.removePending(from);
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.waiting = null;
    const intendedUs = from?.intendedUs ?? this.waitIntendedUs;
    view.durationMs = (msg.atUs - intendedUs) / 1000;
    this.owner.host.recorder.record(s.messageEndpoint, intendedUs, from?.sentUs ?? this.waitSentUs, msg.atUs, 0, 0, msg.data.length, from?.bytes ?? 0);
    if (s.capture !== null) {
      const out = s.capture.apply(view, this.owner.vars);
      const captured = this.owner.host.health.captured;
      for (const n of out.captured) if (!captured.has(n)) captured.add(n);
    }
    this.owner.stepEnded(msg.atUs, true);
    return true;
  }

  private hold(s: WsExec): void {
    if (!this.usable()) return;
    const g = this.gen;
    this.holdTimer = setTimeout(() => {
      this.holdTimer = null;
      if (g !== this.gen) return;
      this.owner.stepEnded(this.now(), true);
    }, s.holdMs);
  }

  private closeStep(s: WsExec, intendedUs: number): void {
    if (!this.usable()) return;
    this.owner.out(s.closeEndpoint, intendedUs);
    this.waiting = s;
    this.waitIntendedUs = intendedUs;
    this.waitSentUs = this.now();
    this.sock!.close(s.closeCode);
    const g = this.gen;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (g !== this.gen || this.waiting !== s) return;
      // the peer did not answer the close frame: the socket is cut
      const now = this.now();
      this.owner.host.recorder.record(s.closeEndpoint, intendedUs, this.waitSentUs, now, 0, KIND.timeout, 0, 0);
      this.drop();
      this.owner.stepEnded(now, true);
    }, s.timeoutMs);
  }

  private onClose(code: number): void {
    const now = this.now();
    const w = this.waiting;
    const wasSetup = this.setupSocket;
    this.open = false;
    if (w !== null && w.op === 'close') {
      this.clearTimers();
      this.waiting = null;
      this.owner.host.recorder.record(w.closeEndpoint, this.waitIntendedUs, this.waitSentUs, now, 0, isAbnormalClose(code) ? KIND.ws_abnormal_close : 0, 0, 0);
      this.forget();
      this.owner.stepEnded(now, true);
      return;
    }
    if (w !== null && w.op !== 'connect') {
      // an expect was waiting: its round trip failed with the socket
      const from = this.roundTripStart(w, null);
      this.owner.host.recorder.record(w.messageEndpoint, from?.intendedUs ?? this.waitIntendedUs, from?.sentUs ?? this.waitSentUs, now, 0, KIND.ws_abnormal_close, 0, from?.bytes ?? 0);
      this.forget();
      if (wasSetup) this.owner.lostSetupSocket();
      this.owner.stepEnded(now, false);
      return;
    }
    if (isAbnormalClose(code)) this.owner.host.recorder.record(this.closeEndpoint, now, now, now, 0, KIND.ws_abnormal_close, 0, 0);
    const holding = this.holdTimer !== null;
    this.forget();
    if (wasSetup) this.owner.lostSetupSocket();
    if (holding) this.owner.stepEnded(now, false);
  }

  /** the socket is closed: forget it (its late events are ignored) */
  private forget(): void {
    this.gen++;
    this.clearTimers();
    this.waiting = null;
    this.pending.length = 0;
    this.inbox.length = 0;
    if (this.sock !== null) {
      this.sock.removeAllListeners();
      this.sock.on('error', () => undefined);
    }
    this.sock = null;
    this.open = false;
  }

  private clearTimers(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.holdTimer !== null) {
      clearTimeout(this.holdTimer);
      this.holdTimer = null;
    }
  }
}
