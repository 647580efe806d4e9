/**
 * Synthetic results for the analysis tests: a small discrete-event simulation of a service under
 * an open-model load (evenly spaced arrivals at the plan's rate, like loadproof's own schedule),
 * recorded the way the engine records a run — one timeline point per second with an HdrHistogram
 * of that second's latencies — plus watched series computed from the simulation's own state
 * (busy servers, queue length, CPU time). Each bottleneck case has a designed limit, so tests can
 * check that the analysis finds the cause and a capacity near it.
 *
 * Deterministic: a seeded PRNG (mulberry32) drives every random choice.
 */
import { createHistogram, encodeHistogram, mergeHistograms, recordUs, summarizeMs, pointMs, type Histogram } from '../../src/metrics/histogram.js';
import type { ErrorKind, Result, SeriesInfo, TimelinePoint } from '../../src/result/types.js';
import { RESULT_SCHEMA } from '../../src/result/types.js';

import { mulberry32 } from '../../src/engine/rng.js';
export { mulberry32 };

export interface Stage {
  durationSec: number;
  target: number;
}

/** What happens to one request. */
export interface Outcome {
  /** service time on a server, ms (servers: Infinity → pure latency) */
  serviceMs: number;
  /** fails with this status/kind regardless of time (e.g. a throttled 503) */
  status?: number;
  kind?: ErrorKind;
}

export interface SimOptions {
  stages: Stage[];
  /** parallel servers (pool slots, cores); Infinity: no queueing */
  servers: number;
  /** decides a request's fate from its arrival time (s) and the rate offered then */
  request: (tSec: number, offeredRps: number, rnd: () => number) => Outcome;
  /** client timeout, ms: slower requests are recorded at the timeout as `timeout` errors */
  timeoutMs?: number;
  /**
   * Whether a timed-out request is timed (recorded in the latency histogram at the timeout, as k6
   * does). false records it as loadproof did before issue 11: counted as an error of kind
   * `timeout`, not timed — a second in which only timeouts ended has no latency. Default true.
   */
  timeoutsTimed?: boolean;
  /**
   * Servers (pool connections) leaked by time t (s), a non-decreasing count: a leaked server never
   * serves again (a client checked out of the pool and never released). Default: none.
   */
  leakedBy?: (tSec: number) => number;
  /**
   * Acquire timeout, ms: a request that would wait longer than this for a server fails at this
   * age with a 500 and never takes a server (pg's `connectionTimeoutMillis`). Default: it waits.
   */
  acquireTimeoutMs?: number;
  seed?: number;
}

/** Per-second state of the simulation, for watched series. */
export interface SecondState {
  t: number;
  offeredRps: number;
  completed: number;
  errors: number;
  /** server-busy milliseconds started in this second (CPU time when a server is a core) */
  busyMs: number;
  /** requests holding a server at the second's start */
  inService: number;
  /** requests waiting for a server at the second's start */
  waiting: number;
  inFlight: number;
  p95Ms: number;
}

export interface Simulation {
  timeline: TimelinePoint[];
  states: SecondState[];
  all: Histogram;
  statusCodes: Record<string, number>;
  errorKinds: Partial<Record<ErrorKind, number>>;
  requests: number;
  errors: number;
  durationSec: number;
}

/** The offered rate at time t (s): stages ramp linearly from the previous target, as in k6. */
export function rateAt(stages: Stage[], t: number): number {
  let start = 0;
  let prev = 0;
  for (const s of stages) {
    if (t < start + s.durationSec) return prev + ((s.target - prev) * (t - start)) / s.durationSec;
    start += s.durationSec;
    prev = s.target;
  }
  return 0;
}

export function simulate(o: SimOptions): Simulation {
  const rnd = mulberry32(o.seed ?? 42);
  const total = o.stages.reduce((a, s) => a + s.durationSec, 0);
  const free: number[] = Number.isFinite(o.servers) ? new Array<number>(o.servers).fill(0) : [];
  const hists = Array.from({ length: total + 60 }, () => createHistogram());
  const codes = Array.from({ length: total + 60 }, () => ({}) as Record<string, number>);
  const kinds = Array.from({ length: total + 60 }, () => ({}) as Partial<Record<ErrorKind, number>>);
  const completed = new Array<number>(total + 60).fill(0);
  const errors = new Array<number>(total + 60).fill(0);
  const busy = new Array<number>(total + 60).fill(0);
  const spans: Array<[number, number, number]> = []; // arrival, service start, client end (s)
  const statusCodes: Record<string, number> = {};
  const errorKinds: Partial<Record<ErrorKind, number>> = {};
  let requests = 0;
  let nErr = 0;
  // Arrival n is due when the integral of the rate reaches n (the engine's schedule): stepping
  // 1 ms at a time keeps ramps from zero exact without solving the integral.
  const arrivals: number[] = [];
  let acc = 0;
  for (let step = 0; step < total * 1000; step++) {
    const tt = step / 1000;
    acc += rateAt(o.stages, tt + 0.0005) / 1000;
    if (acc >= 1) {
      acc -= 1;
      arrivals.push(tt);
    }
  }
  let leaked = 0;
  for (const t of arrivals) {
    const r = rateAt(o.stages, t);
    const out = o.request(t, r, rnd);
    // a leaked server is taken for good: the one free soonest (its current request still ends)
    for (const due = Math.min(free.length, o.leakedBy?.(t) ?? 0); leaked < due; leaked++) {
      let k = 0;
      for (let i = 1; i < free.length; i++) if (free[i]! < free[k]!) k = i;
      free[k] = Infinity;
    }
    let start = t;
    let end = t + out.serviceMs / 1000;
    let status = out.status ?? 200;
    let kind: ErrorKind | undefined = out.kind;
    if (free.length) {
      let k = 0;
      for (let i = 1; i < free.length; i++) if (free[i]! < free[k]!) k = i;
      start = Math.max(t, free[k]!);
      if (o.acquireTimeoutMs !== undefined && (start - t) * 1000 > o.acquireTimeoutMs) {
        // gave up waiting for a server: answered 500 at the acquire timeout, no server taken
        start = Infinity;
        end = t + o.acquireTimeoutMs / 1000;
        status = 500;
      } else {
        end = start + out.serviceMs / 1000;
        free[k] = end;
        if (Number.isFinite(start)) busy[Math.floor(start)] = (busy[Math.floor(start)] ?? 0) + out.serviceMs;
      }
    }
    let latencyMs = (end - t) * 1000;
    if (o.timeoutMs !== undefined && latencyMs > o.timeoutMs) {
      latencyMs = o.timeoutMs;
      kind = 'timeout';
      status = 0;
    }
    const clientEnd = t + latencyMs / 1000;
    const sec = Math.floor(clientEnd);
    spans.push([t, start, clientEnd]);
    if (sec < hists.length) {
      if (kind !== 'timeout' || o.timeoutsTimed !== false) recordUs(hists[sec]!, latencyMs * 1000);
      completed[sec]!++;
      requests++;
      const failed = kind !== undefined || status >= 400;
      if (failed) {
        errors[sec]!++;
        nErr++;
        const k = kind ?? 'status';
        kinds[sec]![k] = (kinds[sec]![k] ?? 0) + 1;
        errorKinds[k] = (errorKinds[k] ?? 0) + 1;
      }
      if (status > 0) {
        codes[sec]![String(status)] = (codes[sec]![String(status)] ?? 0) + 1;
        statusCodes[String(status)] = (statusCodes[String(status)] ?? 0) + 1;
      }
    }
  }
  // the run ends when the schedule ends plus a grace for in-flight requests (at most 5 s)
  const lastEnd = Math.min(total + 5, Math.ceil(spans.reduce((m, s) => Math.max(m, s[2]), total)));
  const timeline: TimelinePoint[] = [];
  const states: SecondState[] = [];
  // requests in flight / in service / waiting at each whole second: each span adds itself to the
  // seconds it covers (a ≤ s < end), split at its service start
  const inFlightAt = new Array<number>(lastEnd + 1).fill(0);
  const inServiceAt = new Array<number>(lastEnd + 1).fill(0);
  for (const [a, st, e] of spans) {
    for (let s = Math.ceil(a); s < e && s < lastEnd; s++) {
      inFlightAt[s]!++;
      if (st <= s) inServiceAt[s]!++;
    }
  }
  for (let s = 0; s < lastEnd; s++) {
    const inFlight = inFlightAt[s]!;
    const inService = inServiceAt[s]!;
    const waiting = inFlight - inService;
    const h = hists[s]!;
    const pm = pointMs(h);
    timeline.push({
      t: s,
      durationSec: 1,
      offeredRps: s < total ? Math.round(rateAt(o.stages, s + 0.5) * 100) / 100 : 0,
      rps: completed[s]!,
      errors: errors[s]!,
      inFlight,
      vus: null,
      latencyMs: pm,
      statusCodes: codes[s]!,
      errorKinds: kinds[s]!,
      ...(h.totalCount > 0 ? { hdr: encodeHistogram(h) } : {}),
    });
    states.push({
      t: s,
      offeredRps: s < total ? rateAt(o.stages, s + 0.5) : 0,
      completed: completed[s]!,
      errors: errors[s]!,
      busyMs: busy[s] ?? 0,
      inService,
      waiting,
      inFlight,
      p95Ms: pm?.p95 ?? 0,
    });
  }
  return { timeline, states, all: mergeHistograms(hists.slice(0, lastEnd)), statusCodes, errorKinds, requests, errors: nErr, durationSec: lastEnd };
}

/** A watched series from the simulation state, one point per second. */
export function series(
  states: SecondState[],
  unit: string,
  value: (s: SecondState, rnd: () => number) => number | null,
  info: Omit<SeriesInfo, 'unit' | 'points'> = {},
  seed = 7,
): SeriesInfo {
  const rnd = mulberry32(seed);
  return { unit, watcher: info.watcher, target: info.target, role: info.role, points: states.map((s) => [s.t, value(s, rnd)]) };
}

export interface BuildOptions {
  name: string;
  pattern: string;
  thresholds?: Record<string, string[]>;
  watch?: Record<string, SeriesInfo>;
  criteria?: Result['criteria'];
  model?: 'open' | 'closed';
}

/** A result document as the engine writes it (steps and analysis left empty). */
export function buildResult(sim: Simulation, stages: Stage[], o: BuildOptions): Result {
  const lat = summarizeMs(sim.all);
  const peak = Math.max(...stages.map((s) => s.target));
  return {
    schema: RESULT_SCHEMA,
    source: 'loadproof',
    tool: { name: 'loadproof', version: 'test' },
    plan: {
      name: o.name,
      hypothesis: 'synthetic',
      target: 'http://127.0.0.1:3000',
      pattern: { type: o.pattern, peak },
      model: o.model ?? 'open',
      stages,
      thresholds: o.thresholds ?? { http_req_duration: ['p(95)<200'], http_req_failed: ['rate<0.01'] },
    },
    startedAt: '2025-01-01T00:00:00.000Z',
    endedAt: new Date(Date.parse('2025-01-01T00:00:00.000Z') + sim.durationSec * 1000).toISOString(),
    durationSec: sim.durationSec,
    verdict: 'pass',
    summary: {
      requests: sim.requests,
      errors: sim.errors,
      errorRate: sim.requests ? sim.errors / sim.requests : 0,
      throughputRps: sim.requests / sim.durationSec,
      peakRps: Math.max(...sim.timeline.map((p) => p.rps)),
      latencyMs: lat,
      latencyBasis: 'intended',
      statusCodes: sim.statusCodes,
      errorKinds: sim.errorKinds,
      hdr: encodeHistogram(sim.all),
    },
    endpoints: [],
    criteria: o.criteria ?? [],
    timeline: sim.timeline,
    steps: [],
    watch: o.watch ?? {},
    analysis: null,
    stop: { reason: 'completed' },
  };
}

/** Breakpoint-style stages: a 2 s ramp then an 18 s hold at each level. */
export function steps(levels: number[], holdSec = 18, rampSec = 2): Stage[] {
  return levels.flatMap((l) => [
    { durationSec: rampSec, target: l },
    { durationSec: holdSec, target: l },
  ]);
}

const jitter = (rnd: () => number, base: number, spread: number): number => base * (1 - spread + 2 * spread * rnd());
const MB = 1024 * 1024;

/** pool-exhaustion: a 10-slot pool held 20 ms per request → 500 req/s; app CPU low; pool gauges. */
export function poolExhaustionCase(seed = 42): Result {
  const stages = steps([100, 200, 300, 400, 500, 600, 700, 800]);
  const sim = simulate({ seed, stages, servers: 10, request: (_t, _r, rnd) => ({ serviceMs: jitter(rnd, 19, 0.1) }) });
  return buildResult(sim, stages, {
    name: 'pool',
    pattern: 'breakpoint',
    watch: {
      'process.port3000.cpuPct': series(sim.states, '%', (s, r) => 3 + s.completed * 0.05 + r() * 2, { watcher: 'process', role: 'app' }),
      'eventLoop.app.utilization': series(sim.states, 'ratio', (s, r) => Math.min(1, 0.02 + s.completed * 0.0004 + r() * 0.02), { watcher: 'eventLoop', role: 'app' }),
      'eventLoop.app.gauge.pool_in_use': series(sim.states, 'count', (s) => s.inService, { watcher: 'eventLoop', role: 'app' }),
      'eventLoop.app.gauge.pool_size': series(sim.states, 'count', () => 10, { watcher: 'eventLoop', role: 'app' }),
      'eventLoop.app.gauge.pool_waiting': series(sim.states, 'count', (s) => s.waiting, { watcher: 'eventLoop', role: 'app' }),
      'process.port3000.rssBytes': series(sim.states, 'bytes', (_s, r) => 90 * MB + r() * 4 * MB, { watcher: 'process', role: 'app' }),
    },
  });
}

/** cpu-bound: one core, 2.5 ms of CPU per request → 400 req/s; CPU and event loop pegged. */
export function cpuBoundCase(seed = 42): Result {
  const stages = steps([100, 200, 300, 400, 500, 600, 700]);
  const sim = simulate({ seed, stages, servers: 1, request: (_t, _r, rnd) => ({ serviceMs: jitter(rnd, 2.4, 0.3) }) });
  return buildResult(sim, stages, {
    name: 'cpu',
    pattern: 'breakpoint',
    watch: {
      'process.port3000.cpuPct': series(sim.states, '%', (s, r) => Math.min(100, s.busyMs / 10 + 2 + r() * 2), { watcher: 'process', role: 'app' }),
      'eventLoop.app.utilization': series(sim.states, 'ratio', (s) => Math.min(1, s.busyMs / 1000), { watcher: 'eventLoop', role: 'app' }),
      'eventLoop.app.delayP99Ms': series(sim.states, 'ms', (s) => (s.waiting > 0 ? Math.min(1000, 2.5 * s.waiting) : 1), { watcher: 'eventLoop', role: 'app' }),
      'process.port3000.rssBytes': series(sim.states, 'bytes', (_s, r) => 70 * MB + r() * 3 * MB, { watcher: 'process', role: 'app' }),
    },
  });
}

function soakStages(rate: number, holdSec: number): Stage[] {
  return [
    { durationSec: 30, target: rate },
    { durationSec: holdSec, target: rate },
    { durationSec: 10, target: 0 },
  ];
}

/** memory-leak: 10 min at 100 req/s; RSS and heap grow 2 MB/min under a GC sawtooth. */
export function memoryLeakCase(seed = 42): Result {
  const stages = soakStages(100, 600);
  const sim = simulate({ seed, stages, servers: 10, request: (_t, _r, rnd) => ({ serviceMs: jitter(rnd, 10, 0.3) }) });
  const grow = (t: number): number => Math.max(0, t - 30) * ((2 * MB) / 60);
  return buildResult(sim, stages, {
    name: 'leak',
    pattern: 'soak',
    watch: {
      'process.port3000.cpuPct': series(sim.states, '%', (s, r) => 4 + s.completed * 0.08 + r() * 3, { watcher: 'process', role: 'app' }),
      'process.port3000.rssBytes': series(sim.states, 'bytes', (s, r) => 80 * MB + grow(s.t) + (s.t % 20) * 0.2 * MB + r() * 2 * MB, { watcher: 'process', role: 'app' }),
      'eventLoop.app.heapUsedBytes': series(sim.states, 'bytes', (s, r) => 30 * MB + grow(s.t) + (s.t % 15) * 0.4 * MB + r() * MB, { watcher: 'eventLoop', role: 'app' }),
    },
  });
}

/**
 * connection-leak: 10 min at 100 req/s; a transaction is left open every 20 s, and each one left
 * open slows every query a little (locks, bloat): p95 climbs steadily from ~15 ms while
 * PostgreSQL's idle-in-transaction count grows.
 */
export function connectionLeakCase(seed = 42): Result {
  const stages = soakStages(100, 600);
  const leaked = (t: number): number => Math.max(0, Math.floor((t - 30) / 20));
  const sim = simulate({ seed, stages, servers: 20, request: (t, _r, rnd) => ({ serviceMs: jitter(rnd, 10 + 2 * leaked(t), 0.3) }) });
  return buildResult(sim, stages, {
    name: 'connleak',
    pattern: 'soak',
    watch: {
      'process.port3000.cpuPct': series(sim.states, '%', (s, r) => 4 + s.completed * 0.08 + r() * 3, { watcher: 'process', role: 'app' }),
      'process.port3000.rssBytes': series(sim.states, 'bytes', (_s, r) => 85 * MB + r() * 3 * MB, { watcher: 'process', role: 'app' }),
      'postgres.appdb.connections.idle_in_transaction': series(sim.states, 'count', (s) => leaked(s.t), { watcher: 'postgres', role: 'db' }),
      'postgres.appdb.connections.active': series(sim.states, 'count', (s) => Math.min(20, s.inService), { watcher: 'postgres', role: 'db' }),
      'postgres.appdb.connections.total': series(sim.states, 'count', (s) => 20 + leaked(s.t), { watcher: 'postgres', role: 'db' }),
      'postgres.appdb.connections.max': series(sim.states, 'count', () => 100, { watcher: 'postgres', role: 'db' }),
    },
  });
}

/** cold-start: the first 6 s fail 30% fast and answer the rest in ~1 s (cold caches), then 10 ms. */
export function coldStartCase(seed = 42): Result {
  const stages: Stage[] = [
    { durationSec: 5, target: 100 },
    { durationSec: 115, target: 100 },
  ];
  const sim = simulate({
    seed,
    stages,
    servers: Infinity,
    request: (t, _r, rnd) => {
      if (t < 6) return rnd() < 0.3 ? { serviceMs: jitter(rnd, 5, 0.5), status: 503 } : { serviceMs: jitter(rnd, 900, 0.3) };
      return { serviceMs: jitter(rnd, 10, 0.3) };
    },
  });
  return buildResult(sim, stages, {
    name: 'cold',
    pattern: 'load',
    watch: {
      'process.port3000.cpuPct': series(sim.states, '%', (s, r) => (s.t < 6 ? 60 : 8) + r() * 4, { watcher: 'process', role: 'app' }),
      'process.port3000.rssBytes': series(sim.states, 'bytes', (s, r) => (s.t < 6 ? 60 + s.t * 5 : 90) * MB + r() * 2 * MB, { watcher: 'process', role: 'app' }),
    },
  });
}

/** timeout-cascade: 8 workers × 40 ms → 200 req/s; the client gives up at 1 s; CPU moderate. */
export function timeoutCascadeCase(seed = 42): Result {
  const stages = steps([50, 100, 150, 200, 250, 300, 350, 400]);
  const sim = simulate({ seed, stages, servers: 8, timeoutMs: 1000, request: (_t, _r, rnd) => ({ serviceMs: jitter(rnd, 38, 0.3) }) });
  return buildResult(sim, stages, {
    name: 'timeouts',
    pattern: 'breakpoint',
    watch: {
      'process.port3000.cpuPct': series(sim.states, '%', (s, r) => 5 + s.completed * 0.1 + r() * 3, { watcher: 'process', role: 'app' }),
    },
  });
}

/**
 * missing-index: every request scans a 5,000-row table on PostgreSQL — 8 ms of database CPU per
 * request on one backend core → 125 req/s; the app's own CPU stays low.
 */
export function missingIndexCase(seed = 42): Result {
  const stages = steps([25, 50, 75, 100, 125, 150, 175, 200]);
  const sim = simulate({ seed, stages, servers: 1, request: (_t, _r, rnd) => ({ serviceMs: jitter(rnd, 7.6, 0.2) }) });
  return buildResult(sim, stages, {
    name: 'index',
    pattern: 'breakpoint',
    watch: {
      'process.port3000.cpuPct': series(sim.states, '%', (s, r) => 3 + s.completed * 0.1 + r() * 2, { watcher: 'process', role: 'app' }),
      'process.postgres.cpuPct': series(sim.states, '%', (s, r) => Math.min(100, s.busyMs / 10 + 1 + r()), { watcher: 'process', role: 'db' }),
      'postgres.appdb.seqScanPerSec': series(sim.states, '/s', (s) => s.completed, { watcher: 'postgres', role: 'db' }),
      'postgres.appdb.seqTupReadPerSec': series(sim.states, '/s', (s) => s.completed * 5000, { watcher: 'postgres', role: 'db' }),
      'postgres.appdb.idxScanPerSec': series(sim.states, '/s', (s) => s.completed * 0.1, { watcher: 'postgres', role: 'db' }),
      'postgres.appdb.connections.active': series(sim.states, 'count', (s) => Math.min(10, s.inService + s.waiting), { watcher: 'postgres', role: 'db' }),
      'postgres.appdb.connections.max': series(sim.states, 'count', () => 100, { watcher: 'postgres', role: 'db' }),
    },
  });
}

/**
 * downstream-rate-limit: each request calls `payments`, which allows 200 calls/s: above it the
 * excess is throttled (429); the app retries once after 100 ms and answers 503 when throttled
 * twice. The dependency's latency also rises as it nears its limit. App CPU low.
 */
export function downstreamRateLimitCase(seed = 42): Result {
  const stages = steps([50, 100, 150, 200, 250, 300, 350, 400]);
  const share = (r: number): number => Math.max(0, 1 - 200 / r);
  const depMs = (r: number): number => 10 + 60 * Math.min(1, r / 250) ** 3;
  const sim = simulate({
    seed,
    stages,
    servers: Infinity,
    request: (_t, r, rnd) => {
      const base = 8 + depMs(r) * (0.8 + 0.4 * rnd());
      if (rnd() >= share(r)) return { serviceMs: base };
      if (rnd() >= share(r)) return { serviceMs: base + 100 + depMs(r) };
      return { serviceMs: base + 100, status: 503 };
    },
  });
  return buildResult(sim, stages, {
    name: 'downstream',
    pattern: 'breakpoint',
    watch: {
      'process.port3000.cpuPct': series(sim.states, '%', (s, r) => 3 + s.completed * 0.05 + r() * 2, { watcher: 'process', role: 'app' }),
      'dependency.payments.latencyMs': series(sim.states, 'ms', (s, r) => depMs(s.offeredRps) * (0.9 + 0.2 * r()), { watcher: 'dependency', role: 'dependency' }),
      'dependency.payments.p95Ms': series(sim.states, 'ms', (s, r) => depMs(s.offeredRps) * (1.3 + 0.2 * r()), { watcher: 'dependency', role: 'dependency' }),
      'dependency.payments.throttledRate': series(sim.states, 'ratio', (s) => share(s.offeredRps), { watcher: 'dependency', role: 'dependency' }),
      'dependency.payments.errorRate': series(sim.states, 'ratio', (s) => share(s.offeredRps), { watcher: 'dependency', role: 'dependency' }),
    },
  });
}

/** healthy: 20 workers × 10 ms (2,000 req/s) tested up to 300 req/s; nothing is wrong. */
export function healthyCase(seed = 42): Result {
  const stages = steps([50, 100, 150, 200, 250, 300]);
  const sim = simulate({ seed, stages, servers: 20, request: (_t, _r, rnd) => ({ serviceMs: jitter(rnd, 10, 0.3) }) });
  return buildResult(sim, stages, {
    name: 'healthy',
    pattern: 'breakpoint',
    watch: {
      'process.port3000.cpuPct': series(sim.states, '%', (s, r) => 3 + s.completed * 0.05 + r() * 2, { watcher: 'process', role: 'app' }),
      'process.port3000.rssBytes': series(sim.states, 'bytes', (_s, r) => 70 * MB + r() * 3 * MB, { watcher: 'process', role: 'app' }),
      'eventLoop.app.gauge.pool_in_use': series(sim.states, 'count', (s) => s.inService, { watcher: 'eventLoop', role: 'app' }),
      'eventLoop.app.gauge.pool_size': series(sim.states, 'count', () => 20, { watcher: 'eventLoop', role: 'app' }),
    },
  });
}

/** Options of poolLeakCase. */
export interface PoolLeakOptions {
  /** pg's `connectionTimeoutMillis`: waits longer than this fail with a 500 (default: wait forever) */
  acquireTimeoutMs?: number;
  /** false: timeouts are not timed, as loadproof recorded them before issue 11 (default true) */
  timeoutsTimed?: boolean;
  seed?: number;
}

/** Pool size and leak interval of poolLeakCase: the pool is empty at POOL_LEAK.size × everySec. */
export const POOL_LEAK = { size: 10, everySec: 8, rate: 100, timeoutMs: 10_000 } as const;

/**
 * connection-leak, the hang mode (issue 11): 100 req/s for 2 min on a pg pool of 10 connections
 * (10 ms per query); one connection is checked out (BEGIN) and never released every 8 s, so
 * PostgreSQL's idle-in-transaction count climbs in a straight line to 10 and the pool is empty at
 * 80 s. Without an acquire timeout every later request waits in the pool's queue until the client's
 * 10 s timeout (~1,000 requests queued inside the service, whose RSS and sockets follow them); with
 * one it fails fast with a 500.
 */
export function poolLeakCase(o: PoolLeakOptions = {}): Result {
  const { size, everySec, rate, timeoutMs } = POOL_LEAK;
  const stages: Stage[] = [
    { durationSec: 2, target: rate },
    { durationSec: 118, target: rate },
  ];
  const leaked = (t: number): number => Math.min(size, Math.floor(t / everySec));
  const sim = simulate({
    seed: o.seed ?? 42,
    stages,
    servers: size,
    timeoutMs,
    leakedBy: leaked,
    ...(o.acquireTimeoutMs !== undefined ? { acquireTimeoutMs: o.acquireTimeoutMs } : {}),
    ...(o.timeoutsTimed !== undefined ? { timeoutsTimed: o.timeoutsTimed } : {}),
    request: (_t, _r, rnd) => ({ serviceMs: jitter(rnd, 10, 0.3) }),
  });
  return buildResult(sim, stages, {
    name: o.acquireTimeoutMs !== undefined ? 'pool leak (acquire timeout)' : 'pool leak (hang)',
    pattern: 'soak',
    thresholds: { http_req_duration: ['p(95)<100'] },
    watch: {
      'process.port3000.cpuPct': series(sim.states, '%', (s, r) => 4 + s.completed * 0.05 + r() * 2, { watcher: 'process', role: 'app' }),
      // ~40 KB per request queued inside the service (its request, socket buffers, the pool's waiter)
      'process.port3000.rssBytes': series(sim.states, 'bytes', (s, r) => 80 * MB + s.inFlight * 40 * 1024 + (s.t % 20) * 0.1 * MB + r() * 2 * MB, { watcher: 'process', role: 'app' }),
      'process.port3000.fds': series(sim.states, 'count', (s) => 24 + s.inFlight, { watcher: 'process', role: 'app' }),
      'postgres.appdb.connections.idle_in_transaction': series(sim.states, 'count', (s) => leaked(s.t), { watcher: 'postgres', role: 'db' }),
      'postgres.appdb.connections.active': series(sim.states, 'count', (s) => Math.min(size - leaked(s.t), s.inService), { watcher: 'postgres', role: 'db' }),
      'postgres.appdb.connections.total': series(sim.states, 'count', (s) => leaked(s.t) + Math.min(size - leaked(s.t), Math.max(2, s.inService)), { watcher: 'postgres', role: 'db' }),
      'postgres.appdb.connections.max': series(sim.states, 'count', () => 100, { watcher: 'postgres', role: 'db' }),
    },
  });
}

/**
 * gc-pressure: one core, 1.5 ms of CPU per request, with garbage collection taking a share of the
 * core that grows with the allocation rate, g(r) = 0.05 + 0.6 (r/400)² (≤ 0.7): the service time is
 * 1.5 ms ÷ (1 − g), so the core saturates between 300 and 350 req/s. The probe's GC pause rate and
 * prom-client's heap gauges are watched; the heap sits near its allocation, not growing with time.
 */
export function gcPressureCase(seed = 42): Result {
  const stages = steps([100, 150, 200, 250, 300, 350, 400, 450]);
  const g = (r: number): number => Math.min(0.7, 0.05 + 0.6 * (r / 400) ** 2);
  const sim = simulate({ seed, stages, servers: 1, request: (_t, r, rnd) => ({ serviceMs: jitter(rnd, 1.5 / (1 - g(r)), 0.2) }) });
  return buildResult(sim, stages, {
    name: 'gc',
    pattern: 'breakpoint',
    watch: {
      'process.port3000.cpuPct': series(sim.states, '%', (s, r) => Math.min(100, s.busyMs / 10 + 2 + r() * 2), { watcher: 'process', role: 'app' }),
      'eventLoop.app.gcPauseMsPerSec': series(sim.states, 'ms/s', (s) => Math.min(1000, s.busyMs) * g(s.offeredRps), { watcher: 'eventLoop', role: 'app' }),
      'prometheus.app.nodejs_heap_size_used_bytes': series(sim.states, 'bytes', (s, r) => (100 + 20 * (g(s.offeredRps) / 0.7)) * MB + r() * MB, { watcher: 'prometheus', role: 'app' }),
      'prometheus.app.nodejs_heap_size_total_bytes': series(sim.states, 'bytes', () => 128 * MB, { watcher: 'prometheus', role: 'app' }),
    },
  });
}

/**
 * thundering-herd: 100 req/s against a cache whose keys all expire every 15 s (a shared TTL): in the
 * second after each expiry every request misses and waits ~400 ms on PostgreSQL, whose index scans and
 * active connections jump in those seconds; otherwise 5 ms hits.
 */
export function thunderingHerdCase(seed = 42): Result {
  const stages: Stage[] = [
    { durationSec: 5, target: 100 },
    { durationSec: 60, target: 100 },
  ];
  const miss = (t: number): boolean => t >= 15 && t % 15 < 1;
  const sim = simulate({ seed, stages, servers: Infinity, request: (t, _r, rnd) => ({ serviceMs: miss(t) ? jitter(rnd, 400, 0.3) : jitter(rnd, 5, 0.3) }) });
  const herd = (t: number): boolean => t >= 15 && t % 15 < 2;
  return buildResult(sim, stages, {
    name: 'herd',
    pattern: 'load',
    watch: {
      'process.port3000.cpuPct': series(sim.states, '%', (s, r) => 3 + s.completed * 0.05 + r() * 2, { watcher: 'process', role: 'app' }),
      'postgres.appdb.idxScanPerSec': series(sim.states, '/s', (s, r) => (herd(s.t) ? 80 + 20 * r() : 1 + r()), { watcher: 'postgres', role: 'db' }),
      'postgres.appdb.connections.active': series(sim.states, 'count', (s) => (herd(s.t) ? 20 : 1), { watcher: 'postgres', role: 'db' }),
    },
  });
}

/**
 * lock-contention: every request updates one hot row, held 8 ms under its lock → 125 req/s; the
 * requests queue on the lock (PostgreSQL's waitingOnLock, capped by a 20-connection pool) while the
 * database's CPU stays low.
 */
export function lockContentionCase(seed = 42): Result {
  const stages = steps([20, 40, 60, 80, 100, 120, 140, 160]);
  const sim = simulate({ seed, stages, servers: 1, request: (_t, _r, rnd) => ({ serviceMs: jitter(rnd, 7.6, 0.2) }) });
  return buildResult(sim, stages, {
    name: 'locks',
    pattern: 'breakpoint',
    watch: {
      'process.port3000.cpuPct': series(sim.states, '%', (s, r) => 3 + s.completed * 0.05 + r() * 2, { watcher: 'process', role: 'app' }),
      'process.postgres.cpuPct': series(sim.states, '%', (s, r) => 2 + s.completed * 0.04 + r(), { watcher: 'process', role: 'db' }),
      'postgres.appdb.waitingOnLock': series(sim.states, 'count', (s) => Math.min(19, s.waiting), { watcher: 'postgres', role: 'db' }),
      'postgres.appdb.commitsPerSec': series(sim.states, '/s', (s) => s.completed, { watcher: 'postgres', role: 'db' }),
    },
  });
}

/**
 * listen-backlog: 5 ms answers, but the listener accepts at most 400 new connections per second:
 * above it a share 1 − 400/r of SYNs is dropped; of those 70% get in after one retransmit (+1 s),
 * 20% after two (+3 s) and 10% are reset. App CPU low.
 */
export function listenBacklogCase(seed = 42): Result {
  const stages = steps([100, 200, 300, 400, 500, 600]);
  const sim = simulate({
    seed,
    stages,
    servers: Infinity,
    request: (_t, r, rnd) => {
      const base = jitter(rnd, 5, 0.3);
      if (rnd() >= Math.max(0, 1 - 400 / r)) return { serviceMs: base };
      const u = rnd();
      if (u < 0.7) return { serviceMs: 1000 + base };
      if (u < 0.9) return { serviceMs: 3000 + base };
      return { serviceMs: 1, status: 0, kind: 'reset' };
    },
  });
  return buildResult(sim, stages, {
    name: 'backlog',
    pattern: 'breakpoint',
    watch: {
      'process.port3000.cpuPct': series(sim.states, '%', (s, r) => 3 + s.completed * 0.03 + r() * 2, { watcher: 'process', role: 'app' }),
    },
  });
}

/**
 * fd-exhaustion: each request holds 2 descriptors (its socket and a file) for 100 ms; the process
 * has 12 of its own and a limit of 64, so at most 26 requests fit (260 req/s). Above, the excess
 * fails fast with a 500 (EMFILE opening the file).
 */
export function fdExhaustionCase(seed = 42): Result {
  const stages = steps([50, 100, 150, 200, 250, 300, 350, 400]);
  const sim = simulate({
    seed,
    stages,
    servers: Infinity,
    request: (_t, r, rnd) => (rnd() < Math.max(0, 1 - 260 / r) ? { serviceMs: 2, status: 500 } : { serviceMs: jitter(rnd, 100, 0.1) }),
  });
  return buildResult(sim, stages, {
    name: 'fds',
    pattern: 'breakpoint',
    watch: {
      'process.port3000.cpuPct': series(sim.states, '%', (s, r) => 3 + s.completed * 0.03 + r() * 2, { watcher: 'process', role: 'app' }),
      'process.port3000.fds': series(sim.states, 'count', (s) => Math.min(64, 12 + 2 * s.inFlight), { watcher: 'process', role: 'app' }),
      'process.port3000.fdLimit': series(sim.states, 'count', () => 64, { watcher: 'process', role: 'app' }),
    },
  });
}

/** Every bottleneck case by the diagnosis id it should produce first. */
export const CASES = {
  'pool-exhaustion': poolExhaustionCase,
  'timeout-cascade': timeoutCascadeCase,
  'cpu-bound': cpuBoundCase,
  'memory-leak': memoryLeakCase,
  'connection-leak': connectionLeakCase,
  'cold-start': coldStartCase,
  'missing-index': missingIndexCase,
  'downstream-rate-limit': downstreamRateLimitCase,
  'gc-pressure': gcPressureCase,
  'thundering-herd': thunderingHerdCase,
  'lock-contention': lockContentionCase,
  'listen-backlog': listenBacklogCase,
  'fd-exhaustion': fdExhaustionCase,
} as const;
