/**
 * One VU context running its scenario: setup (once, until it succeeds), then one iteration of the
 * flow per `start()`. Used by both models: the closed model gives each VU one of these and its own
 * connection; the open model keeps a free list of them per scenario and starts one per arrival.
 *
 * When each request is "intended" to start (its latency is measured from there):
 *   - the first request of an iteration: the iteration's intended start (the arrival's scheduled
 *     instant in the open model; the moment the VU began the iteration in the closed model, which
 *     is when its previous iteration ended: the completion of that iteration's last response, or
 *     the end of its think time);
 *   - every later request: the moment the step before it ended (after a think step: when the
 *     think ended).
 * So a wait for a connection, a connect, and any lateness of the generator count in the latency.
 *
 * Think steps pause the iteration (a timer). In the open model a think at the very end of the flow
 * is skipped: the schedule, not the VU, sets the pace, so it would only hold a context idle. In the
 * closed model `defaults.think` is added after each iteration whose flow has no think of its own.
 *
 * Captures and checks read the response only when they exist; a check on a request that got no
 * response fails. Failed checks never fail the request.
 */
import type { Connection, ExchangeSink } from './http/connection.js';
import type { PoolRequest } from './http/pool.js';
import { encodeRequest } from './http/request-bytes.js';
import type { EngineScenario, ExecStep, RequestExec } from './compile.js';
import type { Clock } from './clock.js';
import type { Recorder } from '../metrics/recorder.js';
import { KIND } from '../metrics/error-kinds.js';
import type { Rng } from './rng.js';
import { Vars } from './scenario/template.js';
import type { ResponseView } from './scenario/response.js';

/** What a flow needs from the model that runs it. */
export interface FlowHost {
  readonly clock: Clock;
  readonly recorder: Recorder;
  readonly rng: Rng;
  /** Host header value */
  readonly hostHeader: string;
  /** open model: skip a think that ends the flow */
  readonly skipTrailingThink: boolean;
  /** closed model: think after an iteration whose flow has none */
  readonly defaultThink: { minMs: number; maxMs: number } | null;
  /** sends the runner's current request (pool or own connection); the runner is the sink */
  send(runner: FlowRunner): void;
  /**
   * The iteration ended at `atUs` (µs, run clock: the completion of its last response, or the
   * clock read when it ended some other way), so that the host can start the next one from there
   * without reading the clock again.
   */
  iterationDone(runner: FlowRunner, atUs: number): void;
  /** template variables that were unset when a request was built */
  noteMissing(names: string[]): void;
  /** counts exchanges, so the pacer can tell spinning from work */
  ioEpoch: number;
  /** requests sent or waiting for a connection, not yet ended */
  outstanding: number;
  /** the run is stopping: end each iteration after its current request instead of going on */
  readonly stopping: boolean;
  /** what became of the VU contexts' setups and captures (see `TestTally`) */
  readonly health: TestTally;
}

/**
 * Whether the run tested the service at all, from the test's side: did each VU context's setup
 * (e.g. a login) ever succeed, and was each captured name ever set. Kept per worker; cheap (a
 * counter per context's first setup, a Set lookup per capture).
 */
export class TestTally {
  /** VU contexts that ran their setup at least once */
  setupVus = 0;
  /** VU contexts whose setup succeeded (once is enough: it is not run again) */
  setupOkVus = 0;
  /** capture names set at least once by some response */
  readonly captured = new Set<string>();
}

const PHASE_SETUP = 0;
const PHASE_FLOW = 1;
const PHASE_DONE = 2;

export class FlowRunner implements ExchangeSink, PoolRequest {
  // ---- PoolRequest: the request being sent ----
  bytes: Buffer = Buffer.alloc(0);
  isHead = false;
  keepBody = false;
  keepHeaders = false;
  timeoutMs = 10_000;
  readonly sink: ExchangeSink = this;

  /** this VU's variables (captures), kept across iterations */
  readonly vars = new Vars();
  /** a connection of its own (closed model) */
  conn: Connection | null = null;
  /** model's bookkeeping: global VU index, retiring flag, … */
  index = 0;
  retiring = false;
  /** true while an iteration runs */
  running = false;

  private setupDone = false;
  private setupTried = false;
  private setupOk = true;
  /** the endpoint of the request out (sent or waiting for a connection), −1 when none */
  private awaitingEndpoint = -1;
  private phase = PHASE_DONE;
  private idx = 0;
  private step: RequestExec | null = null;
  private intendedUs = 0;
  private readonly missing: string[] = [];
  private thinkTimer: NodeJS.Timeout | null = null;
  private readonly afterThink = (): void => {
    this.thinkTimer = null;
    const now = this.host.clock.nowUs();
    this.intendedUs = now;
    this.idx++;
    this.advance(now);
  };
  private readonly afterDefaultThink = (): void => {
    this.thinkTimer = null;
    this.end(this.host.clock.nowUs());
  };

  constructor(
    private readonly host: FlowHost,
    readonly scenario: EngineScenario,
    readonly scenarioIndex: number,
  ) {}

  /** Starts one iteration (after the setup, when it has not succeeded yet). */
  start(intendedUs: number): void {
    this.running = true;
    this.intendedUs = intendedUs;
    this.idx = 0;
    this.setupOk = true;
    this.phase = !this.setupDone && this.scenario.setup.length > 0 ? PHASE_SETUP : PHASE_FLOW;
    this.advance(null);
  }

  /**
   * The run is stopping: a runner that is thinking (no request out) stops at once and returns
   * true; one waiting for a response returns false and ends after it (see `stopping`).
   */
  interruptIfThinking(): boolean {
    if (this.thinkTimer === null) return false;
    this.cancel();
    return true;
  }

  /** Stops a pending think (the run is over); the iteration ends without its remaining steps. */
  cancel(): void {
    if (this.thinkTimer !== null) {
      clearTimeout(this.thinkTimer);
      this.thinkTimer = null;
    }
    this.running = false;
    this.phase = PHASE_DONE;
  }

  /** Calls `visit` with the intended start (µs) of this context's outstanding request, if any. */
  visitOutstanding(visit: (intendedUs: number) => void): void {
    if (this.awaitingEndpoint >= 0) visit(this.intendedUs);
  }

  /**
   * The run was cut while this context's request was out: records it as a timeout at its age (a
   * lower bound of its latency) so that it is not lost from the latency figures. Returns whether
   * there was one.
   */
  abandonOutstanding(nowUs: number): boolean {
    const e = this.awaitingEndpoint;
    if (e < 0) return false;
    this.awaitingEndpoint = -1;
    this.host.recorder.record(e, this.intendedUs, this.intendedUs, nowUs, 0, KIND.timeout, 0, this.bytes.length);
    return true;
  }

  onExchangeEnd(conn: Connection): void {
    const host = this.host;
    const step = this.step!;
    this.awaitingEndpoint = -1;
    host.outstanding--;
    host.ioEpoch++;
    const status = conn.status;
    host.recorder.record(step.endpoint, this.intendedUs, conn.sentUs, conn.doneUs, status, conn.errorKind, conn.bytesIn, this.bytes.length);
    const req = step.req;
    if (req.capture !== undefined || req.expect !== undefined) {
      if (status > 0) {
        const view: ResponseView = {
          status,
          headers: step.keepHeaders ? conn.headers : {},
          body: step.keepBody ? conn.body() : EMPTY,
          durationMs: (conn.doneUs - this.intendedUs) / 1000,
        };
        if (req.capture !== undefined) {
          const out = req.capture.apply(view, this.vars);
          if (out.missing.length > 0 && this.phase === PHASE_SETUP) this.setupOk = false;
          const captured = host.health.captured;
          for (const n of out.captured) if (!captured.has(n)) captured.add(n);
        }
        if (req.expect !== undefined) {
          const c = req.expect.run(view);
          host.recorder.recordChecks(step.endpoint, conn.doneUs, c.passes, c.fails);
        }
      } else if (req.expect !== undefined) {
        host.recorder.recordChecks(step.endpoint, conn.doneUs, 0, req.expect.names.length);
      }
    }
    if (this.phase === PHASE_SETUP && (conn.errorKind !== 0 || status >= 400)) this.setupOk = false;
    if (this.phase === PHASE_DONE) return; // cancelled while the request was out
    if (host.stopping) {
      this.running = false;
      this.phase = PHASE_DONE;
      host.iterationDone(this, conn.doneUs);
      return;
    }
    this.intendedUs = conn.doneUs;
    this.idx++;
    this.advance(conn.doneUs);
  }

  /**
   * Runs the steps from `idx` on until one waits (a request or a think). `eventUs` is when the
   * event that moved the runner on happened (a response completed, a think ended), or null at the
   * start of an iteration: an iteration that ends right here is recorded at that instant, so one
   * clock read per event serves every record made for it.
   */
  private advance(eventUs: number | null): void {
    for (;;) {
      const steps: ExecStep[] = this.phase === PHASE_SETUP ? this.scenario.setup : this.scenario.flow;
      if (this.idx >= steps.length) {
        if (this.phase === PHASE_SETUP) {
          this.setupDone = this.setupOk;
          if (!this.setupTried) {
            this.setupTried = true;
            this.host.health.setupVus++;
          }
          if (this.setupOk) this.host.health.setupOkVus++;
          this.phase = PHASE_FLOW;
          this.idx = 0;
          continue;
        }
        const t = this.host.defaultThink;
        if (t !== null && !this.scenario.flowThinks) {
          this.thinkTimer = setTimeout(this.afterDefaultThink, this.thinkMs(t.minMs, t.maxMs));
          return;
        }
        this.end(eventUs);
        return;
      }
      const s = steps[this.idx]!;
      if (s.kind === 'think') {
        if (this.phase === PHASE_FLOW && this.idx === steps.length - 1 && this.host.skipTrailingThink) {
          this.idx++;
          continue;
        }
        this.thinkTimer = setTimeout(this.afterThink, this.thinkMs(s.minMs, s.maxMs));
        return;
      }
      this.sendStep(s);
      return;
    }
  }

  private sendStep(s: RequestExec): void {
    this.step = s;
    if (s.staticBytes !== null) {
      this.bytes = s.staticBytes;
    } else {
      const built = s.req.build(this.vars, this.missing);
      if (this.missing.length > 0) {
        this.host.noteMissing(this.missing);
        this.missing.length = 0;
      }
      this.bytes = encodeRequest(built, this.host.hostHeader);
    }
    this.isHead = s.isHead;
    this.keepBody = s.keepBody;
    this.keepHeaders = s.keepHeaders;
    this.timeoutMs = s.req.timeoutMs;
    this.awaitingEndpoint = s.endpoint;
    this.host.outstanding++;
    this.host.send(this);
  }

  /** The iteration is over; `atUs` is now when known (null: read the clock). */
  private end(atUs: number | null): void {
    this.running = false;
    this.phase = PHASE_DONE;
    const now = atUs ?? this.host.clock.nowUs();
    this.host.recorder.recordIteration(now);
    this.host.iterationDone(this, now);
  }

  private thinkMs(minMs: number, maxMs: number): number {
    return maxMs > minMs ? minMs + this.host.rng() * (maxMs - minMs) : minMs;
  }
}

const EMPTY = Buffer.alloc(0);
