/**
 * The run history's flags on the commands that produce a result (`run`, `import`; `merge` when it
 * lands): `--history URL|FILE`, `--no-history`, and for `run` `--baseline REF` and `--min-effect`.
 *
 * Order of events for `run --baseline`: the baseline is resolved before any load is sent (a typo
 * costs nothing), the run goes, the comparison and the plan's trend are added to the result
 * before the reports are written (so result.json, report.md, report.html and JUnit all carry them),
 * then the run is recorded. A history that cannot be opened is one warning; the run is kept.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { badFlag, ExitCode } from '../../errors.js';
import { compareRuns, DEFAULT_MIN_EFFECT } from '../../history/compare.js';
import { openStoreFor, recordInto } from '../../history/record.js';
import { resolveRun } from '../../history/resolve.js';
import { runRecordOf, type ComparableRun, type RunRecord } from '../../history/run-record.js';
import { runSecondsOf } from '../../history/seconds.js';
import type { HistoryStore } from '../../history/store.js';
import type { TrendPoint } from '../../result/comparison.js';
import type { Result } from '../../result/types.js';
import type { FinishHooks } from '../finish.js';
import type { Io } from '../io.js';

export interface HistoryFlags {
  /** a path or URL; false for --no-history */
  history?: string | false;
  baseline?: string;
  minEffect?: string;
}

/** How many earlier runs of the plan the report's trend shows (this run makes one more). */
export const TREND_RUNS = 9;
/** How many earlier runs of the plan the run-to-run spread is estimated from (compare.ts). */
export const SPREAD_RUNS = 20;

/** Adds `--history` and `--no-history`. */
export function addHistoryOptions(cmd: Command): Command {
  return cmd
    .option('--history <store>', 'run history: postgres://… or a SQLite file (default $LOADPROOF_HISTORY, else .loadproof/history.db)')
    .option('--no-history', 'record nothing in the run history');
}

/** Adds `--baseline` and `--min-effect` (run). */
export function addBaselineOptions(cmd: Command): Command {
  return cmd
    .option('--baseline <ref>', 'after the run, compare with this run: a history id, a result file, or previous; exit 1 on a significant regression')
    .option('--min-effect <pct>', 'smallest change that counts as a regression or improvement (default 5%)');
}

/** `--min-effect 5%`, `5` or `0.05` → 0.05. */
export function parseMinEffect(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MIN_EFFECT;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  if (!m) throw badFlag(`--min-effect ${text} is not a percentage`, 'write e.g. --min-effect 5% (or 0.05)', '--min-effect');
  const v = Number(m[1]);
  const frac = m[2] === '%' || v >= 1 ? v / 100 : v;
  if (!(frac > 0 && frac < 1)) throw badFlag(`--min-effect ${text} must lie between 0% and 100%`, 'write e.g. --min-effect 5%', '--min-effect');
  return frac;
}

/** The plan's trend: its last recorded runs and this one. */
export function trendOf(previous: RunRecord[], current: Result, currentId: number | null): TrendPoint[] {
  const point = (r: Pick<RunRecord, 'startedAt' | 'verdict' | 'summary' | 'capacity'>, id: number | null, isCurrent: boolean): TrendPoint => ({
    id,
    startedAt: r.startedAt,
    verdict: r.verdict,
    p95Ms: r.summary.latencyMs.p95,
    throughputRps: r.summary.throughputRps,
    errorRate: r.summary.errorRate,
    capacityRps: r.capacity?.maxSustainableRps ?? null,
    ...(isCurrent ? { current: true } : {}),
  });
  return [...previous.map((r) => point(r, r.id, false)), point({ ...current, capacity: current.analysis?.capacity ?? null }, currentId, true)];
}

/** The exit code once the baseline is taken into account: a significant regression fails a passing run. */
export function gatedExitCode(code: number, result: Result): number {
  return code === ExitCode.ok && result.baseline?.verdict === 'regression' ? ExitCode.criterionFailed : code;
}

export interface HistorySession {
  hooks: FinishHooks;
  /** closes the store; call once the command is done */
  close(): Promise<void>;
}

/**
 * Opens the history for a command (warning once when it cannot), resolves the baseline up front
 * (bad input → exit 2 before anything runs), and returns the hooks that compare, add the trend and
 * record.
 */
export async function startHistory(io: Io, flags: HistoryFlags, ctx: { command: 'run' | 'import' | 'merge'; planName?: string }): Promise<HistorySession> {
  const minEffect = parseMinEffect(flags.minEffect);
  const warn = (w: string): void => io.err(`loadproof: warning: ${w}\n`);
  const open = async (): Promise<HistoryStore | null> => {
    if (flags.history === false) return null;
    const opened = await openStoreFor({ history: flags.history });
    if (opened.warning) warn(opened.warning);
    return opened.store;
  };
  // The store is opened for the baseline (before the run), closed, and opened again when the run
  // is over: a PostgreSQL connection held idle through a long run could be dropped by the server.
  let store: HistoryStore | null = null;
  let baseline: ComparableRun | null = null;
  let warned = false;
  if (flags.baseline !== undefined) {
    store = await open();
    warned = store === null;
    try {
      // "previous" before this run is recorded is the plan's newest run
      const ref = flags.baseline === 'previous' ? 'latest' : flags.baseline;
      baseline = await resolveRun(ref, store, { plan: ctx.planName, where: '--baseline' });
      if (flags.baseline === 'previous') baseline.label = `previous (#${baseline.record.id})`;
    } finally {
      await store?.close().catch(() => undefined);
      store = null;
    }
  }
  const hooks: FinishHooks = {
    beforeWrite: async (result, dir) => {
      const out: Result = { ...result };
      // a store that could not be opened for the baseline is not tried again (one warning is enough)
      if (!warned) store = await open();
      let earlier: RunRecord[] = [];
      if (store) {
        try {
          earlier = await store.list({ plan: result.plan.name, last: SPREAD_RUNS });
        } catch {
          // decoration and a noise estimate: a store that fails here fails again when recording, and warns then
        }
      }
      if (baseline) {
        const current: ComparableRun = { record: runRecordOf(result, { command: ctx.command }), seconds: runSecondsOf(result, join(dir, 'result.json')), label: 'this run' };
        out.baseline = compareRuns(baseline, current, { minEffect, history: earlier });
      }
      if (store) out.trend = trendOf(earlier.slice(-TREND_RUNS), result, null);
      return out;
    },
    afterWrite: async (result, files) => {
      if (store === null) return [];
      const r = await recordInto(store, result, files.json, { command: ctx.command });
      if (r.warning) {
        warn(r.warning);
        return [];
      }
      return [`Recorded in the run history as #${r.id} (${r.location}).`];
    },
  };
  return { hooks, close: async () => void (await store?.close().catch(() => undefined)) };
}
