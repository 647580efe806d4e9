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
 *
 * Flow control (compile.ts): loops and ifs are jumps over the flat step list; a loop keeps its
 * counter in the runner's loop state, an if tests the previous response's status or a variable.
 *
 * Data rows (data.ts): when the scenario reads a table, the runner draws its rows as the iteration
 * starts; a unique table with no row left fails the iteration (reported with its message) and
 * marks the runner `exhausted` (the closed model then stops that VU).
 *
 * Cookies: when the plan keeps them (the default), the runner creates its cookie jar
 * (tough-cookie: domain, path, expiry and Secure rules) on the first `Set-Cookie` it receives, and
 * from then on sends the jar's cookies for each request's URL. Until a server sets a cookie the
 * runner does exactly what it did without cookies (the parser picks Set-Cookie out of the head at
 * the cost of one byte test per header line). Cookie values never leave the worker; the worker's
 * secret registry learns them so that an error message quoting one is scrubbed.
 */
import { newCookieJar, type CookieJar } from './cookie-jar.js';
import type { Connection, ExchangeSink } from './http/connection.js';
import type { PoolRequest } from './http/pool.js';
import { encodeRequest } from './http/request-bytes.js';
import type { EngineScenario, ExecStep, LoopInitExec, RequestExec } from './compile.js';
import type { Clock } from './clock.js';
import type { Recorder } from '../metrics/recorder.js';
import { KIND } from '../metrics/error-kinds.js';
import type { Rng } from './rng.js';
import { Vars } from './scenario/template.js';
import type { ResponseView } from './scenario/response.js';
import { DataExhausted, VuRows, type DataTable } from './data.js';
import type { BuiltRequest } from './scenario/request.js';
import type { ProtocolOwner } from './protocol-owner.js';
import { WsSession } from './ws/session.js';
import { GrpcSession } from './grpc/session.js';

/** The run's data tables as a worker holds them. */
export interface HostData {
  tables: readonly DataTable[];
  byName: ReadonlyMap<string, number>;
}

/** What a model needs of a VU context, YAML flow or script alike. */
export interface VuRunner {
  readonly scenarioIndex: number;
  conn: Connection | null;
  index: number;
  retiring: boolean;
  running: boolean;
  /** its data table ran out of unique rows: it cannot run another iteration */
  exhausted: boolean;
  start(intendedUs: number): void;
  interruptIfThinking(): boolean;
  cancel(): void;
  /** calls `visit` with the intended start (µs) of its outstanding request, if any */
  visitOutstanding(visit: (intendedUs: number) => void): void;
  /** the run was cut with its request out: records it as a timeout at its age; returns whether there was one */
  abandonOutstanding(nowUs: number): boolean;
}

/** What both models are given to host VU contexts (YAML flows and scripts). */
export interface VuHostOptions {
  onMissing: (names: string[]) => void;
  /** target origin, for cookie URLs */
  origin: string;
  /** keep a cookie jar per VU */
  cookies: boolean;
  data: HostData | null;
  /** makes a VU context for scenario `si` (a YAML flow or a script) */
  createRunner: (host: FlowHost, scenario: EngineScenario, si: number) => VuRunner;
  onIterationFailed: (message: string, atUs: number) => void;
  learnSecret: (value: string) => void;
}

/** What a flow needs from the model that runs it. */
export interface FlowHost {
  readonly clock: Clock;
  readonly recorder: Recorder;
  readonly rng: Rng;
  /** Host header value */
  readonly hostHeader: string;
  /** `scheme://host[:port]` of the target (cookie URLs) */
  readonly origin: string;
  /** keep a cookie jar per VU */
  readonly cookies: boolean;
  /** the run's data tables; null when the plan has none */
  readonly data: HostData | null;
  /** open model: skip a think that ends the flow */
  readonly skipTrailingThink: boolean;
  /** closed model: think after an iteration whose flow has none */
  readonly defaultThink: { minMs: number; maxMs: number } | null;
  /** sends the runner's current request (pool or own connection); the runner is the sink */
  send(runner: ExchangeSink & PoolRequestLike): void;
  /**
   * The iteration ended at `atUs` (µs, run clock: the completion of its last response, or the
   * clock read when it ended some other way), so that the host can start the next one from there
   * without reading the clock again.
   */
  iterationDone(runner: VuRunner, atUs: number): void;
  /** an iteration failed (a script threw, no data row was left): counted with its message */
  iterationFailed(message: string, atUs: number): void;
  /** learns a secret value (a cookie) so that messages quoting it are scrubbed */
  learnSecret(value: string): void;
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

/** What the host's send needs: the request fields of a PoolRequest and a connection slot. */
export interface PoolRequestLike extends PoolRequest {
  conn: Connection | null;
}

interface LoopState {
  i: number;
  n: number;
  items: string[] | null;
}

const PHASE_SETUP = 0;
const PHASE_FLOW = 1;
const PHASE_DONE = 2;

export class FlowRunner implements ExchangeSink, PoolRequest, VuRunner {
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
  exhausted = false;
  /** the VU's cookie jar, created on the first Set-Cookie */
  jar: CookieJar | null = null;

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
  /** status of the previous response (0: none): `if: { status }` */
  private lastStatus = 0;
  /** the request-target of the request out (cookie URLs) */
  private reqPath = '';
  private readonly loops: LoopState[];
  private readonly rows: VuRows | null;
  /** the VU context's WebSocket and gRPC client, made on their first step (engine/ws, engine/grpc) */
  private ws: WsSession | null = null;
  private grpc: GrpcSession | null = null;
  /** a ws/grpc exchange is out: its intended start (µs), for visit/abandonOutstanding */
  private protoOutUs = -1;
  private protoOwner: ProtocolOwner | null = null;
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
    rng: () => number = host.rng,
  ) {
    this.loops = Array.from({ length: scenario.loopSlots }, () => ({ i: 0, n: 0, items: null }));
    const d = host.data;
    if (d !== null && scenario.dataUsed.length > 0) {
      this.rows = new VuRows(d.tables, d.byName, rng, 0);
      this.vars.rows = this.rows;
    } else this.rows = null;
  }

  /** Starts one iteration (after the setup, when it has not succeeded yet). */
  start(intendedUs: number): void {
    this.running = true;
    this.intendedUs = intendedUs;
    this.idx = 0;
    this.setupOk = true;
    if (this.rows !== null) {
      this.rows.vuIndex = this.index;
      try {
        this.rows.begin(this.scenario.dataUsed);
      } catch (err) {
        if (!(err instanceof DataExhausted)) throw err;
        this.exhausted = true;
        this.running = false;
        this.phase = PHASE_DONE;
        const now = this.host.clock.nowUs();
        this.host.iterationFailed(err.message, now);
        this.host.iterationDone(this, now);
        return;
      }
    }
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
    if (this.ws !== null) this.ws.drop();
    if (this.grpc !== null) this.grpc.close();
    if (this.protoOutUs >= 0 && this.awaitingEndpoint >= 0) {
      this.awaitingEndpoint = -1;
      this.host.outstanding--;
    }
    this.protoOutUs = -1;
  }

  /** Calls `visit` with the intended start (µs) of this context's outstanding request, if any. */
  visitOutstanding(visit: (intendedUs: number) => void): void {
    if (this.awaitingEndpoint >= 0) visit(this.protoOutUs >= 0 ? this.protoOutUs : this.intendedUs);
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
    if (this.protoOutUs >= 0) {
      const t = this.protoOutUs;
      this.protoOutUs = -1;
      this.host.outstanding--;
      this.host.recorder.record(e, t, t, nowUs, 0, KIND.timeout, 0, 0);
      return true;
    }
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
    this.lastStatus = status;
    const setCookies = conn.parser.setCookies;
    if (setCookies !== null && host.cookies) this.keepCookies(setCookies);
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
      switch (s.kind) {
        case 'request':
          this.sendStep(s);
          return;
        case 'ws':
          (this.ws ??= new WsSession(this.owner(), this.host.origin.replace(/^http/, 'ws'), false)).run(s, this.intendedUs);
          return;
        case 'grpc':
          (this.grpc ??= new GrpcSession(this.owner(), this.host.origin.replace(/^https?:\/\//, ''), this.host.origin.startsWith('https:'))).run(s, this.intendedUs);
          return;
        case 'think':
          if (this.phase === PHASE_FLOW && this.idx === steps.length - 1 && this.host.skipTrailingThink) {
            this.idx++;
            continue;
          }
          this.thinkTimer = setTimeout(this.afterThink, this.thinkMs(s.minMs, s.maxMs));
          return;
        case 'loop-init':
          this.loopInit(s);
          continue;
        case 'loop-next': {
          const l = this.loops[s.slot]!;
          l.i++;
          if (l.i < l.n) {
            this.loopVars(l, this.loopInitOf(s.body));
            this.idx = s.body;
          } else this.idx++;
          continue;
        }
        case 'branch':
          this.idx = s.test(this.lastStatus, this.vars) ? this.idx + 1 : s.otherwise;
          continue;
        case 'jump':
          this.idx = s.to;
          continue;
      }
    }
  }

  private loopInitOf(body: number): LoopInitExec {
    const steps = this.phase === PHASE_SETUP ? this.scenario.setup : this.scenario.flow;
    return steps[body - 1] as LoopInitExec;
  }

  private loopInit(s: LoopInitExec): void {
    const l = this.loops[s.slot]!;
    l.i = 0;
    l.items = null;
    if (s.overData !== null) {
      l.items = this.host.data!.tables[s.overData.table]!.columnValues(s.overData.col);
    } else if (s.overVar !== null) {
      const text = this.vars.get(s.overVar);
      let list: unknown;
      try {
        list = text === undefined ? undefined : JSON.parse(text);
      } catch {
        list = undefined;
      }
      if (Array.isArray(list)) l.items = list.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
      else {
        this.missing.push(s.overVar);
        this.host.noteMissing(this.missing);
        this.missing.length = 0;
        l.items = [];
      }
    }
    l.n = l.items === null ? s.count : l.items.length;
    if (l.n === 0) {
      this.idx = s.exit;
      return;
    }
    this.loopVars(l, s);
    this.idx++;
  }

  /** Sets the loop's variables for element `l.i`: `<as>_index`, and `<as>` (with `<as>.key` for an object's fields). */
  private loopVars(l: LoopState, s: LoopInitExec): void {
    this.vars.set(s.asIndex, String(l.i));
    if (l.items === null) {
      this.vars.set(s.as, String(l.i));
      return;
    }
    const item = l.items[l.i]!;
    this.vars.set(s.as, item);
    if (item.charCodeAt(0) === 123 /* { */) {
      try {
        const o = JSON.parse(item) as Record<string, unknown>;
        for (const [k, v] of Object.entries(o)) this.vars.set(`${s.as}.${k}`, typeof v === 'string' ? v : JSON.stringify(v));
      } catch {
        // not an object after all: the element is its text
      }
    }
  }

  /** Stores the response's cookies in the VU's jar (created on the first). */
  private keepCookies(setCookies: string[]): void {
    const jar = (this.jar ??= newCookieJar());
    const url = this.host.origin + (this.reqPath !== '' ? this.reqPath : this.step!.req.build(this.vars).path);
    for (const sc of setCookies) {
      try {
        const c = jar.setCookieSync(sc, url, { ignoreError: true });
        if (c) this.host.learnSecret(c.value);
      } catch {
        // a cookie the rules refuse (another domain, a bad date): ignored, as a browser does
      }
    }
  }

  private sendStep(s: RequestExec): void {
    this.step = s;
    if (s.staticBytes !== null && this.jar === null) {
      this.bytes = s.staticBytes;
      this.reqPath = ''; // a static request's path is looked up only if a cookie comes back
    } else {
      let built = s.req.build(this.vars, this.missing);
      if (this.missing.length > 0) {
        this.host.noteMissing(this.missing);
        this.missing.length = 0;
      }
      this.reqPath = built.path;
      if (this.jar !== null) built = withCookies(built, this.jar.getCookieStringSync(this.host.origin + built.path));
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

  /** What the ws/grpc sessions call back (see protocol-owner.ts). */
  private owner(): ProtocolOwner {
    if (this.protoOwner !== null) return this.protoOwner;
    const host = this.host;
    this.protoOwner = {
      host,
      vars: this.vars,
      out: (endpoint, intendedUs) => {
        if (this.awaitingEndpoint < 0) host.outstanding++;
        this.awaitingEndpoint = endpoint;
        this.protoOutUs = intendedUs;
      },
      stepEnded: (doneUs, goOn) => this.protocolStepEnded(doneUs, goOn),
      lostSetupSocket: () => {
        this.setupDone = false;
      },
      noteMissing: (names) => host.noteMissing(names),
    };
    return this.protoOwner;
  }

  /** A ws/grpc step ended at `doneUs`: the next step starts from there (`goOn` false: the iteration ends). */
  private protocolStepEnded(doneUs: number, goOn: boolean): void {
    const host = this.host;
    if (this.awaitingEndpoint >= 0 && this.protoOutUs >= 0) {
      this.awaitingEndpoint = -1;
      host.outstanding--;
    }
    this.protoOutUs = -1;
    host.ioEpoch++;
    if (this.phase === PHASE_DONE) return; // cancelled while out
    if (!goOn && this.phase === PHASE_SETUP) this.setupOk = false;
    if (host.stopping || !goOn) {
      if (host.stopping) {
        this.running = false;
        this.phase = PHASE_DONE;
        this.closeArrivalSocket();
        host.iterationDone(this, doneUs);
        return;
      }
      this.end(doneUs);
      return;
    }
    this.intendedUs = doneUs;
    this.idx++;
    this.advance(doneUs);
  }

  /** Open model: each arrival is one connection, closed when its flow ends (the closed model's VUs keep theirs). */
  private closeArrivalSocket(): void {
    if (this.ws !== null && this.host.skipTrailingThink) this.ws.endArrival();
  }

  /** The iteration is over; `atUs` is now when known (null: read the clock). */
  private end(atUs: number | null): void {
    this.closeArrivalSocket();
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

/** The request with the jar's cookies added to its own Cookie header, if any. */
export function withCookies(built: BuiltRequest, cookies: string): BuiltRequest {
  if (cookies === '') return built;
  const headers = built.headers.slice();
  const i = headers.findIndex(([k]) => k.toLowerCase() === 'cookie');
  if (i >= 0) headers[i] = [headers[i]![0], `${headers[i]![1]}; ${cookies}`];
  else headers.push(['cookie', cookies]);
  return { ...built, headers };
}
