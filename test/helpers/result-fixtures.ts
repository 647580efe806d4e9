/**
 * Builds the stored result documents in test/fixtures/results/ — realistic runs, made by a small
 * deterministic simulation rather than typed by hand, so every figure in a fixture agrees with
 * every other (timeline ↔ steps ↔ summary ↔ criteria ↔ watched series).
 *
 * The target is modelled as an M/M/c-like queue per second: `servers` workers (a connection pool, or
 * one CPU core) each take a log-normal service time. Below saturation an arrival waits with
 * probability ≈ ρ^c for an exponential time of mean 1/(C − λ) (C = servers / mean service time);
 * above it a fluid backlog builds and every arrival waits backlog / C. Requests whose wait would
 * pass `waitLimitMs` fail there (a pool acquire timeout answering 503, or a client timeout).
 * Latency is from the intended start (open model), percentiles come from real HdrHistograms
 * merged per step and per run, as the engine does.
 *
 * The `analysis` of each fixture (phases, capacity, diagnoses) is written here from the simulated
 * steps, as the analysis would state it; the report renders it and judges nothing.
 *
 * Regenerate (after `npm run build`): `node dist/test/helpers/result-fixtures.js`
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mulberry32 } from '../../src/engine/rng.js';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createHistogram,
  encodeHistogram,
  mergeHistograms,
  percentileMs,
  pointMs,
  recordUs,
  summarizeMs,
  type Histogram,
} from '../../src/metrics/histogram.js';
import { compare, parseThreshold } from '../../src/plan/thresholds.js';
import type {
  CriterionResult,
  EndpointResult,
  ErrorKind,
  Result,
  SeriesInfo,
  StepResult,
  TimelinePoint,
} from '../../src/result/types.js';
import { RESULT_SCHEMA } from '../../src/result/types.js';
import { verdictOf } from '../../src/result/verdict.js';
import { REPO_ROOT } from './cli.js';

// ---------------------------------------------------------------------------------------------
// Deterministic randomness


function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

const round = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d;

// ---------------------------------------------------------------------------------------------
// The simulated run

interface Stage {
  durationSec: number;
  target: number;
}

interface EndpointSpec {
  name: string;
  method: string;
  path: string;
  scenario: string;
  /** share of arrivals */
  weight: number;
  /** multiplies the service time */
  serviceFactor: number;
  okStatus: number;
  /** a check on latency, as `expect: { maxDuration }` */
  maxDurationMs?: number;
}

interface SimConfig {
  seed: number;
  stages: Stage[];
  /** the run stops here (an abort) instead of at the end of the stages */
  stopAtSec?: number;
  servers: number;
  serviceMedianMs: number;
  serviceSigma: number;
  waitLimitMs: number;
  limitError: { kind: ErrorKind; status: number | null };
  /** errors that happen whatever the load (a flaky dependency), as a share of requests */
  baseErrorRate: number;
  endpoints: EndpointSpec[];
}

interface Sample {
  endpoint: number;
  completeSec: number;
  latencyUs: number;
  status: number | null;
  errorKind: ErrorKind | null;
  checkPass: boolean;
}

/** Offered rate at time t: stages ramp linearly from the previous target (0 before the first). */
function rateAt(stages: Stage[], t: number): { rate: number; stage: number } {
  let start = 0;
  let prev = 0;
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i]!;
    if (t < start + s.durationSec) return { rate: prev + ((s.target - prev) * (t - start)) / s.durationSec, stage: i };
    start += s.durationSec;
    prev = s.target;
  }
  return { rate: 0, stage: stages.length - 1 };
}

interface SimOutput {
  samples: Sample[];
  durationSec: number;
  /** per second: offered rate, stage, backlog at the end of the second, in flight, busy servers */
  perSecond: Array<{ offered: number; stage: number; backlog: number; inFlight: number; busy: number }>;
  capacityRps: number;
}

function simulate(cfg: SimConfig): SimOutput {
  const rand = mulberry32(cfg.seed);
  const total = cfg.stages.reduce((s, x) => s + x.durationSec, 0);
  const end = cfg.stopAtSec ?? total;
  const meanServiceMs = cfg.serviceMedianMs * Math.exp((cfg.serviceSigma * cfg.serviceSigma) / 2);
  const capacityRps = (cfg.servers * 1000) / meanServiceMs;
  const maxBacklog = (capacityRps * cfg.waitLimitMs) / 1000;
  const cumWeights: number[] = [];
  cfg.endpoints.reduce((acc, e) => {
    cumWeights.push(acc + e.weight);
    return acc + e.weight;
  }, 0);
  const samples: Sample[] = [];
  const perSecond: SimOutput['perSecond'] = [];
  let backlog = 0;
  const completions: number[] = [];
  for (let sec = 0; sec < end; sec++) {
    const { rate, stage } = rateAt(cfg.stages, sec + 0.5);
    // Poisson-ish arrival count: the schedule is exact, the noise is in the service.
    const n = Math.max(0, Math.round(rate));
    const c = capacityRps * (1 + 0.03 * normal(rand));
    const rho = Math.min(rate / capacityRps, 0.999);
    const pWait = rho ** cfg.servers;
    const startBacklog = backlog;
    for (let k = 0; k < n; k++) {
      const u = (k + rand()) / n;
      const arrival = sec + u;
      const fluid = Math.min(maxBacklog, Math.max(0, startBacklog + (n - c) * u));
      let waitMs: number;
      if (fluid > 1) waitMs = (fluid / c) * 1000 * (0.9 + 0.2 * rand());
      else if (rand() < pWait && c > n) waitMs = (-Math.log(Math.max(rand(), 1e-12)) * 1000) / (c - n);
      else waitMs = 0;
      const r = rand();
      let e = cumWeights.findIndex((w) => r * cumWeights[cumWeights.length - 1]! < w);
      if (e < 0) e = cfg.endpoints.length - 1;
      const ep = cfg.endpoints[e]!;
      let latencyMs: number;
      let status: number | null;
      let errorKind: ErrorKind | null = null;
      if (waitMs >= cfg.waitLimitMs) {
        latencyMs = cfg.waitLimitMs + 2 + 3 * rand();
        status = cfg.limitError.status;
        errorKind = cfg.limitError.kind;
      } else {
        const service = cfg.serviceMedianMs * ep.serviceFactor * Math.exp(cfg.serviceSigma * normal(rand));
        latencyMs = waitMs + service + 0.15 + 0.1 * rand();
        if (rand() < cfg.baseErrorRate) {
          status = 500;
          errorKind = 'status';
        } else status = ep.okStatus;
      }
      const completeSec = arrival + latencyMs / 1000;
      completions.push(completeSec);
      if (completeSec >= end) continue; // still in flight when the run stopped
      const checkPass = errorKind === null && (ep.maxDurationMs === undefined || latencyMs <= ep.maxDurationMs);
      samples.push({ endpoint: e, completeSec, latencyUs: latencyMs * 1000, status, errorKind, checkPass });
    }
    backlog = Math.min(maxBacklog, Math.max(0, startBacklog + n - c));
    const doneBy = completions.filter((t) => t <= sec + 1).length;
    perSecond.push({
      offered: round(rate, 2),
      stage,
      backlog,
      inFlight: completions.length - doneBy,
      busy: backlog > 0 ? cfg.servers : Math.min(cfg.servers, (rate * meanServiceMs) / 1000),
    });
  }
  return { samples, durationSec: end, perSecond, capacityRps };
}

// ---------------------------------------------------------------------------------------------
// From samples to the result document's measured parts

interface Measured {
  timeline: TimelinePoint[];
  steps: StepResult[];
  summary: Result['summary'];
  endpoints: EndpointResult[];
  all: Histogram;
  perSecondHist: Histogram[];
}

function measure(cfg: SimConfig, sim: SimOutput, withHdr: boolean): Measured {
  const seconds = Math.ceil(sim.durationSec);
  const hists = Array.from({ length: seconds }, () => createHistogram());
  const counts = Array.from({ length: seconds }, () => ({
    n: 0,
    errors: 0,
    status: {} as Record<string, number>,
    kinds: {} as Partial<Record<ErrorKind, number>>,
    checks: { passes: 0, fails: 0 },
  }));
  const epHists = cfg.endpoints.map(() => createHistogram());
  const epCounts = cfg.endpoints.map(() => ({
    n: 0,
    errors: 0,
    status: {} as Record<string, number>,
    kinds: {} as Partial<Record<ErrorKind, number>>,
    passes: 0,
    fails: 0,
  }));
  const all = createHistogram();
  const statusCodes: Record<string, number> = {};
  const errorKinds: Partial<Record<ErrorKind, number>> = {};
  let passes = 0;
  let fails = 0;
  for (const s of sim.samples) {
    const sec = Math.min(seconds - 1, Math.floor(s.completeSec));
    recordUs(hists[sec]!, s.latencyUs);
    recordUs(epHists[s.endpoint]!, s.latencyUs);
    recordUs(all, s.latencyUs);
    const c = counts[sec]!;
    const ec = epCounts[s.endpoint]!;
    c.n++;
    ec.n++;
    if (s.status !== null) {
      const k = String(s.status);
      c.status[k] = (c.status[k] ?? 0) + 1;
      ec.status[k] = (ec.status[k] ?? 0) + 1;
      statusCodes[k] = (statusCodes[k] ?? 0) + 1;
    }
    if (s.errorKind) {
      c.errors++;
      ec.errors++;
      c.kinds[s.errorKind] = (c.kinds[s.errorKind] ?? 0) + 1;
      ec.kinds[s.errorKind] = (ec.kinds[s.errorKind] ?? 0) + 1;
      errorKinds[s.errorKind] = (errorKinds[s.errorKind] ?? 0) + 1;
    }
    if (s.checkPass) {
      c.checks.passes++;
      ec.passes++;
      passes++;
    } else {
      c.checks.fails++;
      ec.fails++;
      fails++;
    }
  }
  const timeline: TimelinePoint[] = counts.map((c, i) => {
    const ps = sim.perSecond[i]!;
    return {
      t: i,
      durationSec: 1,
      offeredRps: ps.offered,
      rps: c.n,
      errors: c.errors,
      inFlight: ps.inFlight,
      vus: null,
      latencyMs: pointMs(hists[i]!),
      stage: ps.stage,
      statusCodes: c.status,
      ...(Object.keys(c.kinds).length ? { errorKinds: c.kinds } : {}),
      sendLagP99Ms: round(0.2 + ps.offered / 2000, 2),
      checks: c.checks,
      ...(withHdr && c.n ? { hdr: encodeHistogram(hists[i]!) } : {}),
    };
  });
  // One step per hold stage (a stage whose target equals the previous one), cut at the stop.
  const steps: StepResult[] = [];
  let start = 0;
  let prev = 0;
  for (const st of cfg.stages) {
    const from = start;
    const to = Math.min(start + st.durationSec, sim.durationSec);
    start += st.durationSec;
    const hold = st.target === prev && st.target > 0;
    prev = st.target;
    if (!hold || to - from < 2) continue;
    const secs = timeline.slice(from, Math.ceil(to));
    const merged = mergeHistograms(hists.slice(from, Math.ceil(to)));
    const requests = secs.reduce((a, p) => a + p.rps, 0);
    const errors = secs.reduce((a, p) => a + p.errors, 0);
    const rps = requests / (to - from);
    const meanMs = merged.totalCount ? merged.mean / 1000 : 0;
    steps.push({
      index: steps.length,
      startSec: from,
      endSec: round(to, 1),
      offeredRps: st.target,
      rps: round(rps, 1),
      errorRate: requests ? round(errors / requests, 5) : 0,
      concurrency: round((rps * meanMs) / 1000, 2),
      latencyMs: { p50: percentileMs(merged, 50), p95: percentileMs(merged, 95), p99: percentileMs(merged, 99), mean: round(meanMs, 3) },
      requests,
      steady: true,
      percentileSource: 'hdr-merge',
    });
  }
  const requests = sim.samples.length;
  const errors = sim.samples.filter((s) => s.errorKind).length;
  const summary: Result['summary'] = {
    requests,
    errors,
    errorRate: round(errors / requests, 5),
    throughputRps: round(requests / sim.durationSec, 1),
    peakRps: Math.max(...timeline.map((p) => p.rps)),
    latencyMs: summarizeMs(all),
    latencyBasis: 'intended',
    statusCodes,
    errorKinds,
    dropped: 0,
    bytesReceived: requests * 412,
    bytesSent: requests * 236,
    checks: { passes, fails, rate: round(passes / (passes + fails), 5) },
    ...(withHdr ? { hdr: encodeHistogram(all) } : {}),
  };
  const endpoints: EndpointResult[] = cfg.endpoints.map((e, i) => {
    const c = epCounts[i]!;
    return {
      name: e.name,
      method: e.method,
      path: e.path,
      scenario: e.scenario,
      requests: c.n,
      errors: c.errors,
      errorRate: c.n ? round(c.errors / c.n, 5) : 0,
      statusCodes: c.status,
      ...(Object.keys(c.kinds).length ? { errorKinds: c.kinds } : {}),
      latencyMs: summarizeMs(epHists[i]!),
      checks: { passes: c.passes, fails: c.fails },
    };
  });
  return { timeline, steps, summary, endpoints, all, perSecondHist: hists };
}

/** Judges the plan's thresholds against the measured run, the way `run` does. */
function judge(thresholds: Record<string, string[]>, m: Measured): CriterionResult[] {
  const out: CriterionResult[] = [];
  for (const [metric, exprs] of Object.entries(thresholds)) {
    for (const text of exprs) {
      const expr = parseThreshold(text);
      if (typeof expr === 'string') throw new Error(expr);
      let observed: number;
      let unit: CriterionResult['unit'];
      if (metric === 'http_req_duration') {
        const a = expr.aggregation;
        observed =
          a.kind === 'percentile' ? percentileMs(m.all, a.p) : a.kind === 'avg' ? round(m.all.mean / 1000, 3) : a.kind === 'max' ? m.summary.latencyMs.max! : m.summary.latencyMs.p50!;
        unit = 'ms';
      } else if (metric === 'http_req_failed') {
        observed = m.summary.errorRate;
        unit = 'ratio';
      } else if (metric === 'checks') {
        observed = m.summary.checks!.rate;
        unit = 'ratio';
      } else if (metric === 'http_reqs') {
        observed = m.summary.throughputRps;
        unit = 'rps';
      } else throw new Error(`fixture builder: no observation for ${metric}`);
      out.push({ metric, condition: text, observed, pass: compare(observed, expr.op, expr.value), unit });
    }
  }
  return out;
}

/** A watched series sampled once a second at t = 1, 2, … (the end of each second). */
function series(
  values: Array<number | null>,
  info: Omit<SeriesInfo, 'points'>,
  digits = 2,
): SeriesInfo {
  return { ...info, points: values.map((v, i) => [i + 1, v === null ? null : round(v, digits)]) };
}

function stagesInfo(stages: Stage[]): Array<{ durationSec: number; target: number }> {
  return stages.map((s) => ({ durationSec: s.durationSec, target: s.target }));
}

function iso(base: string, plusSec: number): string {
  return new Date(Date.parse(base) + plusSec * 1000).toISOString();
}

const TOOL = { name: 'loadproof', version: '0.1.0' };

const ITEMS_ENDPOINTS: EndpointSpec[] = [
  { name: 'GET /items', method: 'GET', path: '/items', scenario: 'browse', weight: 3, serviceFactor: 1, okStatus: 200, maxDurationMs: 200 },
  { name: 'POST /items', method: 'POST', path: '/items', scenario: 'create', weight: 1, serviceFactor: 1.35, okStatus: 201 },
];

const ITEMS_SCENARIOS = [
  { name: 'browse', weight: 3, requests: ['POST /auth/login (setup)', 'GET /items'] },
  { name: 'create', weight: 1, requests: ['POST /auth/login (setup)', 'POST /items'] },
];

// ---------------------------------------------------------------------------------------------
// 1. A passing load run: the plan-example at 100 req/s, well inside capacity.

function passingLoad(): Result {
  const stages: Stage[] = [
    { durationSec: 10, target: 100 },
    { durationSec: 30, target: 100 },
    { durationSec: 5, target: 0 },
  ];
  const cfg: SimConfig = {
    seed: 11,
    stages,
    servers: 10,
    serviceMedianMs: 18,
    serviceSigma: 0.35,
    waitLimitMs: 10_000,
    limitError: { kind: 'timeout', status: null },
    baseErrorRate: 0.0008,
    endpoints: ITEMS_ENDPOINTS,
  };
  const sim = simulate(cfg);
  const m = measure(cfg, sim, true);
  const thresholds = { http_req_duration: ['p(95)<200', 'p(99)<500'], http_req_failed: ['rate<0.01'], checks: ['rate>0.99'] };
  const criteria = judge(thresholds, m);
  const step = m.steps[0]!;
  const cpu = sim.perSecond.map((p, i) => 3 + p.offered * 0.19 + 1.5 * Math.sin(i));
  const result: Result = {
    schema: RESULT_SCHEMA,
    source: 'loadproof',
    tool: TOOL,
    plan: {
      name: 'items API capacity',
      hypothesis: 'The items API sustains 100 req/s of mixed traffic at p95 < 200 ms and p99 < 500 ms with under 1% errors.',
      target: 'http://127.0.0.1:3000',
      pattern: { type: 'load', peak: 100 },
      model: 'open',
      stages: stagesInfo(stages),
      thresholds,
      abort: { http_req_failed: ['rate>0.05 for 10s'] },
      scenarios: ITEMS_SCENARIOS,
    },
    startedAt: '2025-06-14T09:30:00.000Z',
    endedAt: iso('2025-06-14T09:30:00.000Z', sim.durationSec),
    durationSec: sim.durationSec,
    verdict: 'pass',
    summary: m.summary,
    endpoints: m.endpoints,
    criteria,
    timeline: m.timeline,
    steps: m.steps,
    watch: {
      'process.port3000.cpuPct': series(cpu, { unit: '%', watcher: 'process', target: 'port 3000 (pid 41872)', role: 'app' }, 1),
      'process.port3000.rssBytes': series(
        sim.perSecond.map((_, i) => 88_000_000 + i * 61_000),
        { unit: 'bytes', watcher: 'process', target: 'port 3000 (pid 41872)', role: 'app' },
        0,
      ),
      'eventLoop.app.delayP99Ms': series(
        sim.perSecond.map((p, i) => 10.4 + p.offered * 0.004 + 0.3 * Math.cos(i)),
        { unit: 'ms', watcher: 'eventLoop', target: 'http://127.0.0.1:3000/__loadproof/metrics', role: 'app' },
      ),
      'self.generator.cpuPct': series(
        sim.perSecond.map((p, i) => 2 + p.offered * 0.06 + Math.abs(Math.sin(i * 0.7))),
        { unit: '%', watcher: 'self', target: 'loadproof', role: 'generator' },
        1,
      ),
    },
    analysis: {
      phases: {
        linearUntilRps: 100,
        knee: null,
        collapse: null,
        notes: ['One load level was held (100 req/s); achieved throughput matched the offered rate throughout.'],
      },
      capacity: {
        slo: 'p(95)<200ms, errors<1%',
        maxSustainableRps: 100,
        breakingPointRps: null,
        headroom: 0.3,
        recommendedMaxRps: 70,
        notReached: true,
        statement: `The SLO held at the highest load tried (100 req/s, p95 ${Math.round(step.latencyMs.p95)} ms): capacity is above 100 req/s, not reached.`,
      },
      usl: null,
      validity: [
        { id: 'generator-healthy', severity: 'info', message: 'The generator used at most 9% CPU and its send lag p99 stayed under 1 ms.' },
      ],
      diagnoses: [],
    },
    stop: { reason: 'completed' },
    generator: { workers: 1, cores: 2, cpuPct: { mean: 6.1, max: 9 }, eventLoopDelayP99Ms: 1.4, sendLagP99Ms: 0.25 },
  };
  result.verdict = verdictOf(result);
  return result;
}

// ---------------------------------------------------------------------------------------------
// 2. A failing stress run: a CPU-bound service on one core, 100 → 400 req/s.

function failingStress(): Result {
  // stress, peak 200, duration 3m40s: the 11-minute shape scaled by 1/3.
  const stages: Stage[] = [];
  for (const level of [100, 200, 300, 400]) stages.push({ durationSec: 10, target: level }, { durationSec: 40, target: level });
  stages.push({ durationSec: 20, target: 0 });
  const cfg: SimConfig = {
    seed: 22,
    stages,
    servers: 1,
    serviceMedianMs: 2.9,
    serviceSigma: 0.35,
    waitLimitMs: 10_000,
    limitError: { kind: 'timeout', status: null },
    baseErrorRate: 0.0005,
    endpoints: [
      { name: 'GET /search', method: 'GET', path: '/search?q={{ $randomString() }}', scenario: 'search', weight: 1, serviceFactor: 1, okStatus: 200 },
    ],
  };
  const sim = simulate(cfg);
  const m = measure(cfg, sim, false);
  const thresholds = { http_req_duration: ['p(95)<200', 'p(99)<500'], http_req_failed: ['rate<0.01'] };
  const criteria = judge(thresholds, m);
  const [, s200, s300, s400] = m.steps as [StepResult, StepResult, StepResult, StepResult];
  const util = sim.perSecond.map((p) => Math.min(1, (p.offered * 3.07) / 1000));
  const cpu = util.map((u, i) => Math.min(100, 4 + 96 * u + (u > 0.95 ? 0 : 1.2 * Math.sin(i))));
  const delay = sim.perSecond.map((p, i) => {
    const u = Math.min(0.995, (p.offered * 3.07) / 1000);
    return 10.2 + (p.backlog > 1 ? 140 + 25 * Math.sin(i) : (3 * u) / (1 - u));
  });
  const cpuAt = (s: StepResult): number => {
    const xs = cpu.slice(s.startSec, Math.ceil(s.endSec));
    return round(xs.reduce((a, b) => a + b, 0) / xs.length, 0);
  };
  const firstErrorSec = m.timeline.find((p) => p.errorKinds?.timeout)?.t ?? 0;
  const result: Result = {
    schema: RESULT_SCHEMA,
    source: 'loadproof',
    tool: TOOL,
    plan: {
      name: 'search under stress',
      hypothesis: 'Search degrades gracefully up to 2× the expected peak of 200 req/s: p95 < 200 ms, p99 < 500 ms, errors under 1%.',
      target: 'http://127.0.0.1:3100',
      pattern: { type: 'stress', peak: 200, durationSec: 220 },
      model: 'open',
      stages: stagesInfo(stages),
      thresholds,
      scenarios: [{ name: 'search', weight: 1, requests: ['GET /search?q={{ $randomString() }}'] }],
    },
    startedAt: '2025-06-15T14:05:00.000Z',
    endedAt: iso('2025-06-15T14:05:00.000Z', sim.durationSec),
    durationSec: sim.durationSec,
    verdict: 'fail',
    summary: m.summary,
    endpoints: m.endpoints,
    criteria,
    timeline: m.timeline,
    steps: m.steps,
    watch: {
      'process.port3100.cpuPct': series(cpu, { unit: '%', watcher: 'process', target: 'port 3100 (pid 52210)', role: 'app' }, 1),
      'process.port3100.rssBytes': series(
        sim.perSecond.map((p, i) => 71_000_000 + i * 40_000 + p.backlog * 9_000),
        { unit: 'bytes', watcher: 'process', target: 'port 3100 (pid 52210)', role: 'app' },
        0,
      ),
      'eventLoop.app.delayP99Ms': series(delay, { unit: 'ms', watcher: 'eventLoop', target: 'http://127.0.0.1:3100/__loadproof/metrics', role: 'app' }),
      'eventLoop.app.utilization': series(util, { unit: 'ratio', watcher: 'eventLoop', target: 'http://127.0.0.1:3100/__loadproof/metrics', role: 'app' }, 3),
      'self.generator.cpuPct': series(
        sim.perSecond.map((p, i) => 2.5 + p.offered * 0.05 + Math.abs(Math.sin(i * 0.3))),
        { unit: '%', watcher: 'self', target: 'loadproof', role: 'generator' },
        1,
      ),
    },
    analysis: {
      phases: {
        linearUntilRps: 200,
        knee: { rps: 300, p95Ms: s300.latencyMs.p95 },
        collapse: s400.errorRate > 0.05 ? { rps: 400, errorRate: s400.errorRate } : null,
        notes: [
          `Achieved throughput tracked the offered rate up to 300 req/s and stayed near ${Math.round(s400.rps)} req/s when 400 req/s was offered.`,
          `p95 grew ${round(s300.latencyMs.p95 / s200.latencyMs.p95, 1)}× between 200 and 300 req/s while throughput still grew: the knee.`,
        ],
      },
      capacity: {
        slo: 'p(95)<200ms, errors<1%',
        maxSustainableRps: s300.latencyMs.p95 < 200 && s300.errorRate < 0.01 ? 300 : 200,
        breakingPointRps: s400.errorRate > 0.05 ? 400 : null,
        headroom: 0.3,
        recommendedMaxRps: s300.latencyMs.p95 < 200 && s300.errorRate < 0.01 ? 210 : 140,
        statement: `The service met the SLO up to ${s300.latencyMs.p95 < 200 ? 300 : 200} req/s; at 400 req/s it completed only ${Math.round(s400.rps)} req/s and p95 reached ${Math.round(s400.latencyMs.p95).toLocaleString('en-US')} ms.`,
      },
      usl: { sigma: 0.64, kappa: 0, lambda: 212, peakConcurrency: null, r2: 0.97, dominant: 'contention' },
      validity: [
        { id: 'generator-healthy', severity: 'info', message: 'The generator used at most 24% CPU; its send lag p99 stayed under 1 ms.' },
      ],
      diagnoses: [
        {
          id: 'cpu-bound',
          title: 'CPU bound: one core saturated',
          confidence: 0.88,
          evidence: [
            `Throughput stopped growing at ${Math.round(s400.rps)} req/s when 400 req/s was offered.`,
            `process.port3100 CPU averaged ${cpuAt(s300)}% of one core at 300 req/s and ${cpuAt(s400)}% at 400 req/s (a single-threaded process: 100% is the ceiling).`,
            `eventLoop.app.utilization reached 1.0 and the event loop delay p99 rose above 140 ms: the loop, not a pool, is the queue.`,
          ],
          recommendation:
            'Profile GET /search under load (e.g. `node --cpu-prof`) and remove the hottest synchronous work, or run one process per core (cluster): expected capacity about ×2 on this 2-core host.',
          handoff: 'performance-optimizer',
        },
        {
          id: 'timeout-cascade',
          title: 'Timeouts cascading into errors',
          confidence: 0.41,
          evidence: [
            `Errors were client timeouts after 10 s; they began at ${firstErrorSec} s, ${firstErrorSec >= s400.endSec ? `${firstErrorSec - s400.endSec} s after the 400 req/s step ended, as requests queued during it passed the timeout,` : `${firstErrorSec - s400.startSec} s into the 400 req/s step,`} and went on while the backlog drained (${(m.summary.errorRate * 100).toFixed(1)}% of the run's requests).`,
          ],
          recommendation: 'Shed load early (a concurrency limit answering 503 fast) instead of queueing requests until they time out; expected: errors become fast and bounded, p99 of served requests stays under 1 s.',
          handoff: 'performance-optimizer',
        },
      ],
      redFlags: [`p95 over the whole run (${Math.round(m.summary.latencyMs.p95!).toLocaleString('en-US')} ms) is more than 10× the 200 ms threshold.`],
    },
    stop: { reason: 'completed' },
    generator: { workers: 1, cores: 2, cpuPct: { mean: 12.4, max: 24 }, eventLoopDelayP99Ms: 2.1, sendLagP99Ms: 0.41 },
  };
  result.verdict = verdictOf(result);
  return result;
}

// ---------------------------------------------------------------------------------------------
// 3. An aborted breakpoint run: a pool of 10 database connections, ~40 ms each (≈ 239 req/s).

function abortedBreakpoint(): Result {
  // breakpoint, peak 100, duration 2m40s: 16 steps of 25 req/s, 10 s each (1 s ramp + 9 s hold).
  const stages: Stage[] = [];
  for (let i = 1; i <= 16; i++) stages.push({ durationSec: 1, target: 25 * i }, { durationSec: 9, target: 25 * i });
  const base: SimConfig = {
    seed: 33,
    stages,
    servers: 10,
    serviceMedianMs: 40,
    serviceSigma: 0.3,
    waitLimitMs: 2000,
    limitError: { kind: 'status', status: 503 },
    baseErrorRate: 0.0003,
    endpoints: [
      { name: 'GET /items', method: 'GET', path: '/items', scenario: 'browse', weight: 3, serviceFactor: 1, okStatus: 200 },
      { name: 'POST /items', method: 'POST', path: '/items', scenario: 'create', weight: 1, serviceFactor: 1.1, okStatus: 201 },
    ],
  };
  // The breakpoint pattern's own stop rule: p95 > 5 × 200 ms for 5 s. Find when it trips in the
  // full run, then stop the simulation there, as the incident guard would.
  const full = measure(base, simulate(base), false);
  let over = 0;
  let stopAtSec = full.timeline.length;
  for (const p of full.timeline) {
    over = p.latencyMs && p.latencyMs.p95 > 1000 ? over + 1 : 0;
    if (over >= 5) {
      stopAtSec = p.t + 1;
      break;
    }
  }
  const cfg: SimConfig = { ...base, stopAtSec };
  const sim = simulate(cfg);
  const m = measure(cfg, sim, true);
  const thresholds = { http_req_duration: ['p(95)<200', 'p(99)<500'], http_req_failed: ['rate<0.01'] };
  const criteria = judge(thresholds, m);
  const meanServiceMs = 40 * Math.exp(0.045);
  const busy = sim.perSecond.map((p) => p.busy);
  const cpu = sim.perSecond.map((p, i) => 2.5 + Math.min(p.offered, sim.capacityRps) * 0.16 + 1.1 * Math.sin(i * 1.3));
  const steps = m.steps;
  const sloSteps = steps.filter((s) => s.latencyMs.p95 < 200 && s.errorRate < 0.01);
  const maxSustainable = sloSteps.length ? sloSteps[sloSteps.length - 1]!.offeredRps! : null;
  // The knee: the first step whose p95 more than doubled from the step before.
  const kneeStep = steps.find((s, i) => i > 0 && s.latencyMs.p95 > 2 * steps[i - 1]!.latencyMs.p95) ?? null;
  const busyAt = (st: StepResult): number => {
    const xs = busy.slice(st.startSec, Math.ceil(st.endSec));
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const pinned = steps.find((st) => busyAt(st) >= 9.9);
  const before = pinned ? steps[pinned.index - 1] : undefined;
  const stepAt = (rps: number): StepResult | undefined => steps.find((s) => s.offeredRps === rps);
  const cpuAt = (s: StepResult): number => {
    const xs = cpu.slice(s.startSec, Math.ceil(s.endSec));
    return round(xs.reduce((a, b) => a + b, 0) / xs.length, 0);
  };
  const last = steps[steps.length - 1]!;
  const pgGapAt = 37;
  const pgActive = busy.map((b, i) => (i + 1 === pgGapAt ? null : Math.round(Math.min(10, b))));
  const target = 'http://127.0.0.1:3000/__loadproof/metrics';
  const result: Result = {
    schema: RESULT_SCHEMA,
    source: 'loadproof',
    tool: TOOL,
    plan: {
      name: 'demo items API breakpoint',
      hypothesis: 'The demo items API serves at least 200 req/s at p95 < 200 ms with under 1% errors.',
      target: 'http://127.0.0.1:3000',
      pattern: { type: 'breakpoint', peak: 100, durationSec: 160 },
      model: 'open',
      stages: stagesInfo(stages),
      thresholds,
      abort: { http_req_failed: ['rate>0.05 for 5s'], http_req_duration: ['p(95)>1000 for 5s'] },
      scenarios: [
        { name: 'browse', weight: 3, requests: ['GET /items'] },
        { name: 'create', weight: 1, requests: ['POST /items'] },
      ],
    },
    startedAt: '2025-06-16T08:00:00.000Z',
    endedAt: iso('2025-06-16T08:00:00.000Z', sim.durationSec),
    durationSec: sim.durationSec,
    verdict: 'aborted',
    summary: m.summary,
    endpoints: m.endpoints,
    criteria,
    timeline: m.timeline,
    steps,
    watch: {
      'process.port3000.cpuPct': series(cpu, { unit: '%', watcher: 'process', target: 'port 3000 (pid 61002)', role: 'app' }, 1),
      'process.port3000.rssBytes': series(
        sim.perSecond.map((p, i) => 96_000_000 + i * 52_000 + p.backlog * 6_000),
        { unit: 'bytes', watcher: 'process', target: 'port 3000 (pid 61002)', role: 'app' },
        0,
      ),
      'eventLoop.app.delayP99Ms': series(
        sim.perSecond.map((p, i) => 10.6 + p.offered * 0.008 + 0.4 * Math.sin(i)),
        { unit: 'ms', watcher: 'eventLoop', target, role: 'app' },
      ),
      'eventLoop.app.gauge.pool_in_use': series(busy.map((b) => Math.round(b)), { unit: 'count', watcher: 'eventLoop', target, role: 'app' }, 0),
      'eventLoop.app.gauge.pool_size': series(busy.map(() => 10), { unit: 'count', watcher: 'eventLoop', target, role: 'app' }, 0),
      'eventLoop.app.gauge.pool_waiting': series(
        sim.perSecond.map((p) => Math.round(p.backlog)),
        { unit: 'count', watcher: 'eventLoop', target, role: 'app' },
        0,
      ),
      'postgres.demo.connections.active': series(pgActive, { unit: 'count', watcher: 'postgres', target: 'postgres://127.0.0.1:54329/demo', role: 'db' }, 0),
      'postgres.demo.connections.idle': series(
        pgActive.map((a) => (a === null ? null : 10 - a)),
        { unit: 'count', watcher: 'postgres', target: 'postgres://127.0.0.1:54329/demo', role: 'db' },
        0,
      ),
      'postgres.demo.commitsPerSec': series(
        sim.perSecond.map((p, i) => (i + 1 === pgGapAt ? null : Math.min(p.offered, sim.capacityRps) * 0.25)),
        { unit: '/s', watcher: 'postgres', target: 'postgres://127.0.0.1:54329/demo', role: 'db' },
        1,
      ),
      'self.generator.cpuPct': series(
        sim.perSecond.map((p, i) => 2 + p.offered * 0.045 + Math.abs(Math.sin(i * 0.5))),
        { unit: '%', watcher: 'self', target: 'loadproof', role: 'generator' },
        1,
      ),
    },
    analysis: {
      phases: {
        linearUntilRps: maxSustainable,
        knee: kneeStep ? { rps: kneeStep.offeredRps!, p95Ms: kneeStep.latencyMs.p95 } : null,
        collapse: null,
        notes: [
          `Throughput followed the offered rate up to ${Math.round(sim.capacityRps)} req/s and went no higher.`,
          kneeStep
            ? `p95 more than doubled between ${kneeStep.offeredRps! - 25} and ${kneeStep.offeredRps} req/s (${Math.round(steps[kneeStep.index - 1]!.latencyMs.p95)} → ${Math.round(kneeStep.latencyMs.p95)} ms).`
            : 'No step doubled the p95 of the step before.',
        ],
      },
      capacity: {
        slo: 'p(95)<200ms, errors<1%',
        maxSustainableRps: maxSustainable,
        breakingPointRps: null,
        headroom: 0.3,
        recommendedMaxRps: maxSustainable === null ? null : Math.round(maxSustainable * 0.7),
        statement: `The SLO held up to ${maxSustainable} req/s; the run was stopped at ${last.offeredRps} req/s when p95 stayed above 1 s for 5 s, before errors passed 5%.`,
      },
      usl: { sigma: 0.085, kappa: 0.0011, lambda: 23.9, peakConcurrency: 28.8, r2: 0.95, dominant: 'contention' },
      validity: [
        { id: 'watch-gap', severity: 'warn', message: `The postgres watcher missed one read (at ${pgGapAt} s); its series has a gap there.` },
        { id: 'generator-healthy', severity: 'info', message: 'The generator used at most 15% CPU; its send lag p99 stayed under 1 ms.' },
      ],
      diagnoses: [
        {
          id: 'pool-exhaustion',
          title: 'Connection pool exhausted',
          confidence: 0.86,
          evidence: [
            `eventLoop.app.gauge.pool_in_use averaged ${before ? round(busyAt(before), 1) : '?'} of pool_size 10 at ${before?.offeredRps} req/s and was pinned at 10 from ${pinned?.offeredRps} req/s; pool_waiting then grew to ${Math.max(...sim.perSecond.map((p) => Math.round(p.backlog)))}.`,
            `p95 rose from ${Math.round(stepAt(200)?.latencyMs.p95 ?? 0)} ms at 200 req/s to ${Math.round(last.latencyMs.p95).toLocaleString('en-US')} ms at ${last.offeredRps} req/s while process.port3000 CPU stayed at or below ${Math.max(...steps.map(cpuAt))}% of one core.`,
            `Throughput stopped at ${Math.round(sim.capacityRps)} req/s = 10 connections ÷ ${meanServiceMs.toFixed(1)} ms per query: the pool, not the CPU, sets the limit.`,
          ],
          recommendation: `Raise the pool from 10 to 20 connections (PostgreSQL allows 100) or shorten the ${meanServiceMs.toFixed(0)} ms the query holds a connection; expected: capacity about doubles to ~${Math.round(sim.capacityRps * 2)} req/s, until the CPU (${cpuAt(last)}% at ${last.offeredRps} req/s) becomes the limit.`,
          handoff: 'performance-optimizer',
        },
      ],
    },
    stop: {
      reason: 'aborted',
      rule: 'http_req_duration p(95)>1000 for 5s',
      atSec: sim.durationSec,
      message: `p95 stayed above 1,000 ms for 5 s at ${last.offeredRps} req/s offered.`,
    },
    generator: { workers: 1, cores: 2, cpuPct: { mean: 8.3, max: 15 }, eventLoopDelayP99Ms: 1.6, sendLagP99Ms: 0.31 },
    warnings: [{ source: 'watch postgres', message: `a read timed out at ${pgGapAt} s (gap in the series)` }],
  };
  result.verdict = verdictOf(result);
  return result;
}

// ---------------------------------------------------------------------------------------------
// 4. An invalid run: the generator could not send 20,000 req/s; it measured itself.

function invalidGenerator(): Result {
  const rand = mulberry32(44);
  const durationSec = 20;
  const offered = 20_000;
  const sendCapacity = 11_500;
  const lagLimitMs = 250;
  const timeline: TimelinePoint[] = [];
  const hists: Histogram[] = [];
  let lagMs = 0;
  let dropped = 0;
  for (let i = 0; i < durationSec; i++) {
    const h = createHistogram();
    const sent = Math.round(sendCapacity * (1 + 0.02 * normal(rand)));
    // Arrivals the generator could not send pile up as send lag until the lag budget, then drop.
    lagMs = Math.min(lagLimitMs, lagMs + ((offered - sent) / offered) * 1000);
    const droppedNow = lagMs >= lagLimitMs ? offered - sent : 0;
    dropped += droppedNow;
    for (let k = 0; k < sent; k++) {
      const service = 0.35 * Math.exp(0.3 * normal(rand));
      const lag = lagMs * (0.6 + 0.4 * rand());
      recordUs(h, (service + lag) * 1000);
    }
    hists.push(h);
    timeline.push({
      t: i,
      durationSec: 1,
      offeredRps: offered,
      rps: sent,
      errors: 0,
      inFlight: 50,
      vus: null,
      latencyMs: pointMs(h),
      dropped: droppedNow,
      statusCodes: { '200': sent },
      sendLagP99Ms: round(lagMs, 1),
    });
  }
  const all = mergeHistograms(hists);
  const requests = timeline.reduce((a, p) => a + p.rps, 0);
  const thresholds = { http_req_duration: ['p(95)<50'], http_reqs: ['rate>15000'] };
  const summary: Result['summary'] = {
    requests,
    errors: 0,
    errorRate: 0,
    throughputRps: round(requests / durationSec, 1),
    peakRps: Math.max(...timeline.map((p) => p.rps)),
    latencyMs: summarizeMs(all),
    latencyBasis: 'intended',
    statusCodes: { '200': requests },
    dropped,
    errorKinds: { dropped },
  };
  const criteria: CriterionResult[] = [
    { metric: 'http_req_duration', condition: 'p(95)<50', observed: summary.latencyMs.p95, pass: summary.latencyMs.p95! < 50, unit: 'ms' },
    { metric: 'http_reqs', condition: 'rate>15000', observed: summary.throughputRps, pass: summary.throughputRps > 15000, unit: 'rps' },
  ];
  const result: Result = {
    schema: RESULT_SCHEMA,
    source: 'loadproof',
    tool: TOOL,
    plan: {
      name: 'quick GET http://127.0.0.1:8080/health',
      hypothesis: 'The health endpoint answers 15,000 req/s at p95 < 50 ms.',
      target: 'http://127.0.0.1:8080/health',
      pattern: null,
      model: 'open',
      stages: [
        { durationSec: 0, target: offered },
        { durationSec, target: offered },
      ],
      thresholds,
    },
    startedAt: '2025-06-17T16:45:00.000Z',
    endedAt: iso('2025-06-17T16:45:00.000Z', durationSec),
    durationSec,
    verdict: 'invalid',
    summary,
    endpoints: [
      {
        name: 'GET /health',
        method: 'GET',
        path: '/health',
        requests,
        errors: 0,
        errorRate: 0,
        statusCodes: { '200': requests },
        latencyMs: summary.latencyMs,
      },
    ],
    criteria,
    timeline,
    steps: [],
    watch: {
      'self.generator.cpuPct': series(
        timeline.map((_, i) => 97.5 + 2 * Math.abs(Math.sin(i))),
        { unit: '%', watcher: 'self', target: 'loadproof', role: 'generator' },
        1,
      ),
      'self.generator.eventLoopDelayP99Ms': series(
        timeline.map((_, i) => 38 + 9 * Math.abs(Math.sin(i * 0.8))),
        { unit: 'ms', watcher: 'self', target: 'loadproof', role: 'generator' },
        1,
      ),
    },
    analysis: {
      phases: { linearUntilRps: null, knee: null, collapse: null },
      capacity: {
        slo: 'p(95)<50ms',
        maxSustainableRps: null,
        breakingPointRps: null,
        headroom: 0.3,
        recommendedMaxRps: null,
        statement: 'Not estimated: the measurements describe the generator.',
      },
      usl: null,
      validity: [
        {
          id: 'generator-saturated',
          severity: 'invalid',
          message: `The load generator was saturated: its CPU averaged 98% of its core and its send lag p99 reached ${lagLimitMs} ms, so it sent ${Math.round(summary.throughputRps).toLocaleString('en-US')} of the 20,000 req/s asked and dropped ${dropped.toLocaleString('en-US')} arrivals. Latency and throughput describe the generator, not the target.`,
        },
        {
          id: 'generator-event-loop',
          severity: 'warn',
          message: 'The generator’s event loop delay p99 was above 35 ms all run (healthy: under 10 ms).',
        },
      ],
      diagnoses: [],
    },
    stop: { reason: 'completed' },
    generator: { workers: 1, cores: 2, cpuPct: { mean: 98, max: 99.6 }, eventLoopDelayP99Ms: 46.5, sendLagP99Ms: lagLimitMs },
  };
  result.verdict = verdictOf(result);
  return result;
}

// ---------------------------------------------------------------------------------------------
// 5. An imported wrk result: one load level, no time series, no watchers.

function importedWrk(): Result {
  const requests = 295_611;
  const durationSec = 30.03;
  const result: Result = {
    schema: RESULT_SCHEMA,
    source: 'wrk',
    tool: { name: 'wrk', version: '4.1.0' },
    plan: {
      name: 'wrk -t2 -c100 -d30s http://127.0.0.1:8080/api/items',
      hypothesis: null,
      target: 'http://127.0.0.1:8080/api/items',
      pattern: null,
      model: 'closed',
    },
    startedAt: '2025-06-18T11:20:00.000Z',
    endedAt: '2025-06-18T11:20:30.030Z',
    durationSec,
    verdict: 'pass',
    summary: {
      requests,
      errors: 212,
      errorRate: round(212 / requests, 5),
      throughputRps: round(requests / durationSec, 1),
      peakRps: round(requests / durationSec, 1),
      latencyMs: { min: 0.21, mean: 10.42, p50: 9.71, p90: 14.83, p95: 17.2, p99: 28.9, p999: 61.4, max: 212.5, stdev: 4.87 },
      latencyBasis: 'actual',
      errorKinds: { status: 170, timeout: 42 },
      bytesReceived: 312_450_000,
    },
    endpoints: [
      {
        name: 'GET /api/items',
        method: 'GET',
        path: '/api/items',
        requests,
        errors: 212,
        errorRate: round(212 / requests, 5),
        statusCodes: {},
        errorKinds: { status: 170, timeout: 42 },
        latencyMs: { min: 0.21, mean: 10.42, p50: 9.71, p90: 14.83, p95: 17.2, p99: 28.9, p999: 61.4, max: 212.5, stdev: 4.87 },
      },
    ],
    criteria: [],
    timeline: [],
    steps: [],
    watch: {},
    analysis: {
      phases: { linearUntilRps: null, knee: null, collapse: null },
      capacity: {
        slo: 'p(95)<200ms, errors<1%',
        maxSustainableRps: null,
        breakingPointRps: null,
        headroom: 0.3,
        recommendedMaxRps: null,
        statement: 'One load level only (100 connections): capacity needs several levels of load and cannot be estimated from this file.',
      },
      usl: null,
      validity: [
        {
          id: 'closed-loop-latency',
          severity: 'warn',
          message: 'wrk is closed-loop: a slow response delays the next request, so tail latency is understated (coordinated omission).',
        },
        { id: 'imported', severity: 'info', message: 'Imported from wrk text output; no plan thresholds were given, so nothing was judged.' },
      ],
      diagnoses: [],
    },
    stop: { reason: 'imported' },
    limitations: [
      'wrk records no time series: no timeline, no steps, no knee or capacity estimate.',
      'wrk counts non-2xx/3xx answers without their status codes.',
      'wrk prints p50, p75, p90 and p99; p95 and p99.9 are interpolated from its percentile lines.',
    ],
  };
  result.verdict = verdictOf(result);
  return result;
}

/** The stored fixtures, by file name (without `.json`). */
export function buildResultFixtures(): Record<string, Result> {
  return {
    'pass-load': passingLoad(),
    'fail-stress': failingStress(),
    'aborted-breakpoint': abortedBreakpoint(),
    'invalid-generator': invalidGenerator(),
    'imported-wrk': importedWrk(),
  };
}

export const RESULT_FIXTURES_DIR = resolve(REPO_ROOT, 'test/fixtures/results');

/** The stored fixtures' names: a passing, a failing, an aborted, an invalid and an imported result. */
export const RESULT_FIXTURE_NAMES = ['pass-load', 'fail-stress', 'aborted-breakpoint', 'invalid-generator', 'imported-wrk'] as const;

/**
 * Results recorded from real runs (test/integration/e2e-truth.test.ts, kept with
 * LOADPROOF_E2E_KEEP=1 and copied here): a service that stops answering (timeouts counted in the
 * latency as lower bounds) and a run whose login used a wrong password (invalid: not tested).
 */
export const RECORDED_FIXTURE_NAMES = ['recorded-fail-hang', 'recorded-invalid-login'] as const;

/** A stored fixture, read fresh (callers may mutate it). */
export function loadResultFixture(name: (typeof RESULT_FIXTURE_NAMES)[number] | (typeof RECORDED_FIXTURE_NAMES)[number]): Result {
  return JSON.parse(readFileSync(resolve(RESULT_FIXTURES_DIR, `${name}.json`), 'utf8')) as Result;
}

/**
 * A copy of the aborted breakpoint fixture with hostile text everywhere the plan, the target or
 * responses reach a report: every string here must show as text and never run or load anything.
 */
export const HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">|`*_[x](javascript:alert(1))&amp;';

export function hostileResult(): Result {
  const r = loadResultFixture('aborted-breakpoint');
  r.plan.name = `${HOSTILE} plan`;
  r.plan.hypothesis = `${HOSTILE} holds`;
  r.plan.target = `http://127.0.0.1:3000/${HOSTILE}`;
  r.plan.scenarios = [{ name: HOSTILE, weight: 1, requests: [`GET /${HOSTILE}`] }];
  r.endpoints[0]!.name = `GET /items?q=${HOSTILE}`;
  r.endpoints[0]!.statusCodes[HOSTILE] = 1;
  r.criteria.push({ metric: `http_req_duration{name:${HOSTILE}}`, condition: 'p(95)<200', observed: 250, pass: false, unit: 'ms' });
  r.analysis!.diagnoses[0]!.evidence.push(`evidence mentions ${HOSTILE}`);
  r.analysis!.diagnoses[0]!.recommendation += ` ${HOSTILE}`;
  r.analysis!.validity.push({ id: HOSTILE, severity: 'warn', message: `warning about ${HOSTILE}` });
  r.watch[`prometheus.prom.${HOSTILE}`] = { ...r.watch['postgres.demo.commitsPerSec']!, watcher: 'prometheus', target: HOSTILE };
  r.stop!.rule = `${HOSTILE} for 5s`;
  r.warnings!.push({ source: HOSTILE, message: HOSTILE });
  r.limitations = [HOSTILE];
  return r;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [name, result] of Object.entries(buildResultFixtures())) {
    const file = resolve(RESULT_FIXTURES_DIR, `${name}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${file} (${result.verdict})`);
  }
}
