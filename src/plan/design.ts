/**
 * The design of an experiment: what `design` prints and what `run` prints before it starts.
 *
 * `buildDesign(plan)` is pure and returns a structured `Design` (serialisable, for `design --json`
 * and for tests); `renderDesign(design)` turns it into text that begins with exactly three headed
 * sections, in this order: "What test to run", "What to watch", "How to interpret"; then "Notes".
 */
import { VERSION } from '../version.js';
import type { DiagnosisId } from '../result/types.js';
import { resolveLoad, SOAK_MIN_MS } from './patterns.js';
import { runnableIssues } from './runnable.js';
import type { Aggregation, ThresholdExpr, ThresholdOp } from './thresholds.js';
import { METRICS, parseMetricKey, type MetricKey } from './thresholds.js';
import { requestStepsOf, type PatternType, type Plan, type Step, type WatchItem, type WatchKind } from './schema.js';
import { formatDurationMs } from './units.js';
import { symptomsFor } from './symptoms.js';

/** The section headings, in the order they are printed. */
export const DESIGN_SECTIONS = ['What test to run', 'What to watch', 'How to interpret'] as const;

/** One stage of the load shape, on the run's time axis. */
export interface DesignStage {
  index: number;
  startMs: number;
  durationMs: number;
  /** load at the stage start (the previous stage's target; 0 before the first) */
  from: number;
  /** load at the stage end */
  target: number;
}

export interface DesignScenario {
  name: string;
  weight: number;
  /** share of iterations, 0..1 */
  share: number;
  /** requests run once per virtual user before its first iteration, e.g. "POST /auth/login" */
  setup: string[];
  /** the iteration, e.g. ["GET /items (expect 200, within 200ms)", "think 1s..3s"] */
  flow: string[];
  requestsPerIteration: number;
  /** protocols other than HTTP the scenario speaks, described (WebSocket, gRPC); absent when HTTP only */
  protocols?: string[];
}

export interface DesignClientMetric {
  metric: string;
  meaning: string;
  thresholds: string[];
  abort: string[];
}

export interface DesignWatchTarget {
  kind: WatchKind | 'self';
  /** what is watched, with any password removed from URLs */
  what: string;
  /** series name prefix, e.g. `process.port3000` */
  prefix: string;
  series: string[];
  intervalMs: number;
}

/** Something this pattern needs (or would benefit from) that the plan does not watch. */
export interface DesignGap {
  level: 'needed' | 'suggested';
  what: string;
  why: string;
  /** a watch entry to add, as plan YAML */
  add: string;
}

export interface DesignCriterion {
  metric: string;
  condition: string;
  /** the pass/fail rule in words */
  rule: string;
}

export interface DesignPhase {
  name: 'linear region' | 'knee' | 'collapse';
  looksLike: string;
}

export interface DesignSymptom {
  id: DiagnosisId;
  symptom: string;
  cause: string;
  evidence: string;
  /** false when the plan lacks every watcher that would supply the evidence */
  evidenceWatched: boolean;
}

export interface Design {
  name: string;
  file?: string;
  hypothesis: string | null;
  target: string;
  test: {
    tool: string;
    model: 'open' | 'closed';
    modelExplained: string;
    /** which HTTP the client speaks (plan `http`), in words */
    protocol: string;
    /** the pattern that shaped the load, or 'custom' for explicit stages without a pattern */
    shape: PatternType | 'custom';
    /** where the stages came from */
    source: 'stages' | PatternType;
    peak: number | null;
    peakSource: string | null;
    /** `/s` (open: arrivals per second) or `VUs` (closed) */
    unit: '/s' | 'VUs';
    stages: DesignStage[];
    totalMs: number;
    gracefulStopMs: number | null;
    maxInFlight: number | null;
    arrivals: 'constant' | 'poisson';
    scenarios: DesignScenario[];
    /** weighted mean requests per iteration (setup excluded) */
    requestsPerIteration: number;
  };
  watch: {
    client: DesignClientMetric[];
    targets: DesignWatchTarget[];
    gaps: DesignGap[];
  };
  interpret: {
    hypothesisRule: string;
    criteria: DesignCriterion[];
    abortRules: DesignCriterion[];
    phases: DesignPhase[];
    symptoms: DesignSymptom[];
  };
  notes: string[];
}

export interface BuildDesignOptions {
  /** the plan file, shown in the header line */
  file?: string;
}

/** Builds the design of a validated plan. Pure: runs nothing, reads nothing. */
export function buildDesign(plan: Plan, opts: BuildDesignOptions = {}): Design {
  const load = resolveLoad(plan);
  const shape: PatternType | 'custom' = plan.pattern?.type ?? 'custom';
  const unit = load.model === 'open' ? '/s' : 'VUs';

  let t = 0;
  let prev = 0;
  const stages: DesignStage[] = load.stages.map((s, index) => {
    const stage = { index, startMs: t, durationMs: s.durationMs, from: prev, target: s.target };
    t += s.durationMs;
    prev = s.target;
    return stage;
  });

  const totalWeight = plan.scenarios.reduce((a, s) => a + s.weight, 0);
  const scenarios: DesignScenario[] = plan.scenarios.map((s) => ({
    name: s.name,
    weight: s.weight,
    share: s.weight / totalWeight,
    setup: (s.setup ?? []).map(describeStep),
    flow: s.script !== undefined ? [`script ${s.script}`] : s.flow.map(describeStep),
    requestsPerIteration: s.script !== undefined ? 1 : requestsPerIterationOf(s.flow),
    ...protocolsOf([...(s.setup ?? []), ...s.flow], load.model),
  }));
  const requestsPerIteration = scenarios.reduce((a, s) => a + s.share * s.requestsPerIteration, 0);

  const targets = watchTargets(plan.watch ?? []);
  const gaps = watchGaps(plan, shape);
  const watchedKinds = new Set((plan.watch ?? []).map(watchKindOf));

  const criteria: DesignCriterion[] = [];
  for (const [key, exprs] of Object.entries(plan.thresholds ?? {})) {
    for (const e of exprs) criteria.push({ metric: key, condition: e.source, rule: criterionRule(key, e, load.model) });
  }
  const abortRules: DesignCriterion[] = [];
  for (const [key, exprs] of Object.entries(load.abort)) {
    for (const e of exprs) abortRules.push({ metric: key, condition: e.source, rule: abortRule(key, e, load.model) });
  }

  const notes = [...load.notes];
  const refusal = runnableIssues(plan, opts.file);
  if (shape === 'smoke' && (!plan.hypothesis || criteria.length === 0)) {
    const missing = [!plan.hypothesis && 'hypothesis', criteria.length === 0 && 'thresholds'].filter(Boolean).join(' and ');
    notes.push(`run would accept this smoke test without criteria (no ${missing}): it checks that the target works at all, not how well`);
  } else if (refusal.length) {
    for (const issue of refusal) notes.push(`run would refuse this plan: ${issue.message} (${issue.hint ?? ''})`.replace(' ()', ''));
  }
  if (!Object.keys(plan.thresholds ?? {}).some((k) => k.startsWith('http_req_failed'))) {
    const budget = plan.validity?.maxErrorRate ?? 0.5;
    notes.push(
      `warning: no error-rate criterion (http_req_failed): a run whose requests fail fast could meet every latency criterion; only past the error budget of ${Math.round(budget * 1000) / 10}% failed requests (validity.maxErrorRate) is it judged invalid — add e.g. \`http_req_failed: ["rate<0.01"]\``,
    );
  }
  return {
    name: plan.name,
    file: opts.file,
    hypothesis: plan.hypothesis?.trim() ?? null,
    target: redactUrl(plan.target),
    test: {
      tool: `loadproof ${VERSION} (its own engine; \`loadproof export --to k6|locust|artillery|wrk\` writes the same test for those tools)`,
      model: load.model,
      modelExplained:
        load.model === 'open'
          ? 'open: arrivals at a set rate whatever the target does; each arrival runs one iteration of a scenario picked by weight; latency is measured from the intended send time, so a stall cannot hide (no coordinated omission)'
          : 'closed: a set number of virtual users, each looping its scenario with think time; a slow target slows the arrivals, so latencies are service times',
      protocol: protocolExplained(plan),
      shape,
      source: load.source,
      peak: plan.pattern?.peak ?? null,
      peakSource: plan.pattern?.peakSource ?? null,
      unit,
      stages,
      totalMs: load.totalMs,
      gracefulStopMs: plan.load?.gracefulStopMs ?? null,
      maxInFlight: plan.load?.maxInFlight ?? null,
      arrivals: plan.load?.arrivals ?? 'constant',
      scenarios,
      requestsPerIteration,
    },
    watch: { client: clientMetrics(plan, load.abort, load.model), targets, gaps },
    interpret: {
      hypothesisRule: plan.hypothesis
        ? 'the hypothesis holds when every criterion below passes; one failed criterion refutes it (exit 1)'
        : 'no hypothesis: the run can describe the target but not confirm or refute an expectation',
      criteria,
      abortRules,
      phases: phasesFor(shape, plan.pattern?.peak ?? null, unit),
      symptoms: symptomsFor(shape === 'custom' ? 'load' : shape).map((row) => ({
        id: row.id,
        symptom: row.symptom,
        cause: row.cause,
        evidence: row.evidenceNote,
        evidenceWatched: row.evidence.length === 0 || row.evidence.some((k) => watchedKinds.has(k)),
      })),
    },
    notes,
  };
}

// ---------------------------------------------------------------------------------------------
// Steps and watch targets

/** Requests one iteration sends: a loop of count n counts n times its body; a loop over a list and an if count their body once. */
function requestsPerIterationOf(steps: readonly Step[]): number {
  let n = 0;
  for (const st of steps) {
    if (st.kind === 'request' || st.kind === 'grpc') n++;
    // a ws step records its handshake, its round trip (an expect) or its close
    else if (st.kind === 'ws') n += st.op === 'connect' || st.op === 'close' || st.expect !== undefined ? 1 : 0;
    else if (st.kind === 'loop') n += (st.count ?? 1) * requestsPerIterationOf(st.steps);
    else if (st.kind === 'if') n += Math.max(requestsPerIterationOf(st.then), requestsPerIterationOf(st.else));
  }
  return n;
}

/** How the scenario's WebSocket and gRPC steps are measured, in words (absent: HTTP only). */
function protocolsOf(steps: readonly Step[], model: 'open' | 'closed'): { protocols?: string[] } {
  const kinds = new Set<string>();
  const walk = (list: readonly Step[]): void => {
    for (const st of list) {
      if (st.kind === 'ws' || st.kind === 'grpc') kinds.add(st.kind);
      else if (st.kind === 'loop') walk(st.steps);
      else if (st.kind === 'if') {
        walk(st.then);
        walk(st.else);
      }
    }
  };
  walk(steps);
  const out: string[] = [];
  if (kinds.has('ws')) {
    out.push(
      `WebSocket: ${model === 'open' ? 'each arrival opens its own connection and closes it when its flow ends' : 'each virtual user keeps one socket across iterations'}; ` +
        'recorded: the handshake (connect), each message round trip from the send\'s intended start to its matching reply (messages/s), the close; errors ws_connect_failed, ws_abnormal_close, timeout',
    );
  }
  if (kinds.has('grpc')) {
    out.push('gRPC unary: one channel per connection slot, reused; deadline = the step timeout; non-OK statuses become grpc_unavailable, grpc_deadline_exceeded, grpc_resource_exhausted (a rate limit) or grpc_error');
  }
  return out.length ? { protocols: out } : {};
}

function describeWs(step: Extract<Step, { kind: 'ws' }>): string {
  switch (step.op) {
    case 'connect':
      return `WS connect ${step.connect}`;
    case 'send': {
      const m = step.send!;
      const what = typeof m === 'string' || 'text' in m ? 'text' : 'json' in m ? 'JSON' : 'binary';
      const e = step.expect;
      return `WS send ${what}${e ? ` → expect reply${e.correlate ? ` (correlated by ${e.correlate})` : ' (in order)'}${e.timeoutMs !== undefined ? ` within ${formatDurationMs(e.timeoutMs)}` : ''}` : ''}`;
    }
    case 'expect':
      return `WS expect message${step.expect?.contains !== undefined ? ` containing ${JSON.stringify(step.expect.contains)}` : ''}${step.expect?.correlate ? ` (correlated by ${step.expect.correlate})` : ''}`;
    case 'hold':
      return `WS hold ${formatDurationMs(step.holdMs ?? 0)}`;
    case 'close':
      return `WS close${step.closeCode !== undefined && step.closeCode !== 1000 ? ` ${step.closeCode}` : ''}`;
  }
}

function describeStep(step: Step): string {
  if (step.kind === 'ws') return describeWs(step);
  if (step.kind === 'grpc') return `gRPC ${step.service}/${step.method}${step.name ? ` "${step.name}"` : ''} (${step.proto.split('/').pop()})`;
  if (step.kind === 'think') return `think ${rangeText(step.think.minMs, step.think.maxMs)}`;
  if (step.kind === 'loop') return `loop ${step.count !== undefined ? `${step.count}×` : `over ${step.over}`} [${step.steps.map(describeStep).join(' → ')}]`;
  if (step.kind === 'if') {
    const c = step.if;
    const cond = c.status !== undefined ? `status ${Array.isArray(c.status) ? c.status.join('|') : c.status}` : `${c.var}${c.equals !== undefined ? ` = ${String(c.equals)}` : c.in ? ` in ${c.in.join('|')}` : c.matches ? ` ~ /${c.matches}/` : ''}`;
    return `if ${cond} [${step.then.map(describeStep).join(' → ')}]${step.else.length ? ` else [${step.else.map(describeStep).join(' → ')}]` : ''}`;
  }
  const checks: string[] = [];
  const status = step.expect?.status;
  if (status !== undefined) checks.push(`expect ${Array.isArray(status) ? status.join('|') : status}`);
  if (step.expect?.maxDurationMs !== undefined) checks.push(`within ${formatDurationMs(step.expect.maxDurationMs)}`);
  if (step.capture) checks.push(`capture ${Object.keys(step.capture).join(', ')}`);
  const name = step.name ? ` "${step.name}"` : '';
  return `${step.method} ${step.path}${name}${checks.length ? ` (${checks.join(', ')})` : ''}`;
}

function rangeText(minMs: number, maxMs: number): string {
  return minMs === maxMs ? formatDurationMs(minMs) : `${formatDurationMs(minMs)}..${formatDurationMs(maxMs)}`;
}

function watchKindOf(w: WatchItem): WatchKind {
  if (w.process) return 'process';
  if (w.postgres) return 'postgres';
  if (w.prometheus) return 'prometheus';
  if (w.eventLoop) return 'eventLoop';
  return 'dependency';
}

const DB_PROCESS = /postgres|mysqld|mongod|redis-server/;

/** The series each watch entry produces (names pinned in the common brief). */
function watchTargets(items: readonly WatchItem[]): DesignWatchTarget[] {
  const out: DesignWatchTarget[] = items.map((w) => {
    const intervalMs = w.intervalMs ?? 1000;
    if (w.process) {
      const p = w.process;
      const label = p.label ?? (p.port !== undefined ? `port${p.port}` : p.pid !== undefined ? `pid${p.pid}` : p.name!);
      const of = p.port !== undefined ? `whatever listens on port ${p.port}` : p.pid !== undefined ? `pid ${p.pid}` : `processes named ${p.name}`;
      const role = p.role ?? (p.name && DB_PROCESS.test(p.name) ? 'db' : 'app');
      return {
        kind: 'process' as const,
        what: `process: CPU, memory, file descriptors and threads of ${of} (role ${role})`,
        prefix: `process.${label}`,
        series: ['cpuPct', 'rssBytes', 'fds', 'threads', 'count'],
        intervalMs,
      };
    }
    if (w.postgres) {
      const label = w.postgres.label ?? databaseName(w.postgres.url);
      return {
        kind: 'postgres' as const,
        what: `postgres: connections by state, lock waits, scans, commits of ${redactUrl(w.postgres.url)}`,
        prefix: `postgres.${label}`,
        series: ['connections.active', 'connections.idle', 'connections.total', 'connections.max', 'waitingOnLock', 'seqScanPerSec', 'idxScanPerSec', 'commitsPerSec'],
        intervalMs,
      };
    }
    if (w.prometheus) {
      const match = w.prometheus.match?.length ? ` matching ${w.prometheus.match.join(', ')}` : '';
      return {
        kind: 'prometheus' as const,
        what: `prometheus: metrics${match} scraped from ${redactUrl(w.prometheus.url)} (counters as rates, histograms as p50/p95/p99)`,
        prefix: `prometheus.${w.prometheus.label ?? 'prom'}`,
        series: ['<metric>'],
        intervalMs,
      };
    }
    if (w.eventLoop) {
      return {
        kind: 'eventLoop' as const,
        what: `eventLoop: event-loop delay and utilization, heap, GC and the app's gauges from ${redactUrl(w.eventLoop.url)}`,
        prefix: `eventLoop.${w.eventLoop.label ?? 'app'}`,
        series: ['delayP99Ms', 'utilization', 'heapUsedBytes', 'rssBytes', 'gcPauseMsPerSec', 'gauge.<name>'],
        intervalMs,
      };
    }
    const d = w.dependency!;
    return {
      kind: 'dependency' as const,
      what: `dependency: ${d.name} probed at ${redactUrl(d.url)}, ${d.ratePerSec}/s (latency, errors, 429/503 share)`,
      prefix: `dependency.${d.name}`,
      series: ['latencyMs', 'p95Ms', 'errorRate', 'throttledRate'],
      intervalMs,
    };
  });
  out.push({
    kind: 'self',
    what: 'self (always on): the generator itself, so a saturated generator is caught',
    prefix: 'self.generator',
    series: ['cpuPct', 'eventLoopDelayP99Ms', 'rssBytes'],
    intervalMs: 1000,
  });
  return out;
}

function databaseName(url: string): string {
  try {
    const db = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
    return db || 'postgres';
  } catch {
    return 'postgres';
  }
}

/** A URL with its password replaced by `***` (plans may carry `${env.PGPASSWORD}` values). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** What the pattern needs that the plan does not watch. */
function watchGaps(plan: Plan, shape: PatternType | 'custom'): DesignGap[] {
  if (shape === 'smoke') return [];
  const kinds = new Set((plan.watch ?? []).map(watchKindOf));
  const hasAppProcess = (plan.watch ?? []).some((w) => w.process && (w.process.role ?? 'app') === 'app');
  const gaps: DesignGap[] = [];
  const port = loopbackPort(plan.target);
  const processEntry = port !== undefined ? `- process: { port: ${port} }` : '- process: { name: <server process name> }';
  const origin = originOf(plan.target);

  if (shape === 'soak' && !kinds.has('process') && !kinds.has('eventLoop')) {
    gaps.push({
      level: 'needed',
      what: 'memory of the target',
      why: 'a soak looks for memory that grows at constant load (memory-leak); without RSS or heap over time it cannot show one',
      add: processEntry,
    });
  }
  if ((shape === 'stress' || shape === 'breakpoint') && !hasAppProcess) {
    gaps.push({
      level: 'needed',
      what: 'CPU of the target',
      why: `a ${shape} test finds where throughput stops growing; only the target's CPU tells cpu-bound (a core saturated) from pool-exhaustion (CPU idle while latency climbs)`,
      add: processEntry,
    });
  } else if ((shape === 'load' || shape === 'spike' || shape === 'custom') && !kinds.has('process')) {
    gaps.push({
      level: 'suggested',
      what: 'CPU and memory of the target',
      why: 'without them a slow response cannot be told apart as CPU saturation or waiting',
      add: processEntry,
    });
  }
  if (shape !== 'soak' && !kinds.has('eventLoop') && !kinds.has('postgres')) {
    gaps.push({
      level: 'suggested',
      what: 'pool gauges (connections in use, waiting)',
      why: 'pool-exhaustion is confirmed by a pool at its size with requests waiting; a Node target can serve them with `loadproof/probe`',
      add: `- eventLoop: { url: ${origin ?? 'http://127.0.0.1:3000'}/__loadproof/metrics }`,
    });
  }
  if (!kinds.has('postgres')) {
    gaps.push({
      level: 'suggested',
      what: 'PostgreSQL, if the service uses it',
      why: 'missing-index and database connection limits only show from the database side (scans, connections by state, lock waits)',
      add: '- postgres: { url: "postgres://USER@127.0.0.1:5432/DB" }',
    });
  }
  return gaps;
}

/** The port of a loopback target (127.0.0.1, localhost, [::1]); undefined for any other host. */
export function loopbackPort(target: string): number | undefined {
  try {
    const u = new URL(target);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) return undefined;
    return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  } catch {
    return undefined;
  }
}

function originOf(target: string): string | undefined {
  try {
    return new URL(target).origin;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Client metrics and criteria in words

const METRIC_MEANING: Record<string, (model: 'open' | 'closed') => string> = {
  http_req_duration: (m) => (m === 'open' ? 'request latency, from the intended send time (ms)' : 'request latency, from the actual send (ms)'),
  http_req_failed: () => 'share of failed requests: connection errors, timeouts, statuses outside 2xx/3xx',
  http_reqs: () => 'requests completed; as a rate, the throughput (req/s)',
  checks: () => 'share of passing `expect:` checks',
  iterations: () => 'scenario iterations completed',
  iteration_duration: () => 'time to run one iteration of a scenario (ms)',
  dropped_iterations: () => 'arrivals not sent because load.maxInFlight was reached',
  data_received: () => 'bytes received',
  data_sent: () => 'bytes sent',
};

function clientMetrics(plan: Plan, abort: Record<string, ThresholdExpr[]>, model: 'open' | 'closed'): DesignClientMetric[] {
  const always = ['http_req_duration', 'http_req_failed', 'http_reqs'];
  const hasChecks = plan.scenarios.some((s) => requestStepsOf([...(s.setup ?? []), ...s.flow]).some((st) => st.expect));
  if (hasChecks) always.push('checks');
  if (model === 'open') always.push('dropped_iterations');
  const keys = [...always];
  for (const k of [...Object.keys(plan.thresholds ?? {}), ...Object.keys(abort)]) if (!keys.includes(k)) keys.push(k);
  return keys.map((key) => {
    const mk = parseMetricKey(key) as MetricKey;
    const tag = mk.tag ? ` — only ${mk.tag.key} ${mk.tag.value}` : '';
    return {
      metric: key,
      meaning: `${METRIC_MEANING[mk.metric]?.(model) ?? mk.metric}${tag}`,
      thresholds: (plan.thresholds?.[key] ?? []).map((e) => e.source),
      abort: (abort[key] ?? []).map((e) => e.source),
    };
  });
}

const OP_WORDS: Record<ThresholdOp, string> = { '<': 'below', '<=': 'at most', '>': 'above', '>=': 'at least', '==': 'exactly', '!=': 'not' };
const NEGATED_OP_WORDS: Record<ThresholdOp, string> = { '<': 'at least', '<=': 'above', '>': 'at most', '>=': 'below', '==': 'not', '!=': 'exactly' };

function aggregationWords(a: Aggregation): string {
  switch (a.kind) {
    case 'avg':
      return 'the mean';
    case 'min':
      return 'the minimum';
    case 'max':
      return 'the maximum';
    case 'med':
      return 'the median';
    case 'percentile':
      return `the ${ordinal(a.p)} percentile`;
    case 'rate':
      return 'the rate';
    case 'count':
      return 'the count';
  }
}

function ordinal(n: number): string {
  if (!Number.isInteger(n)) return `${n}th`;
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${s}`;
}

/** "the 95th percentile of request latency", "the share of failed requests", "throughput" ... */
function quantityWords(key: string, e: ThresholdExpr): { what: string; value: string } {
  const mk = parseMetricKey(key) as MetricKey;
  const type = METRICS[mk.metric];
  const tag = mk.tag ? ` (${mk.tag.key} ${mk.tag.value})` : '';
  const pct = (v: number): string => `${Math.round(v * 10_000) / 100}%`;
  if (type === 'trend') {
    const what = mk.metric === 'iteration_duration' ? 'iteration duration' : 'request latency';
    return { what: `${aggregationWords(e.aggregation)} of ${what}${tag}`, value: `${e.value} ms` };
  }
  if (type === 'rate') {
    const what = mk.metric === 'checks' ? 'the share of passing checks' : 'the share of failed requests';
    return { what: `${what}${tag}`, value: pct(e.value) };
  }
  const noun: Record<string, string> = {
    http_reqs: 'requests',
    iterations: 'iterations',
    dropped_iterations: 'dropped arrivals',
    data_received: 'bytes received',
    data_sent: 'bytes sent',
  };
  const n = noun[mk.metric] ?? mk.metric;
  if (e.aggregation.kind === 'rate') {
    const what = mk.metric === 'http_reqs' ? 'throughput (completed requests per second)' : `${n} per second`;
    return { what: `${what}${tag}`, value: `${e.value}/s` };
  }
  return { what: `the number of ${n}${tag}`, value: String(e.value) };
}

function criterionRule(key: string, e: ThresholdExpr, _model: 'open' | 'closed'): string {
  const q = quantityWords(key, e);
  return `pass when ${q.what} over the whole run is ${OP_WORDS[e.op]} ${q.value}; fail when it is ${NEGATED_OP_WORDS[e.op]} ${q.value}`;
}

function abortRule(key: string, e: ThresholdExpr & { forMs?: number }, _model: 'open' | 'closed'): string {
  const q = quantityWords(key, e);
  const window = e.forMs !== undefined ? ` for ${formatDurationMs(e.forMs)}` : '';
  return `stop the run (exit 3) when ${q.what} stays ${OP_WORDS[e.op]} ${q.value}${window}`;
}

// ---------------------------------------------------------------------------------------------
// Phases per pattern

function phasesFor(shape: PatternType | 'custom', peak: number | null, unit: '/s' | 'VUs'): DesignPhase[] {
  const at = (f: number): string => (peak === null ? `${f * 100}% of peak` : `${round2(peak * f)}${unit === '/s' ? '/s' : ' VUs'}`);
  switch (shape) {
    case 'smoke':
      return [
        { name: 'linear region', looksLike: 'the whole run: minimal load, every request should succeed; any error is a functional fault, not a capacity limit' },
        { name: 'knee', looksLike: 'not expected at smoke load; latency already high here means the target is slow even idle' },
        { name: 'collapse', looksLike: 'not expected; errors at this load mean the test or the target is broken' },
      ];
    case 'load':
      return [
        { name: 'linear region', looksLike: `expected for the whole run: throughput follows the ramp to ${at(1)} and latency stays flat through the hold` },
        { name: 'knee', looksLike: 'latency that climbs during the ramp or keeps rising during the hold: the expected peak is at or past capacity' },
        { name: 'collapse', looksLike: 'throughput below the offered load with errors or timeouts during the hold: the target cannot carry the expected peak' },
      ];
    case 'stress':
      return [
        { name: 'linear region', looksLike: `the lower steps (${at(0.5)}, ${at(1)}): throughput equals the offered load, latency flat from step to step` },
        { name: 'knee', looksLike: `the first step where p95 jumps while throughput still follows the offered load (expected between ${at(1)} and ${at(2)}); queues are forming` },
        { name: 'collapse', looksLike: 'the step where throughput stops following the offered load (plateaus or falls) and errors climb; how gracefully it degrades past the knee is the finding' },
      ];
    case 'spike':
      return [
        { name: 'linear region', looksLike: `the baseline (${at(0.2)}): flat latency, no errors; the reference for recovery` },
        { name: 'knee', looksLike: `during the jump to ${at(2)}: latency rises as requests queue; some rise is normal, a long climb means no headroom` },
        { name: 'collapse', looksLike: 'errors or timeouts in the spike; then the recovery window shows whether latency and errors return to the baseline — not returning is the failure a spike test exists to catch' },
      ];
    case 'soak':
      return [
        { name: 'linear region', looksLike: `the hold at ${at(1)}: latency, memory and connections flat over time (at least ${formatDurationMs(SOAK_MIN_MS)} to be sure)` },
        { name: 'knee', looksLike: 'in time rather than load: latency or memory drifting upward at constant load' },
        { name: 'collapse', looksLike: 'errors, restarts or out-of-memory after minutes or hours at the same load' },
      ];
    case 'breakpoint':
      return [
        { name: 'linear region', looksLike: 'the early steps: throughput equals the offered load and p95 stays near its idle value; the last such step bounds capacity from below' },
        { name: 'knee', looksLike: 'the step where p95 rises sharply while throughput still follows: the highest step before it that meets the SLO is the maximum sustainable rate' },
        { name: 'collapse', looksLike: 'errors over 5% or p95 far past the SLO: the stop rules end the run there, and that step is the breaking point' },
      ];
    case 'custom':
      return [
        { name: 'linear region', looksLike: 'stages where throughput equals the offered load and latency stays flat as load grows' },
        { name: 'knee', looksLike: 'the load at which latency starts rising faster than load while throughput still follows' },
        { name: 'collapse', looksLike: 'throughput below the offered load, errors climbing' },
      ];
  }
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

// ---------------------------------------------------------------------------------------------
// Rendering

/** Renders a design as text: the three sections in order, then notes. Ends with a newline. */
export function renderDesign(d: Design, opts: { width?: number } = {}): string {
  const width = Math.max(60, opts.width ?? 100);
  const out: string[] = [];
  /** `Label:      text`, wrapped under the text column. */
  const field = (label: string, text: string): void => void out.push(...wrap(`${`${label}:`.padEnd(13)}${text}`, 13, width));
  /** An indented item, wrapped with a deeper hanging indent. */
  const item = (indent: number, text: string): void => void out.push(...wrap(`${' '.repeat(indent)}${text}`, indent + 4, width));
  const [runH, watchH, interpretH] = DESIGN_SECTIONS;
  const u = d.test.unit;
  const load = (n: number): string => (u === '/s' ? `${fmtNum(n)}/s` : `${fmtNum(n)} VUs`);

  out.push(`## ${runH}`, '');
  field('Plan', `${d.name}${d.file ? ` (${d.file})` : ''}`);
  if (d.hypothesis) field('Hypothesis', oneLine(d.hypothesis));
  field('Target', d.target);
  field('Tool', d.test.tool);
  field('Model', d.test.modelExplained);
  field('Protocol', d.test.protocol);
  if (d.test.model === 'open') {
    const extras = [d.test.arrivals === 'poisson' ? 'Poisson arrivals' : 'evenly spaced arrivals'];
    if (d.test.maxInFlight !== null) extras.push(`at most ${d.test.maxInFlight} in flight (arrivals past it are counted as dropped)`);
    out.push(...wrap(`${' '.repeat(13)}${extras.join('; ')}`, 13, width));
  }
  const patternLine =
    d.test.shape === 'custom'
      ? 'explicit load.stages (no pattern)'
      : `${d.test.shape}, peak ${load(d.test.peak ?? 0)}${d.test.peakSource ? ` (source: ${d.test.peakSource})` : ''}${
          d.test.source === 'stages' ? ' — stages given explicitly in load.stages' : ''
        }`;
  field('Pattern', patternLine);
  field('Stages', `${u === '/s' ? 'arrivals per second' : 'virtual users'}; each stage moves linearly from the previous target to its own`);
  for (const line of stageLines(d.test.stages, load)) out.push(`  ${line}`);
  const grace = d.test.gracefulStopMs !== null ? ` + up to ${formatDurationMs(d.test.gracefulStopMs)} for in-flight requests` : '';
  const early = d.test.shape === 'breakpoint' ? ' at most; expected to stop earlier, when a stop rule trips' : '';
  field('Duration', `${clock(d.test.totalMs)}${early}${grace}`);
  const rpi = round2(d.test.requestsPerIteration);
  field(
    'Request mix',
    `${plural(d.test.scenarios.length, 'scenario')}, ${fmtNum(rpi)} request${rpi === 1 ? '' : 's'} per iteration on average`,
  );
  for (const s of d.test.scenarios) {
    item(2, `${s.name} — weight ${fmtNum(s.weight)} (${Math.round(s.share * 1000) / 10}% of iterations)`);
    if (s.setup.length) item(4, `setup (once per virtual user): ${s.setup.join(' → ')}`);
    item(4, `flow: ${s.flow.join(' → ')}`);
    for (const p of s.protocols ?? []) item(4, p);
  }
  if (d.test.model === 'open' && d.test.requestsPerIteration !== 1) {
    const peakLoad = Math.max(0, ...d.test.stages.map((s) => s.target));
    item(2, `at the highest stage (${load(peakLoad)}) that is about ${fmtNum(round2(peakLoad * d.test.requestsPerIteration))} requests/s, plus setup`);
  }

  out.push('', `## ${watchH}`, '');
  out.push('Client metrics (measured by loadproof on every request):');
  const metricWidth = Math.max(...d.watch.client.map((c) => c.metric.length));
  for (const c of d.watch.client) {
    const crit = [c.thresholds.length ? `criteria: ${c.thresholds.join(', ')}` : '', c.abort.length ? `abort: ${c.abort.join(', ')}` : '']
      .filter(Boolean)
      .join('; ');
    out.push(...wrap(`  ${c.metric.padEnd(metricWidth)}  ${c.meaning}${crit ? ` — ${crit}` : ''}`, metricWidth + 4, width));
  }
  out.push("Target (the plan's watch list):");
  for (const t of d.watch.targets) {
    const every = t.intervalMs === 1000 ? '' : `, every ${formatDurationMs(t.intervalMs)}`;
    item(2, t.what);
    item(4, `series ${t.prefix}.{${t.series.join(',')}}${every}`);
  }
  const label = d.test.shape === 'custom' ? 'these stages' : `a ${d.test.shape} test`;
  if (d.watch.gaps.length) {
    out.push(`Missing for ${label}:`);
    for (const g of d.watch.gaps) {
      item(2, `${g.level === 'needed' ? 'NEEDED' : 'suggested'}: ${g.what} — ${g.why}`);
      out.push(`      add under watch:  ${g.add}`);
    }
  } else {
    out.push(`Missing for ${label}: nothing`);
  }

  out.push('', `## ${interpretH}`, '');
  field('Hypothesis', d.interpret.hypothesisRule);
  if (d.interpret.criteria.length) {
    out.push('Criteria (over the whole run; all must pass):');
    for (const c of d.interpret.criteria) item(2, `${c.metric} ${c.condition}: ${c.rule}`);
  } else {
    field('Criteria', 'none — every outcome would "pass"');
  }
  if (d.interpret.abortRules.length) {
    out.push('Stop rules (live, over a sliding window):');
    for (const c of d.interpret.abortRules) item(2, `${c.metric} ${c.condition}: ${c.rule}`);
  }
  out.push(`Phases of ${d.test.shape === 'custom' ? 'a run with these stages' : label}:`);
  for (const p of d.interpret.phases) item(2, `${p.name}: ${p.looksLike}`);
  if (d.interpret.symptoms.length) {
    out.push('Symptoms this pattern can reveal (symptom → likely cause [diagnosis id]; evidence):');
    for (const s of d.interpret.symptoms) {
      const unwatched = s.evidenceWatched ? '' : ' — not watched by this plan';
      item(2, `${s.symptom} → ${s.cause} [${s.id}]; evidence: ${s.evidence}${unwatched}`);
    }
  } else {
    field('Symptoms', 'a smoke test reveals functional faults only (errors, failed checks), no capacity symptoms');
  }

  if (d.notes.length) {
    out.push('', '## Notes', '');
    for (const n of d.notes) item(0, `- ${n}`);
  }
  return `${out.join('\n')}\n`;
}

/** Greedy word wrap; continuation lines are indented by `hang` spaces. Words longer than a line stay whole. */
function wrap(text: string, hang: number, width: number): string[] {
  if (text.length <= width) return [text];
  const lead = /^ */.exec(text)![0];
  const words = text.slice(lead.length).split(' ');
  const lines: string[] = [];
  let line = lead;
  let fresh = true;
  for (const w of words) {
    if (!fresh && line.length + 1 + w.length > width) {
      lines.push(line);
      line = ' '.repeat(hang) + w;
    } else {
      line += (fresh ? '' : ' ') + w;
    }
    fresh = false;
  }
  lines.push(line);
  return lines;
}

/** Time on the run's axis: 0s, 45s, 1m30s. */
function clock(ms: number): string {
  return ms === 0 ? '0s' : formatDurationMs(ms);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * One line per stage, except that a ramp followed by a hold at the same target (a pattern "step")
 * shares one line: `0s–30s  → 25/s (ramp 3s, hold 27s)`.
 */
function stageLines(stages: readonly DesignStage[], load: (n: number) => string): string[] {
  const lines: string[] = [];
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i]!;
    const next = stages[i + 1];
    const span = (from: number, to: number): string => `${clock(from)}–${clock(to)}`.padEnd(14);
    if (s.from !== s.target && next && next.from === next.target && next.target === s.target) {
      lines.push(`${span(s.startMs, next.startMs + next.durationMs)}${load(s.from)} → ${load(s.target)} over ${formatDurationMs(s.durationMs)}, hold ${formatDurationMs(next.durationMs)}`);
      i++;
    } else if (s.from === s.target) {
      lines.push(`${span(s.startMs, s.startMs + s.durationMs)}hold ${load(s.target)}`);
    } else {
      lines.push(`${span(s.startMs, s.startMs + s.durationMs)}${load(s.from)} → ${load(s.target)}`);
    }
  }
  return lines;
}

function fmtNum(n: number): string {
  return Number.isInteger(n) ? String(n) : String(round2(n));
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** The plan's `http` in words: what the client offers and what it will speak. */
export function protocolExplained(plan: Pick<Plan, 'http' | 'target'>): string {
  const version = plan.http?.version ?? 'auto';
  let tls = false;
  try {
    tls = new URL(plan.target).protocol === 'https:';
  } catch {
    /* an unparsable target is reported elsewhere */
  }
  if (version === '1.1') return 'HTTP/1.1 only (keep-alive, one request per connection at a time)';
  if (version === '2') {
    return tls
      ? 'HTTP/2 over TLS (ALPN h2, required); requests multiplexed as streams on load.connections sessions (1 when unset), at most the server\'s maxConcurrentStreams each, the rest queued (the wait counts in latency)'
      : 'cleartext HTTP/2 (h2c, prior knowledge); requests multiplexed as streams on load.connections sessions (1 when unset), at most the server\'s maxConcurrentStreams each, the rest queued (the wait counts in latency)';
  }
  if (tls) return 'auto: h2 and http/1.1 offered through ALPN; HTTP/2 (multiplexed streams) when the server picks h2, else HTTP/1.1 keep-alive; the result records which';
  return plan.http?.h2c
    ? 'cleartext HTTP/2 (h2c, prior knowledge), multiplexed streams on load.connections sessions'
    : 'HTTP/1.1 keep-alive (an http:// target; `http: {version: 2}` or `h2c: true` for cleartext HTTP/2)';
}
