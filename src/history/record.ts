/**
 * `recordRun`: the one call every command that produces a result makes (`run`, `import`, `merge`)
 * after the result file is written. It never throws and never touches the result: a history that
 * is missing, corrupt, locked, unreachable or too new becomes one warning, and the run (already on
 * disk) is never lost.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { Result } from '../result/types.js';
import { runRecordOf, type RunRecord } from './run-record.js';
import { runSecondsOf } from './seconds.js';
import { historySpec, openHistory, redactUrl, type HistorySpec, type HistoryStore } from './store.js';

export interface RecordOptions {
  /** `--history` value; `false` for `--no-history` (write nothing) */
  history?: string | false;
  /** which command produced the result (default `run`) */
  command?: 'run' | 'import' | 'merge';
  /** where `.loadproof/history.db` and the git repository are looked for (default: cwd) */
  cwd?: string;
  /** the run's NDJSON log (default: `run.ndjson` beside the result file, when present) */
  logPath?: string;
  env?: NodeJS.ProcessEnv;
}

export interface RecordOutcome {
  /** the history id; null when nothing was recorded */
  id: number | null;
  /** the store written (file or URL without password); null with `--no-history` */
  location: string | null;
  /** why nothing was recorded, for a one-line warning */
  warning: string | null;
}

/** The git commit and branch of `cwd`, when it is inside a repository (nulls otherwise). */
export function gitInfo(cwd: string): { commit: string | null; branch: string | null } {
  const git = (args: string[]): string | null => {
    try {
      return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2_000 }).trim() || null;
    } catch {
      return null;
    }
  };
  const commit = git(['rev-parse', 'HEAD']);
  if (commit === null) return { commit: null, branch: null };
  const branch = git(['rev-parse', '--abbrev-ref', 'HEAD']);
  return { commit, branch: branch === 'HEAD' ? null : branch };
}

/** Where a spec points, for messages. */
export function describeSpec(spec: HistorySpec): string | null {
  return spec.kind === 'none' ? null : spec.kind === 'postgres' ? redactUrl(spec.url) : spec.path;
}

/** Opens the store of `opts`, or explains in one line why it cannot be opened. */
export async function openStoreFor(opts: Pick<RecordOptions, 'history' | 'cwd' | 'env'>): Promise<{ store: HistoryStore | null; location: string | null; warning: string | null }> {
  const spec = historySpec(opts.history, opts.env ?? process.env, opts.cwd ?? process.cwd());
  if (spec.kind === 'none') return { store: null, location: null, warning: null };
  const location = describeSpec(spec);
  try {
    return { store: await openHistory(spec), location, warning: null };
  } catch (err) {
    return { store: null, location, warning: storeProblem(err, location) };
  }
}

/** A store failure as one line: what and where, and that the run itself is safe. */
export function storeProblem(err: unknown, location: string | null): string {
  const e = err as { code?: string; message?: string };
  const what =
    e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED'
      ? 'is locked by another process'
      : e.code === 'SQLITE_NOTADB' || e.code === 'SQLITE_CORRUPT'
        ? 'is corrupt (not a readable SQLite database)'
        : `could not be used: ${e.message ?? String(err)}`;
  return `run history ${location ?? ''} ${what}; the run was not recorded (its result file is kept)`.replace(/\s+/g, ' ');
}

/**
 * Records a finished result in the run history. `resultPath` is the result.json written for it.
 * Resolves to the new id, or to a warning; never rejects.
 */
export async function recordRun(result: Result, resultPath: string, opts: RecordOptions = {}): Promise<RecordOutcome> {
  const { store, location, warning } = await openStoreFor(opts);
  if (store === null) return { id: null, location, warning };
  try {
    return await recordInto(store, result, resultPath, opts);
  } finally {
    await store.close().catch(() => undefined);
  }
}

/** recordRun into an open store (left open). Never rejects. */
export async function recordInto(store: HistoryStore, result: Result, resultPath: string, opts: Pick<RecordOptions, 'command' | 'cwd' | 'logPath'> = {}): Promise<RecordOutcome> {
  try {
    const cwd = opts.cwd ?? process.cwd();
    const git = gitInfo(cwd);
    const absPath = resolve(cwd, resultPath);
    const rec: RunRecord = runRecordOf(result, { resultPath: absPath, command: opts.command ?? 'run', gitCommit: git.commit, gitBranch: git.branch });
    const id = await store.record(rec, runSecondsOf(result, absPath, opts.logPath));
    return { id, location: store.location, warning: null };
  } catch (err) {
    return { id: null, location: store.location, warning: storeProblem(err, store.location) };
  }
}
