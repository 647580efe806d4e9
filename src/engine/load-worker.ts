/**
 * The body of one load worker: compiles the plan, runs its share of the schedule (open model) or of
 * the VUs (closed model), records per second, and reports to the runner. Runs inside a worker
 * thread (worker.ts) — or in-process for tests — through a `post` function.
 */
import { performance } from 'node:perf_hooks';
import { MonotonicClock, type Clock } from './clock.js';
import { compilePlan } from './compile.js';
import { HttpClient, connectTargetOf } from './http/client.js';
import { negotiate, type WireProtocol } from './http/h2.js';
import { ConnectionPool } from './http/pool.js';
import { ArrivalSchedule } from './schedule/arrivals.js';
import { RateCurve } from './schedule/rate-curve.js';
import { OpenModel } from './open-model.js';
import { ClosedModel } from './closed-model.js';
import { Recorder, type SecondSnapshot } from '../metrics/recorder.js';
import { deriveSeed, mulberry32 } from './rng.js';
import { createPicker } from './scenario/pick.js';
import { MAX_FAILURE_MESSAGES, type FromWorker, type IterationFailures, type ToWorker, type WorkerConfig } from './worker-protocol.js';
import { LoadproofError } from '../errors.js';
import { SecretRegistry } from './redact.js';
import { FlowRunner, type FlowHost, type HostData, type VuRunner } from './flow.js';
import type { EngineScenario } from './compile.js';
import type { Stage } from '../plan/schema.js';
import { loadScriptModule, ScriptRunner, type ScriptFn } from './script/runner.js';
import { stripeOf } from './schedule/segment.js';

export class LoadWorker {
  private cfg: WorkerConfig | null = null;
  private clock: Clock | null = null;
  private client: HttpClient | null = null;
  private recorder: Recorder | null = null;
  private model: OpenModel | ClosedModel | null = null;
  private pool: ConnectionPool | null = null;
  private secondTimer: NodeJS.Timeout | null = null;
  private cutTimer: NodeJS.Timeout | null = null;
  private cutAtUs = Infinity;
  /** the cut the schedule itself set (its end + grace); a stop sets an earlier one */
  private plannedCutUs = Infinity;
  private gracefulStopMs = 0;
  private finished = false;
  /** a stop or cut that arrived before 'start': applied as soon as the run starts */
  private early: ToWorker | null = null;
  private readonly missing = new Map<string, number>();
  private elu = performance.eventLoopUtilization();
  private lastLoadUs = 0;
  private compiled: ReturnType<typeof compilePlan> | null = null;
  private scriptFns = new Map<number, ScriptFn>();
  /** learns cookie values, scrubs failure messages */
  private readonly secrets = new SecretRegistry();
  private readonly failures: IterationFailures = { total: 0, messages: [] };
  private readonly failureIndex = new Map<string, number>();
  /** `http.version: auto` on an https target: what ALPN settled on before the run */
  private negotiated: WireProtocol | null = null;

  constructor(private readonly post: (m: FromWorker) => void) {}

  handle(m: ToWorker): void {
    try {
      switch (m.type) {
        case 'init': {
          const loading = this.init(m.config);
          // without scripts the worker is ready at once (as before scripts existed)
          if (loading === null) this.post({ type: 'ready', worker: m.config.worker });
          else loading.then(() => this.post({ type: 'ready', worker: m.config.worker }), (err: unknown) => this.postFailed(err));
          break;
        }
        case 'start':
          this.start(m.originHrNs);
          break;
        case 'stop':
          this.stop(m.graceMs);
          break;
        case 'cut':
          this.cut();
          break;
        case 'retarget':
          this.retarget(m.atSec, m.stages, m.open);
          break;
      }
    } catch (err) {
      this.postFailed(err);
    }
  }

  private postFailed(err: unknown): void {
    const e = err as Error;
    const lp = err instanceof LoadproofError ? err : null;
    this.post({
      type: 'failed',
      worker: this.cfg?.worker ?? -1,
      message: e?.message ?? String(err),
      code: lp?.code,
      where: lp?.where,
      hint: lp?.hint,
    });
  }

  /** Compiles the plan; returns the loading of the script modules, or null when there are none. */
  private init(cfg: WorkerConfig): Promise<void> | null {
    this.cfg = cfg;
    const scripts = cfg.scripts ?? [];
    this.compiled = compilePlan(cfg.plan, {
      target: new URL(cfg.target),
      templates: { rng: mulberry32(deriveSeed(cfg.seed, 1000 + this.stripe().stripe)) },
      data: cfg.data ?? [],
      scripts: new Map(scripts),
    });
    const target = new URL(cfg.target);
    const waits: Array<Promise<unknown>> = [];
    if (target.protocol === 'https:' && (cfg.plan.http?.version ?? 'auto') === 'auto') {
      // one TLS handshake offering h2 and http/1.1: the run speaks what the server picks
      const t = connectTargetOf(target, cfg.plan.defaults?.insecure);
      if (cfg.localAddress !== undefined) t.localAddress = cfg.localAddress;
      waits.push(negotiate(t).then((p) => (this.negotiated = p)));
    }
    if (scripts.length === 0 && waits.length === 0) return null;
    waits.push(...scripts.map(async ([si, script]) => this.scriptFns.set(si, await loadScriptModule(script.code, script.file))));
    return Promise.all(waits).then(() => undefined);
  }

  /** Counts a failed iteration; the first occurrences of each message are kept (scrubbed). */
  private onIterationFailed(message: string, atUs: number): void {
    const f = this.failures;
    f.total++;
    // per second too, so that the timeline shows when they failed (not only the run's total)
    this.recorder?.recordIterationFailed(atUs);
    const text = this.secrets.scrub(message.length > 500 ? `${message.slice(0, 497)}...` : message);
    const i = this.failureIndex.get(text);
    if (i !== undefined) f.messages[i]!.count++;
    else if (f.messages.length < MAX_FAILURE_MESSAGES) {
      this.failureIndex.set(text, f.messages.length);
      f.messages.push({ message: text, count: 1, firstAtSec: Math.round(atUs / 1e3) / 1e3 });
    }
  }

  /** this worker's stripe of the whole run (schedule/segment.ts): its arrivals, VUs and seeds */
  private stripe(): { stripe: number; stripes: number } {
    const cfg = this.cfg!;
    return stripeOf(cfg.segment, cfg.worker, cfg.workers);
  }

  private start(originHrNs: bigint): void {
    const cfg = this.cfg!;
    const { stripe, stripes } = this.stripe();
    const compiled = this.compiled!;
    const clock = new MonotonicClock(originHrNs);
    this.clock = clock;
    const target = new URL(cfg.target);
    this.client = new HttpClient(target, clock, {
      insecure: cfg.plan.defaults?.insecure,
      localAddress: cfg.localAddress,
      http: cfg.plan.http,
      // h2: the plan's connections are sessions (this worker's share); one when unset
      h2Sessions: cfg.plan.load?.connections !== undefined ? cfg.maxConnections : 1,
    });
    if (this.negotiated !== null) this.client.protocol = this.negotiated;
    const rng = mulberry32(deriveSeed(cfg.seed, stripe));
    const pick = createPicker(
      compiled.scenarios.map((s) => s.weight),
      mulberry32(deriveSeed(cfg.seed, 2000 + stripe)),
    );
    const onMissing = (names: string[]): void => {
      for (const n of names) this.missing.set(n, (this.missing.get(n) ?? 0) + 1);
    };
    const onIdle = (): void => this.finish(0);
    this.recorder = new Recorder(
      compiled.endpoints.length,
      cfg.worker,
      {
        inFlight: () => this.model?.outstanding ?? 0,
        outstanding: (visit) => this.model?.visitOutstanding(visit),
        vus: () => (this.model instanceof ClosedModel ? this.model.activeVus : 0),
        load: () => this.load(),
      },
      (snap) => this.post({ type: 'second', snap }),
    );
    const hostHeader = target.host;
    const data: HostData | null = compiled.data.length ? { tables: compiled.data, byName: new Map(compiled.data.map((t, i) => [t.name, i])) } : null;
    const dataRng = mulberry32(deriveSeed(cfg.seed, 3000 + cfg.worker));
    const createRunner = (host: FlowHost, scenario: EngineScenario, si: number): VuRunner => {
      const fn = this.scriptFns.get(si);
      return fn !== undefined && scenario.script !== null ? new ScriptRunner(host, scenario, si, fn, dataRng) : new FlowRunner(host, scenario, si, dataRng);
    };
    const hostOpts = {
      origin: target.origin,
      cookies: cfg.plan.defaults?.cookies ?? true,
      data,
      createRunner,
      onIterationFailed: (message: string, atUs: number) => this.onIterationFailed(message, atUs),
      learnSecret: (value: string) => this.secrets.learn(value),
    };
    if (cfg.model === 'open') {
      // on h2 a pool "connection" is a stream slot; the sessions cap the streams (maxConcurrentStreams)
      this.pool = new ConnectionPool(this.client, this.client.protocol === 'http/1.1' ? cfg.maxConnections : cfg.maxInFlight);
      this.model = new OpenModel({
        clock,
        recorder: this.recorder,
        rng,
        schedule: new ArrivalSchedule(cfg.stages, { arrivals: cfg.arrivals, seed: cfg.seed, worker: stripe, workers: stripes }),
        scenarios: compiled.scenarios,
        pick,
        pool: this.pool,
        hostHeader,
        maxInFlight: cfg.maxInFlight,
        spinUs: cfg.spinUs,
        onMissing,
        onIdle,
        ...hostOpts,
      });
    } else {
      this.model = new ClosedModel({
        clock,
        recorder: this.recorder,
        rng,
        curve: new RateCurve(cfg.stages),
        scenarios: compiled.scenarios,
        pick,
        client: this.client,
        hostHeader,
        worker: stripe,
        workers: stripes,
        defaultThink: cfg.defaultThink,
        gracefulRampDownMs: cfg.gracefulStopMs,
        onMissing,
        onIdle,
        ...hostOpts,
      });
    }
    const totalUs = cfg.stages.reduce((a, s) => a + s.durationMs, 0) * 1000;
    this.elu = performance.eventLoopUtilization();
    this.lastLoadUs = clock.nowUs();
    this.gracefulStopMs = cfg.gracefulStopMs;
    this.armCut(totalUs + cfg.gracefulStopMs * 1000);
    this.plannedCutUs = this.cutAtUs;
    this.armSecond();
    this.model.start();
    if (this.early !== null) this.handle(this.early);
  }

  /** Early stop (abort, interrupt): no new work; what is out gets `graceMs`. */
  private stop(graceMs: number): void {
    if (this.finished) return;
    if (this.model === null) {
      this.early = { type: 'stop', graceMs };
      return;
    }
    this.armCut(this.clock!.nowUs() + graceMs * 1000);
    this.model.stop();
  }

  /** Changes the open model's schedule from `atSec` on; the cut moves to the new end + grace. */
  private retarget(atSec: number, stages: Stage[], open: boolean): void {
    if (this.finished || this.cutAtUs !== this.plannedCutUs) return; // stopped: the grace rules
    if (!(this.model instanceof OpenModel)) throw new Error('retarget: only the open model can be retargeted');
    this.model.retarget(atSec, stages, open);
    const endUs = this.model.scheduleEndUs;
    if (this.cutTimer !== null) clearTimeout(this.cutTimer);
    this.cutTimer = null;
    this.cutAtUs = Infinity;
    this.plannedCutUs = Infinity;
    if (endUs !== Infinity) {
      this.armCut(endUs + this.gracefulStopMs * 1000);
      this.plannedCutUs = this.cutAtUs;
    }
  }

  /** The grace is over: abandon what is still out and finish. */
  private cut(): void {
    if (this.finished) return;
    if (this.model === null) {
      this.early = { type: 'cut' };
      return;
    }
    let abandoned = 0;
    if (this.model !== null) {
      this.model.stop();
      abandoned += this.model.outstanding;
      // recorded before the sockets close: each counts as a timeout at its age
      this.model.abandonOutstanding(this.clock!.nowUs());
      this.model.cancelAll();
    }
    this.pool?.clearQueue();
    this.client?.abandonAll();
    this.finish(abandoned);
  }

  private finish(abandoned: number): void {
    if (this.finished) return;
    this.finished = true;
    if (this.secondTimer !== null) clearTimeout(this.secondTimer);
    if (this.cutTimer !== null) clearTimeout(this.cutTimer);
    this.client?.abandonAll();
    const endUs = this.clock?.nowUs() ?? 0;
    this.recorder?.flushAll(endUs);
    this.post({
      type: 'done',
      worker: this.cfg?.worker ?? -1,
      endUs,
      abandoned,
      missing: Object.fromEntries(this.missing),
      setupVus: this.model?.health.setupVus ?? 0,
      setupOkVus: this.model?.health.setupOkVus ?? 0,
      captured: [...(this.model?.health.captured ?? [])],
      failures: this.failures,
      protocol: this.client?.protocol ?? this.negotiated ?? undefined,
    });
  }

  private armCut(atUs: number): void {
    if (atUs >= this.cutAtUs) return;
    this.cutAtUs = atUs;
    if (this.cutTimer !== null) clearTimeout(this.cutTimer);
    const ms = Math.max(0, (atUs - this.clock!.nowUs()) / 1000);
    this.cutTimer = setTimeout(() => this.cut(), ms);
  }

  /** Wakes just after each second boundary so that quiet seconds are emitted too. */
  private armSecond(): void {
    const now = this.clock!.nowUs();
    const nextBoundaryUs = (Math.floor(now / 1e6) + 1) * 1e6;
    this.secondTimer = setTimeout(() => {
      this.secondTimer = null;
      if (this.finished) return;
      this.recorder!.tick(this.clock!.nowUs());
      this.armSecond();
    }, Math.max(1, (nextBoundaryUs - now) / 1000 + 2));
  }

  /** busy share of the event loop since the last call, spin excluded */
  private load(): { busy: number; spinUs: number } {
    const now = this.clock!.nowUs();
    const e = performance.eventLoopUtilization(this.elu);
    this.elu = performance.eventLoopUtilization();
    const spinUs = this.model instanceof OpenModel ? this.model.takeSpinUs() : 0;
    const wallUs = now - this.lastLoadUs;
    this.lastLoadUs = now;
    const activeUs = e.active * 1000 - spinUs;
    const busy = wallUs > 0 ? Math.min(1, Math.max(0, activeUs / wallUs)) : 0;
    return { busy, spinUs };
  }
}

export type { SecondSnapshot };
