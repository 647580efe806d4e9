/**
 * Naming a run to compare: a result file (or the folder holding `result.json`), a history id
 * (`12` or `#12`), or `latest` / `previous` (the newest recorded run and the one before it,
 * optionally of one plan). Names that match nothing are bad input (exit 2) with a hint.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { badFlag } from '../errors.js';
import { readResult } from '../report/read-result.js';
import type { ComparableRun } from './run-record.js';
import { runRecordOf } from './run-record.js';
import { runSecondsOf } from './seconds.js';
import type { HistoryStore } from './store.js';

/** The result file a path names: itself, or `result.json` inside a folder. Null when neither exists. */
export function resultFileOf(path: string): string | null {
  const p = resolve(path);
  if (!existsSync(p)) return null;
  if (statSync(p).isDirectory()) {
    const f = join(p, 'result.json');
    return existsSync(f) ? f : null;
  }
  return p;
}

/** Resolves `ref` to a run with its seconds. `store` is needed for ids and latest/previous. */
export async function resolveRun(ref: string, store: HistoryStore | null, opts: { plan?: string; where: string } = { where: 'run' }): Promise<ComparableRun> {
  const file = resultFileOf(ref);
  if (file !== null) {
    const result = await readResult(file);
    return { record: runRecordOf(result, { resultPath: file, command: 'file' }), seconds: runSecondsOf(result, file), label: ref };
  }
  const offset = ref === 'latest' ? 0 : ref === 'previous' ? 1 : null;
  const idMatch = /^#?(\d+)$/.exec(ref);
  if (offset === null && idMatch === null) {
    throw badFlag(`${opts.where} "${ref}" is neither a result file, a history id, nor latest/previous`, 'give a result.json (or its folder), an id from `loadproof history`, latest or previous', opts.where);
  }
  if (store === null) {
    throw badFlag(`${opts.where} "${ref}" needs the run history, which is off or unusable`, 'drop --no-history, or give a result file instead', opts.where);
  }
  const rec = offset !== null ? await store.latest(offset, opts.plan) : await store.get(Number(idMatch![1]));
  if (rec === null) {
    const what = offset !== null ? `no ${ref} run${opts.plan ? ` of plan "${opts.plan}"` : ''} in the history at ${store.location}` : `no run #${idMatch![1]} in the history at ${store.location}`;
    throw badFlag(`${opts.where} "${ref}": ${what}`, 'list the recorded runs with `loadproof history`', opts.where);
  }
  return { record: rec, seconds: await store.seconds(rec.id!), label: offset !== null ? `${ref} (#${rec.id})` : `#${rec.id}` };
}
