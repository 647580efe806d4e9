/**
 * Runs a plan: starts the load workers (worker_threads), each with its slice of the schedule (open
 * model) or its share of the VUs (closed model), merges their per-second snapshots into seconds,
 * feeds each second to the caller (log, progress, incident guard), and ends with the run's totals.
 *
 * The main thread does no load work: it merges, samples the generator's own health (process CPU,
 * main event-loop delay, RSS, worker busy share), and steers (stop, cut). Default worker count: one
 * (bench/README.md "workers": on two cores with the target on the same machine one load thread
 * leaves the other core to the target; more only pays when there are cores to spare).
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Plan, Stage } from '../plan/schema.js';
import { resolveLoad } from '../plan/patterns.js';
import type { SecondSnapshot } from '../metrics/recorder.js';
import type { PointStore } from '../metrics/point-store.js';
import { RunTotals, SecondCollector, mergeSecond, type EndpointInfo, type GeneratorSecond, type SecondRecord } from '../metrics/timeline.js';
import { RateCurve } from './schedule/rate-curve.js';
import { compilePlan } from './compile.js';
import { MAX_FAILURE_MESSAGES, type FromWorker, type IterationFailures, type ToWorker, type WorkerConfig, type WorkerDone } from './worker-protocol.js';
import { loadDataSets } from './data.js';
import { compileScript, type CompiledScript } from './script/compile.js';
import { LoadproofError, type ErrorCode } from '../errors.js';
import type { Result } from '../result/types.js';
import { retargetStages } from './schedule/retarget.js';
import { WHOLE, stripeOf, stripeShare, type SegmentSpec } from './schedule/segment.js';

/** The shortest wall time a generator CPU figure is measured over, µs (see generatorSample). */
const MIN_CPU_WINDOW_US = 500_000;

/** Default open-model cap on iterations in flight. */
export const DEFAULT_MAX_IN_FLIGHT = 10_000;
/** Default precise-wait window of the open-model pacer, µs (bench/README.md "send lag"). */
export const DEFAULT_SPIN_US = 0;
/** How far ahead of the 'start' message the run's clock starts, ms. */
const START_LEAD_MS = 50;
/** A retarget reaches the workers this far ahead of its instant at least, s. */
const RETARGET_MARGIN_SEC = 0.05;
/** Grace for in-flight requests when the run is stopped early (abort, Ctrl-C), ms. */
export const STOP_GRACE_MS = 5_000;

export interface RunOptions {
  plan: Plan;
  /** override the plan's target URL */
  target?: string;
  /** load worker threads (default: 1) */
  workers?: number;
  /** seed for Poisson arrivals, scenario choice, think times and random templates */
  seed?: number;
  /** open-model pacer's precise-wait window, µs */
  spinUs?: number;
  /** stages to run (default: resolved from the plan) */
  stages?: Stage[];
  /** called for every merged second, in order; return a stop request to end the run early */
  onSecond?: (record: SecondRecord, totals: RunTotals) => StopRequest | null | void;
  /** where the run's finished timeline points wait for the result (default: in memory; point-store.ts) */
  pointStore?: PointStore;
  /** called once the workers are started, with the run's start time */
  onStart?: (info: StartInfo) => void;
  /** the segment of a distributed run to run (default: the whole run); unique data rows are partitioned between segments */
  segment?: SegmentSpec;
  /** local (source) IP address for the load's connections */
  localAddress?: string;
  /**
   * Start the run's clock at this wall-clock instant (`--start-at`): all segments of a
   * distributed run start together, to within their hosts' clock offsets. When the workers are
   * ready only after it, the run starts at once and the lateness is recorded as the start skew.
   */
  startAt?: Date;
}

/** How the run started. */
export interface StartInfo {
  startedAt: Date;
  endpoints: EndpointInfo[];
  workers: number;
  cores: number;
  /** requested start instant (`startAt`), when one was given */
  startAt?: Date;
  /**
   * Start skew, ms: the run's zero on this host's wall clock minus the requested instant. 0 when
   * the workers were ready in time (the zero is then the requested instant, held on the monotonic
   * clock); positive when they were ready only after it (the run started late by that much). The
   * offset of this host's clock from the others' is not in it (see `clockOffsetMs` in the log).
   */
  startSkewMs?: number;
}

export interface StopRequest {
  reason: 'aborted' | 'interrupted';
  rule?: string;
  message?: string;
  graceMs?: number;
}

export interface RunOutcome {
  startedAt: Date;
  endedAt: Date;
  durationSec: number;
  totals: RunTotals;
  endpoints: EndpointInfo[];
  stop: NonNullable<Result['stop']>;
  workers: number;
  cores: number;
  model: 'open' | 'closed';
  /** requests still out when the grace ran out */
  abandoned: number;
  /** unset template variables: name → times */
  missing: Record<string, number>;
  /** VU contexts that ran a setup, and those whose setup succeeded (all workers) */
  setupVus: number;
  setupOkVus: number;
  /** capture names some response set (all workers) */
  captured: string[];
  /** iterations that failed (a script threw, a data table ran out), with the first messages */
  failures: IterationFailures;
  segment: SegmentSpec;
  /** the stages as run: the planned ones, or those a retarget (adaptive refinement) made of them */
  stages: Stage[];
  /** the protocol the workers spoke ('http/1.1', 'h2', 'h2c'; 'mixed' if they differed) */
  protocol?: string;
}

/** A running experiment. */
export interface RunHandle {
  /** settles when every worker finished and every second was merged */
  readonly done: Promise<RunOutcome>;
  /** stops early: no new arrivals or iterations; in-flight requests get a grace */
  stop(req: StopRequest): void;
  /** ends now: whatever is in flight is abandoned */
  cut(): void;
  /**
   * Open model: from `atSec` (s since the start) on, the schedule follows `stages` instead of the
   * rest of the plan's, ending in an open hold at their last target when `open` (schedule/
   * retarget.ts). Every worker gets the same change, so their round-robin split stays exact.
   * An instant already past (or too close to reach the workers) becomes the next whole second
   * that is not. Returns the instant applied; null (and nothing changes) when the run is stopping
   * or its schedule ends before that instant, or in the closed model.
   */
  retarget(atSec: number, stages: Stage[], open: boolean): number | null;
}

/** The default number of load workers for this machine (see the module comment). */
export function defaultWorkers(): number {
  return 1;
}

/** Cores this process may use (respects CPU affinity, e.g. `taskset`). */
export function usableCores(): number {
  return availableParallelism();
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

export function startRun(opts: RunOptions): RunHandle {
  const plan = opts.plan;
  const load = resolveLoad(plan);
  const stages = opts.stages ?? load.stages;
  const model = load.model;
  const workers = Math.max(1, Math.floor(opts.workers ?? defaultWorkers()));
  const seed = opts.seed ?? (Date.now() & 0x7fffffff);
  const target = opts.target ?? plan.target;
  // data files are read once here and shared with the workers; scripts are compiled once here
  const data = loadDataSets(plan.data, opts.segment);
  const scripts: Array<[number, CompiledScript]> = [];
  plan.scenarios.forEach((s, i) => {
    if (s.script !== undefined) scripts.push([i, compileScript(s.script)]);
  });
  // compile on the main thread first: template errors are reported (exit 2) before any load
  const compiled = compilePlan(plan, { target: new URL(target), encode: false, data, scripts: new Map(scripts) });
  const endpoints = compiled.endpoints;
  const curve = new RateCurve(stages);
  let runStages: Stage[] = stages.map((s) => ({ ...s }));
  const maxRequestTimeoutMs = Math.max(
    plan.defaults?.timeoutMs ?? 10_000,
    ...compiled.scenarios.flatMap((s) => [...s.setup, ...s.flow]).map((x) => (x.kind === 'request' ? x.req.timeoutMs : 0)),
  );
  // in-flight requests may finish after the last stage: by default as long as a request may take
  const gracefulStopMs = plan.load?.gracefulStopMs ?? Math.min(30_000, maxRequestTimeoutMs);
  const maxInFlight = plan.load?.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const maxConnections = plan.load?.connections ?? maxInFlight;
  const segment = opts.segment ?? WHOLE;
  // caps are shared between all stripes of all segments (schedule/segment.ts)
  const share = (total: number, w: number): number => {
    const { stripe, stripes } = stripeOf(segment, w, workers);
    return stripeShare(total, stripe, stripes);
  };

  const totals = new RunTotals(endpoints, opts.pointStore);
  const cores = usableCores();
  const threads: Worker[] = [];
  const dones: WorkerDone[] = [];
  let startedAt = new Date();
  let startHr = 0n;
  let stopInfo: NonNullable<Result['stop']> | null = null;
  let settled = false;
  let cutRequested = false;

  // generator health, sampled as each second is released
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  let lastCpu = process.cpuUsage();
  let lastWallUs = 0;
  /** precise-wait spinning reported since the last CPU figure, µs */
  let spinSinceUs = 0;

  let resolveDone!: (o: RunOutcome) => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<RunOutcome>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });

  const post = (m: ToWorker): void => {
    for (const t of threads) t.postMessage(m);
  };

  const nowUs = (): number => Number(process.hrtime.bigint() - startHr) / 1000;

  const generatorSample = (snaps: SecondSnapshot[]): GeneratorSecond => {
    const wall = nowUs();
    const spinUs = snaps.reduce((a, s) => a + s.spinUs, 0);
    spinSinceUs += spinUs;
    const dWall = wall - lastWallUs;
    // A second flushed right after another (the main thread caught up after a stall) has almost no
    // wall time of its own: CPU over a few ms of wall read as 200–370% on 2 cores. Such a second
    // gets no figure (null), and its CPU and spin count in the next second measured over at least
    // MIN_CPU_WINDOW_US of wall time.
    let cpuPct: number | null = null;
    if (dWall >= MIN_CPU_WINDOW_US) {
      const cpu = process.cpuUsage(lastCpu);
      lastCpu = process.cpuUsage();
      lastWallUs = wall;
      cpuPct = Math.max(0, ((cpu.user + cpu.system - spinSinceUs) / dWall) * 100);
      spinSinceUs = 0;
    }
    const p99 = loopDelay.count > 0 ? loopDelay.percentile(99) / 1e6 : null;
    loopDelay.reset();
    return {
      cpuPct: cpuPct === null ? null : Math.round(cpuPct * 10) / 10,
      eventLoopDelayP99Ms: p99 === null ? null : Math.round(p99 * 100) / 100,
      rssBytes: process.memoryUsage.rss(),
      workerBusyPct: Math.round(Math.max(0, ...snaps.map((s) => s.busy)) * 1000) / 10,
    };
  };

  const collector = new SecondCollector(workers, (sec, snaps, durationSec) => {
    // a segment's offered rate is its share (1/N) of the whole run's: the merged shards add up to it
    const offered = model === 'open' ? curve.expectedBetween(sec, sec + durationSec) / durationSec / segment.count : null;
    const record = mergeSecond(snaps, {
      stage: curve.stageAt(sec),
      offeredRps: offered === null ? null : Math.round(offered * 100) / 100,
      durationSec,
      generator: generatorSample(snaps),
      reportVus: model === 'closed',
    });
    totals.add(record);
    let req: StopRequest | null | void = null;
    try {
      req = opts.onSecond?.(record, totals);
    } catch (err) {
      fail(err);
      return;
    }
    if (req) stop(req);
    maybeFinish();
  });

  const stop = (req: StopRequest): void => {
    if (stopInfo !== null || settled) return;
    // stopped before the workers started: they start and stop at once (an empty, valid result)
    const atSec = startHr === 0n ? 0 : Math.max(0, Math.round(nowUs() / 1e3) / 1e3);
    stopInfo = { reason: req.reason, atSec };
    if (req.rule) stopInfo.rule = req.rule;
    if (req.message) stopInfo.message = req.message;
    post({ type: 'stop', graceMs: req.graceMs ?? STOP_GRACE_MS });
  };

  const cut = (): void => {
    if (settled || cutRequested) return;
    cutRequested = true;
    if (stopInfo === null) stopInfo = { reason: 'interrupted', atSec: startHr === 0n ? 0 : Math.round(nowUs() / 1e3) / 1e3 };
    post({ type: 'cut' });
  };

  const cleanup = (): void => {
    loopDelay.disable();
    for (const t of threads) void t.terminate();
  };

  const fail = (err: unknown): void => {
    if (settled) return;
    settled = true;
    cleanup();
    rejectDone(err);
  };

  const maybeFinish = (): void => {
    if (settled || dones.length < workers || !collector.complete) return;
    settled = true;
    cleanup();
    const endUs = Math.max(...dones.map((d) => d.endUs));
    const durationSec = endUs / 1e6;
    const missing: Record<string, number> = {};
    for (const d of dones) for (const [k, v] of Object.entries(d.missing)) missing[k] = (missing[k] ?? 0) + v;
    resolveDone({
      startedAt,
      endedAt: new Date(startedAt.getTime() + endUs / 1000),
      durationSec,
      totals,
      endpoints,
      stop: stopInfo ?? { reason: 'completed' },
      workers,
      cores,
      model,
      abandoned: dones.reduce((a, d) => a + d.abandoned, 0),
      missing,
      setupVus: dones.reduce((a, d) => a + d.setupVus, 0),
      setupOkVus: dones.reduce((a, d) => a + d.setupOkVus, 0),
      captured: [...new Set(dones.flatMap((d) => d.captured))],
      failures: mergeFailures(dones.map((d) => d.failures)),
      segment,
      stages: runStages,
      ...protocolOf(dones.map((d) => d.protocol)),
    });
  };

  const retarget = (askedSec: number, next: Stage[], open: boolean): number | null => {
    if (model !== 'open' || settled || stopInfo !== null || startHr === 0n) return null;
    // a change asked for an instant already past (a late verdict) takes effect at the next whole
    // second still ahead, with a margin for the message to reach the workers
    const atSec = Math.max(askedSec, Math.ceil(nowUs() / 1e6 + RETARGET_MARGIN_SEC));
    if (!(atSec < curve.durationSec)) return null;
    curve.retarget(atSec, next, open);
    runStages = retargetStages(runStages, atSec, next, open);
    post({ type: 'retarget', atSec, stages: next, open });
    return atSec;
  };

  let ready = 0;
  const onMessage = (m: FromWorker): void => {
    if (settled) return;
    switch (m.type) {
      case 'ready':
        if (++ready === workers) {
          // The run's zero is START_LEAD_MS ahead, so that every worker has the 'start' message (and
          // its pacer armed) before the first arrival is due: no arrival is late by the hand-over.
          // With a requested start instant, the zero is that instant (on this host's wall clock)
          // when it is still far enough ahead; otherwise the run starts now, late.
          const hrNow = process.hrtime.bigint();
          const wallNow = Date.now();
          let leadMs = START_LEAD_MS;
          if (opts.startAt !== undefined) leadMs = Math.max(START_LEAD_MS, opts.startAt.getTime() - wallNow);
          startHr = hrNow + BigInt(Math.round(leadMs * 1e6));
          startedAt = new Date(wallNow + leadMs);
          lastCpu = process.cpuUsage();
          lastWallUs = -leadMs * 1000;
          loopDelay.enable();
          const info: StartInfo = { startedAt, endpoints, workers, cores };
          if (opts.startAt !== undefined) {
            info.startAt = opts.startAt;
            info.startSkewMs = startedAt.getTime() - opts.startAt.getTime();
          }
          opts.onStart?.(info);
          post({ type: 'start', originHrNs: startHr });
        }
        break;
      case 'second':
        collector.add(m.snap);
        break;
      case 'done':
        dones.push(m);
        maybeFinish();
        break;
      case 'failed':
        fail(
          m.code
            ? new LoadproofError(m.code as ErrorCode, m.message, { where: m.where, hint: m.hint })
            : new LoadproofError('LP_INTERNAL', `load worker ${m.worker} failed: ${m.message}`),
        );
        break;
    }
  };

  for (let w = 0; w < workers; w++) {
    const config: WorkerConfig = {
      worker: w,
      workers,
      plan,
      target,
      model,
      stages,
      arrivals: plan.load?.arrivals ?? 'constant',
      seed,
      maxInFlight: share(maxInFlight, w),
      maxConnections: share(maxConnections, w),
      gracefulStopMs,
      spinUs: opts.spinUs ?? DEFAULT_SPIN_US,
      defaultThink: model === 'closed' ? (plan.defaults?.think ?? null) : null,
      data,
      scripts,
      segment,
    };
    if (opts.localAddress !== undefined) config.localAddress = opts.localAddress;
    // workers inherit node's flags (e.g. --import, --cpu-prof), except those only valid for the main script
    const t = new Worker(WORKER_URL, { execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')) });
    t.on('message', onMessage);
    t.on('error', (err) => fail(new LoadproofError('LP_INTERNAL', `load worker ${w} crashed: ${err.message}`)));
    t.on('exit', (code) => {
      if (!settled && dones.every((d) => d.worker !== w)) fail(new LoadproofError('LP_INTERNAL', `load worker ${w} exited (code ${code}) before the run ended`));
    });
    threads.push(t);
    t.postMessage({ type: 'init', config } satisfies ToWorker);
  }

  return { done, stop, cut, retarget };
}

/** The workers' failed iterations together: totals summed, messages merged by text (earliest first). */
export function mergeFailures(list: IterationFailures[]): IterationFailures {
  const byText = new Map<string, { message: string; count: number; firstAtSec: number }>();
  let total = 0;
  for (const f of list) {
    total += f.total;
    for (const m of f.messages) {
      const prev = byText.get(m.message);
      if (prev) {
        prev.count += m.count;
        prev.firstAtSec = Math.min(prev.firstAtSec, m.firstAtSec);
      } else byText.set(m.message, { ...m });
    }
  }
  const messages = [...byText.values()].sort((a, b) => a.firstAtSec - b.firstAtSec).slice(0, MAX_FAILURE_MESSAGES);
  return { total, messages };
}

/** The run's protocol from the workers' (they all speak to one target): one value, or 'mixed'. */
function protocolOf(list: Array<string | undefined>): { protocol?: string } {
  const seen = [...new Set(list.filter((p): p is string => p !== undefined))];
  if (seen.length === 0) return {};
  return { protocol: seen.length === 1 ? seen[0]! : 'mixed' };
}
