/**
 * One experiment from the command line, shared by `run` and `quick`: results folder, the NDJSON
 * log appended each second, live progress, the incident guard, Ctrl-C handling, result.json
 * written atomically, the text summary, and the exit code from the verdict.
 *
 * Results folder: `--out DIR`, else `loadproof-results/<plan-slug>-<YYYYMMDD-HHMMSS>/` in the
 * current directory. It receives `run.ndjson` (appended while the run goes) and `result.json`
 * (written once, at the end, through a temporary file and a rename, so a reader never sees half a
 * document).
 *
 * Signals: the first SIGINT/SIGTERM stops the run like an early end (no new arrivals, in-flight
 * requests get a grace of up to 5 s), the partial result is written and the exit code follows its
 * verdict; a second one abandons what is in flight at once (the files are still written); a third
 * exits immediately with 130.
 *
 * Secrets: every text written (log lines, result.json, the summary) goes through the run's
 * `SecretRegistry`, which knows the plan's secret header values (Authorization, cookies, API keys)
 * and scrubs Bearer/Basic credentials and secret-named parameters. Captured values never leave the
 * load workers: only counts and histograms do.
 */
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Plan } from '../plan/schema.js';
import { resolveLoad } from '../plan/patterns.js';
import { startRun, type RunHandle, type StopRequest } from '../engine/runner.js';
import { logHeaderOf, logEndOf, resultOf } from '../engine/result.js';
import { logLine, type LogHeader } from '../metrics/log.js';
import type { SecondRecord } from '../metrics/timeline.js';
import { decodeHistogram, percentileMs } from '../metrics/histogram.js';
import { AbortGuard, type GuardSecond } from '../engine/guard.js';
import { SecretRegistry, isSecretHeader } from '../engine/redact.js';
import type { Result, ValidityNote } from '../result/types.js';
import { exitCodeFor } from '../result/verdict.js';
import { Progress, type ProgressSnapshot } from './progress.js';
import { judge } from './judge.js';
import type { Io } from './io.js';

export interface SessionOptions {
  plan: Plan;
  io: Io;
  json: boolean;
  /** results folder (default: a new one under ./loadproof-results) */
  out?: string;
  workers?: number;
  seed?: number;
  /** extra secret values to scrub (e.g. quick's -H values) */
  secrets?: string[];
  /** install SIGINT/SIGTERM handlers (default true) */
  handleSignals?: boolean;
}

export interface SessionOutcome {
  result: Result;
  dir: string;
  exitCode: number;
}

/** `items API capacity` → `items-api-capacity` */
export function slugOf(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return s || 'run';
}

function stamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Writes a file through a temporary sibling and a rename (atomic on one filesystem). */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** The registry that scrubs the run's output: the plan's secret header values and URL credentials. */
export function secretsOf(plan: Plan, extra: string[] = []): SecretRegistry {
  const reg = new SecretRegistry();
  const headers: Array<Record<string, string> | undefined> = [plan.defaults?.headers];
  for (const s of plan.scenarios) for (const step of [...(s.setup ?? []), ...s.flow]) if (step.kind === 'request') headers.push(step.headers);
  for (const h of headers) {
    for (const [k, v] of Object.entries(h ?? {})) {
      if (isSecretHeader(k) && !v.includes('{{')) reg.learn(v);
    }
  }
  try {
    const u = new URL(plan.target);
    if (u.password) reg.learn(decodeURIComponent(u.password));
  } catch {
    // the schema validated the URL
  }
  for (const v of extra) reg.learn(v);
  return reg;
}

/** Scrubs every string of a result-like value except the base64 histograms. */
function scrubJson(reg: SecretRegistry, value: unknown): unknown {
  if (typeof value === 'string') return reg.scrub(value);
  if (Array.isArray(value)) return value.map((v) => scrubJson(reg, v));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = HDR_KEYS.has(k) ? v : scrubJson(reg, v);
    return out;
  }
  return value;
}
const HDR_KEYS = new Set(['hdr', 'serviceHdr', 'sendLagHdr']);

function guardSecondOf(r: SecondRecord, endpoints: LogHeader['endpoints']): GuardSecond {
  let requests = 0;
  let errors = 0;
  let passes = 0;
  let fails = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  for (const e of r.endpoints) {
    requests += e.requests;
    errors += e.errors;
    passes += e.checksPasses;
    fails += e.checksFails;
    bytesIn += e.bytesIn;
    bytesOut += e.bytesOut;
  }
  return {
    t: r.t,
    requests,
    errors,
    hdr: r.hdr,
    checksPasses: passes,
    checksFails: fails,
    dropped: r.dropped,
    iterations: r.iterations,
    bytesReceived: bytesIn,
    bytesSent: bytesOut,
    endpoints: r.endpoints.map((e) => {
      const info = endpoints[e.e]!;
      return {
        name: info.name,
        scenario: info.scenario,
        method: info.method,
        path: info.path,
        requests: e.requests,
        errors: e.errors,
        hdr: e.hdr,
        checksPasses: e.checksPasses,
        checksFails: e.checksFails,
        statusCodes: e.statusCodes,
      };
    }),
  };
}

function progressOf(r: SecondRecord, ctx: { stages: number; totalSec: number; model: 'open' | 'closed'; vuTarget: (t: number) => number }): ProgressSnapshot {
  let requests = 0;
  let errors = 0;
  for (const e of r.endpoints) {
    requests += e.requests;
    errors += e.errors;
  }
  const p95 = r.hdr !== null ? percentileMs(decodeHistogram(r.hdr), 95) : null;
  const snap: ProgressSnapshot = {
    stage: r.stage + 1,
    stages: ctx.stages,
    elapsedSec: r.t + r.durationSec,
    totalSec: ctx.totalSec,
    model: ctx.model,
    achievedRps: requests / (r.durationSec || 1),
    inFlight: r.inFlight,
    p95Ms: p95,
    errorRate: requests > 0 ? errors / requests : 0,
  };
  if (ctx.model === 'open') {
    snap.targetRps = r.offeredRps ?? 0;
    snap.dropped = r.dropped;
  } else {
    snap.targetVus = ctx.vuTarget(r.t + r.durationSec);
    snap.vus = r.vus ?? 0;
  }
  if (r.generator.cpuPct !== null) snap.watch = `gen CPU ${Math.round(r.generator.cpuPct)}%`;
  return snap;
}

/** Runs the plan with progress, guard, signals and files; resolves with the result and exit code. */
export async function runSession(o: SessionOptions): Promise<SessionOutcome> {
  const { plan, io } = o;
  const load = resolveLoad(plan);
  const reg = secretsOf(plan, o.secrets);
  const dir = resolve(o.out ?? join('loadproof-results', `${slugOf(plan.name)}-${stamp(new Date())}`));
  mkdirSync(dir, { recursive: true });
  const logPath = join(dir, 'run.ndjson');
  const resultPath = join(dir, 'result.json');
  const logFd = openSync(logPath, 'w');
  // scrub each line's strings but keep its histograms intact, then serialise
  const writeLine = (line: Parameters<typeof logLine>[0]): void => {
    writeSync(logFd, logLine(scrubJson(reg, line) as Parameters<typeof logLine>[0]));
  };

  const guardRules = load.abort;
  const guard = Object.keys(guardRules).length ? new AbortGuard(guardRules) : null;
  const progress = new Progress(io, { json: o.json });
  const totalSec = load.totalMs / 1000;
  const stagesCount = load.stages.length;
  let header: LogHeader | null = null;
  let handle: RunHandle | null = null;
  let signals = 0;

  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (handle === null) return;
    if (signals === 1) {
      io.err(`\nloadproof: ${sig}: stopping (in-flight requests get up to 5s; press Ctrl-C again to stop at once)\n`);
      handle.stop({ reason: 'interrupted', message: `stopped by ${sig}` });
    } else if (signals === 2) {
      io.err(`loadproof: ${sig} again: abandoning in-flight requests\n`);
      handle.cut();
    } else {
      process.exit(130);
    }
  };
  const installSignals = o.handleSignals !== false;
  if (installSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  try {
    const vuCurve = load.stages;
    const vuTarget = (t: number): number => {
      let acc = 0;
      let prev = 0;
      for (const s of vuCurve) {
        const d = s.durationMs / 1000;
        if (t < acc + d) return Math.floor(prev + ((s.target - prev) * (t - acc)) / (d || 1));
        acc += d;
        prev = s.target;
      }
      return Math.floor(prev);
    };
    handle = startRun({
      plan,
      workers: o.workers,
      seed: o.seed,
      onStart: (info) => {
        header = logHeaderOf(plan, info);
        writeLine(header);
      },
      onSecond: (record): StopRequest | null => {
        writeLine(record);
        progress.update(progressOf(record, { stages: stagesCount, totalSec, model: load.model, vuTarget }));
        if (guard === null || header === null) return null;
        const trip = guard.push(guardSecondOf(record, header.endpoints));
        if (trip === null) return null;
        return { reason: 'aborted', rule: `${trip.metric} ${trip.rule}`, message: trip.message };
      },
    });
    const outcome = await handle.done;
    if (header === null) throw new Error('the run never started');
    writeLine(logEndOf(outcome));
    const raw = resultOf(plan, header, outcome);
    const result = scrubJson(reg, raw) as Result;
    const notes = judge(result);
    writeFileAtomic(resultPath, `${JSON.stringify(result, null, 2)}\n`);
    const summary = reg.scrub(summaryText(result, dir, notes));
    progress.finish();
    if (o.json) io.out(`${JSON.stringify(result, null, 2)}\n`);
    else io.out(summary);
    if (o.json) io.err(summary);
    return { result, dir, exitCode: exitCodeFor(result.verdict) };
  } finally {
    closeSync(logFd);
    if (installSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

const fmtMs = (ms: number | null): string => (ms === null ? 'n/a ' : ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

/** The short text summary printed at the end of a run. */
export function summaryText(r: Result, dir: string, validity: ValidityNote[] = r.analysis?.validity ?? []): string {
  const s = r.summary;
  const l = s.latencyMs;
  const lines: string[] = [];
  lines.push('');
  lines.push(`${r.plan.name}: ${r.verdict.toUpperCase()}  (${r.durationSec.toFixed(1)}s, ${r.plan.model ?? 'open'} model)`);
  lines.push(
    `  requests ${s.requests}  ${s.throughputRps.toFixed(1)} req/s (peak ${s.peakRps.toFixed(0)})  errors ${s.errors} (${(s.errorRate * 100).toFixed(2)}%)` +
      (s.dropped ? `  dropped ${s.dropped}` : ''),
  );
  const basis = s.latencyBasis === 'actual' ? 'service time' : 'from intended start';
  lines.push(`  latency (${basis}): p50 ${fmtMs(l.p50)}ms  p95 ${fmtMs(l.p95)}ms  p99 ${fmtMs(l.p99)}ms  max ${fmtMs(l.max)}ms`);
  const kinds = Object.entries(s.errorKinds ?? {}).filter(([, n]) => (n ?? 0) > 0);
  if (kinds.length) lines.push(`  error kinds: ${kinds.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (s.checks && s.checks.passes + s.checks.fails > 0) lines.push(`  checks: ${s.checks.passes} passed, ${s.checks.fails} failed`);
  if (r.criteria.length) {
    lines.push('  criteria:');
    for (const c of r.criteria) {
      const obs = c.observed === null ? 'n/a' : `${Math.round(c.observed * 1000) / 1000}${c.unit === 'ms' ? 'ms' : ''}`;
      lines.push(`    ${c.pass ? 'pass' : 'FAIL'}  ${c.metric} ${c.condition}  (observed ${obs})${c.note ? ` — ${c.note}` : ''}`);
    }
  }
  if (r.stop?.reason === 'aborted') {
    lines.push(`  ABORTED at ${r.stop.atSec ?? '?'}s by the incident guard: ${r.stop.message ?? r.stop.rule ?? ''}`);
  } else if (r.stop?.reason === 'interrupted') {
    lines.push(`  interrupted at ${r.stop.atSec ?? '?'}s: ${r.stop.message ?? ''} — the result holds the run until then`);
  }
  for (const v of validity) if (v.severity !== 'info') lines.push(`  ${v.severity === 'invalid' ? 'INVALID' : 'warning'}: ${v.message}`);
  for (const w of r.warnings ?? []) lines.push(`  warning: ${w.message}`);
  lines.push(`  files: ${join(dir, 'result.json')}  ${join(dir, 'run.ndjson')}`);
  lines.push('');
  return lines.join('\n');
}
