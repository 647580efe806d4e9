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
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { requestStepsOf, type Plan } from '../plan/schema.js';
import { resolveLoad } from '../plan/patterns.js';
import { startRun, type RunHandle, type StopRequest } from '../engine/runner.js';
import { logHeaderOf, logEndOf, resultOf } from '../engine/result.js';
import { logLine, type LogHeader } from '../metrics/log.js';
import { FilePointStore } from '../metrics/point-store.js';
import type { SecondRecord } from '../metrics/timeline.js';
import { decodeHistogram, percentileMs, withStalled } from '../metrics/histogram.js';
import { AbortGuard, type GuardSecond } from '../engine/guard.js';
import { SecretRegistry, isSecretHeader } from '../engine/redact.js';
import type { Result } from '../result/types.js';
import { exitCodeFor } from '../result/verdict.js';
import { startWatch, type WatchSession } from '../watch/session.js';
import type { AnalyzeOptions } from '../analysis/analyze.js';
import { Progress, type ProgressSnapshot } from './progress.js';
import { finishResult, type FinishHooks } from './finish.js';
import { prepareOutDir, resultsWriteError, why } from './out-path.js';
import { connectionsWanted, ensureFdLimit, fdLimitMessage } from './fd-limit.js';
import { resultsDir } from './results-dir.js';
import type { Io } from './io.js';
import type { LiveFeed } from '../live/feed.js';
import type { SegmentSpec } from '../engine/schedule/segment.js';
import { RefineSession } from './refine-session.js';

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
  /** analysis options (e.g. the SLO) */
  analyze?: AnalyzeOptions;
  /** the run history's steps around writing the files (baseline comparison, recording) */
  finish?: FinishHooks;
  /** the live feed of `--dashboard` / `--metrics`: fed each second; its buttons stop the run */
  live?: LiveFeed;
  /** the command's exit code for a result (default: from the verdict) */
  exitCodeOf?: (result: Result) => number;
  /** the segment of a distributed run to run (`--segment i/N`) */
  segment?: SegmentSpec;
  /** requested start instant (`--start-at`) */
  startAt?: Date;
  /** source address of the load's connections (`--local-address`) */
  localAddress?: string;
  /**
   * Write the NDJSON log to stdout as well (`--shard-to-stdout`): a generator in a pod whose log is
   * its shard. Everything else the session prints then goes to stderr.
   */
  logToStdout?: boolean;
}

export interface SessionOutcome {
  result: Result;
  dir: string;
  exitCode: number;
}

/** The registry that scrubs the run's output: the plan's secret header values and URL credentials. */
export function secretsOf(plan: Plan, extra: string[] = []): SecretRegistry {
  const reg = new SecretRegistry();
  const headers: Array<Record<string, string> | undefined> = [plan.defaults?.headers];
  for (const s of plan.scenarios) for (const step of requestStepsOf([...(s.setup ?? []), ...s.flow])) headers.push(step.headers);
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
    hdr: r.outstandingHdr ? withStalled(r.hdr !== null ? decodeHistogram(r.hdr) : null, decodeHistogram(r.outstandingHdr)) : r.hdr,
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

/** The watched value worth a glance on the status line (the target's, else the generator's). */
function headlineOf(session: WatchSession | null): string | undefined {
  const h = session?.latest();
  return h ? `${h.label} ${h.text}` : undefined;
}

/** Runs the plan with progress, guard, signals and files; resolves with the result and exit code. */
export async function runSession(o: SessionOptions): Promise<SessionOutcome> {
  const { plan, io } = o;
  const load = resolveLoad(plan);
  // a breakpoint refines its capacity while it runs (exit 2 here for precision with --segment)
  const refine = RefineSession.of(load, plan, { segment: o.segment, slo: o.analyze?.slo });
  const reg = secretsOf(plan, o.secrets);
  // a results folder that cannot be written is exit 2 here, before the watchers and the load start
  const dir = prepareOutDir(resultsDir(plan.name, o.out), o.out !== undefined ? '--out' : 'the results folder');
  const logPath = join(dir, 'run.ndjson');
  // every connection is a file descriptor: raise the open-files limit now, or say it is too low
  {
    const { connections, explicit } = connectionsWanted(plan, load, o.segment);
    const line = fdLimitMessage(ensureFdLimit(connections), connections, explicit);
    if (line) io.err(line);
  }
  // Watchers start first (a bad watch item is a plan error, exit 2, before any load is sent) and
  // take their priming reads; their series are put on the run's time axis when they stop.
  // a distributed run watches its target once: segment 0 runs the plan's watchers, the others none
  const watchItems = (o.segment?.index ?? 0) === 0 ? (plan.watch ?? []) : [];
  const session = await startWatch(watchItems, {
    // the engine records the generator's own CPU, event-loop delay and send lag itself
    self: false,
    onWarning: (w) => io.err(`loadproof: watch ${w.source}: ${reg.scrub(w.message)}\n`),
  });
  o.live?.attach(session, o.analyze);
  let sessionStopped = false;
  let originEpochMs = Date.now();
  const logFd = openSync(logPath, 'w');
  // the timeline's points wait in a file of the results folder (unlinked at once where the system
  // allows it), so that a long run's memory does not grow with its timeline (point-store.ts)
  const points = new FilePointStore(join(dir, '.timeline-points'));
  // The first failed append to the log (a full disk, a file system gone read-only): the log stops
  // there (its last line may be torn, which a reader drops), the run is stopped at the next second
  // — a run that cannot be recorded should not go on loading the target — and the command ends
  // with exit 2 naming the log, after writing what it still can.
  let logFailure: unknown = null;
  // scrub each line's strings but keep its histograms intact, then serialise
  const writeLine = (line: Parameters<typeof logLine>[0]): void => {
    const text = logLine(scrubJson(reg, line) as Parameters<typeof logLine>[0]);
    if (o.logToStdout) io.out(text);
    if (logFailure !== null) return;
    try {
      // writeSync may write part of the buffer (the disk filled up mid-line): write the rest, which
      // then fails with the reason
      const buf = Buffer.from(text, 'utf8');
      for (let off = 0; off < buf.length; ) off += writeSync(logFd, buf, off);
    } catch (err) {
      logFailure = err;
      io.err(`\nloadproof: ${logPath}: cannot append to the run's log: ${why(err)}; stopping the run\n`);
    }
  };
  // with the log on stdout, the summary and the document go to stderr
  const say = (text: string): void => (o.logToStdout ? io.err(text) : io.out(text));

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
  if (o.live) {
    // the dashboard's buttons: "stop gracefully" is Ctrl-C, "abort" is the incident guard; both are
    // recorded in the result's `stop`
    o.live.onControl = (c) => {
      if (handle === null) return false;
      if (c.action === 'stop') {
        io.err(`\nloadproof: stop asked from the live dashboard (${c.from}): stopping (in-flight requests get up to 5s)\n`);
        handle.stop({ reason: 'interrupted', message: `stopped from the live dashboard (${c.from})` });
      } else {
        io.err(`\nloadproof: abort asked from the live dashboard (${c.from}): stopping as the incident guard would\n`);
        handle.stop({ reason: 'aborted', rule: 'dashboard abort', message: `aborted from the live dashboard (${c.from})` });
      }
      return true;
    };
  }
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
      segment: o.segment,
      startAt: o.startAt,
      localAddress: o.localAddress,
      pointStore: points,
      onStart: (info) => {
        originEpochMs = info.startedAt.getTime();
        header = logHeaderOf(plan, info, { segment: o.segment, localAddress: o.localAddress, seed: o.seed });
        writeLine(header);
        // the page and /metrics see what the log sees: scrubbed of the plan's secrets
        o.live?.start(scrubJson(reg, header) as LogHeader, originEpochMs);
      },
      onSecond: (record, totals): StopRequest | null => {
        writeLine(record);
        if (logFailure !== null) return { reason: 'interrupted', message: `stopped: the run's log ${logPath} could not be written (${(logFailure as NodeJS.ErrnoException).code ?? 'error'})` };
        o.live?.second(record, totals);
        const snap = progressOf(record, { stages: stagesCount, totalSec, model: load.model, vuTarget });
        snap.watch = headlineOf(session) ?? snap.watch;
        progress.update(snap);
        const trip = guard === null || header === null ? null : guard.push(guardSecondOf(record, header.endpoints));
        if (trip === null) {
          refine?.onSecond(record, handle);
          return null;
        }
        return { reason: 'aborted', rule: `${trip.metric} ${trip.rule}`, message: trip.message };
      },
    });
    const outcome = await handle.done;
    if (header === null) throw new Error('the run never started');
    const segmented = (o.segment?.count ?? 1) > 1;
    const refined = refine?.finish(outcome);
    // a plain run's log ends as soon as the load does; a segment's end line waits for the
    // watchers, so that segment 0's shard carries the watched series to the merge
    if (!segmented) writeLine({ ...logEndOf(plan, outcome), ...refined });
    const raw = resultOf(plan, header, outcome);
    if (refined?.stages) raw.plan = { ...raw.plan, stages: refined.stages };
    if (refined) raw.refinement = refined.refinement;
    const watched = await session.stop(originEpochMs);
    sessionStopped = true;
    if (segmented) {
      const end = logEndOf(plan, outcome);
      if (Object.keys(watched.series).length) end.watch = watched.series;
      if (Object.keys(watched.info).length) end.watchInfo = watched.info;
      writeLine(end);
    }
    raw.watch = { ...watched.series, ...raw.watch };
    if (watched.warnings.length) raw.warnings = [...(raw.warnings ?? []), ...watched.warnings];
    if (Object.keys(watched.info).length) raw.watchInfo = { ...(raw.watchInfo ?? {}), ...watched.info };
    const scrubbed = scrubJson(reg, raw) as Result;
    const { result, summary, files } = await finishResult(scrubbed, dir, o.analyze, [logPath], o.finish);
    progress.finish();
    const exitCode = o.exitCodeOf ? o.exitCodeOf(result) : exitCodeFor(result.verdict);
    o.live?.end(result, exitCode, dir, { ...files, log: logPath });
    const text = reg.scrub(summary);
    if (o.json) {
      say(`${JSON.stringify(result, null, 2)}\n`);
      io.err(text);
    } else say(text);
    // the results were written, the log was not: the run's record is incomplete, say so (exit 2)
    if (logFailure !== null) throw resultsWriteError(logPath, logFailure);
    return { result, dir, exitCode };
  } finally {
    if (!sessionStopped) await session.stop(originEpochMs).catch(() => undefined);
    closeSync(logFd);
    points.close();
    if (installSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
