/**
 * The run history on a real SQLite file (better-sqlite3) and a throwaway PostgreSQL cluster
 * (test/helpers/postgres.ts): record, list, latest/previous, per-second data round trip, compare
 * from ids, migrations from version 1, and the failures that must stay warnings — a corrupt file,
 * a locked file, a store from a newer loadproof, an unreachable server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { analyze } from '../../src/analysis/analyze.js';
import { compareRuns } from '../../src/history/compare.js';
import { LATEST_VERSION } from '../../src/history/migrations.js';
import { recordRun } from '../../src/history/record.js';
import { resolveRun } from '../../src/history/resolve.js';
import { runRecordOf } from '../../src/history/run-record.js';
import { overallSecondsOf, type RunSeconds } from '../../src/history/seconds.js';
import { PostgresStore, SqliteStore, type HistoryStore } from '../../src/history/store.js';
import type { Result } from '../../src/result/types.js';
import { buildResult, simulate, type Stage } from '../helpers/synthetic-results.js';
import { findPostgresBin, startPostgres } from '../helpers/postgres.js';

const STAGES: Stage[] = [{ durationSec: 20, target: 50 }];

function service(baseMs: number, seed: number, name = 'checkout'): Result {
  const sim = simulate({ stages: STAGES, servers: Infinity, seed, request: (_t, _r, rnd) => ({ serviceMs: baseMs * (0.8 + 0.4 * rnd()) }) });
  const r = analyze(buildResult(sim, STAGES, { name, pattern: 'load' }));
  r.endpoints = [{ name: 'GET /cart', method: 'GET', requests: r.summary.requests, errors: r.summary.errors, errorRate: r.summary.errorRate, statusCodes: {}, latencyMs: r.summary.latencyMs }];
  return r;
}

/** The run's seconds, with the one endpoint's seconds equal to the run's (it is the only one). */
function secondsOf(r: Result): RunSeconds {
  const overall = overallSecondsOf(r);
  return { overall, endpoints: { 'GET /cart': overall } };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lp-history-'));
}

/** The same checks on either store. */
async function exerciseStore(store: HistoryStore): Promise<void> {
  assert.equal(await store.schemaVersion(), LATEST_VERSION);
  const a = service(20, 1);
  const b = service(30, 2);
  const other = service(20, 3, 'search');
  const idA = await store.record(runRecordOf(a, { command: 'run', resultPath: '/r/a/result.json', gitCommit: 'abc123', gitBranch: 'main' }), secondsOf(a));
  const idO = await store.record(runRecordOf(other, { command: 'import' }), secondsOf(other));
  const idB = await store.record(runRecordOf(b, { command: 'run' }), secondsOf(b));
  assert.ok(idA < idO && idO < idB);

  const all = await store.list();
  assert.deepEqual(all.map((r) => r.id), [idA, idO, idB]);
  const first = all[0]!;
  assert.equal(first.planName, 'checkout');
  assert.equal(first.gitCommit, 'abc123');
  assert.equal(first.gitBranch, 'main');
  assert.equal(first.resultPath, '/r/a/result.json');
  assert.equal(first.summary.latencyMs.p95, a.summary.latencyMs.p95);
  assert.equal(first.summary.hdr, undefined, 'histograms live in run_seconds, not in the record');
  assert.deepEqual((await store.list({ plan: 'checkout' })).map((r) => r.id), [idA, idB]);
  assert.deepEqual((await store.list({ last: 2 })).map((r) => r.id), [idO, idB]);
  assert.equal((await store.latest(0, 'checkout'))!.id, idB);
  assert.equal((await store.latest(1, 'checkout'))!.id, idA);
  assert.equal(await store.latest(2, 'checkout'), null);
  assert.equal(await store.get(idB + 100), null);

  const back = await store.seconds(idA);
  const orig = secondsOf(a);
  assert.equal(back.overall.length, orig.overall.length);
  assert.deepEqual(back.overall[5], orig.overall[5]);
  assert.deepEqual(Object.keys(back.endpoints), ['GET /cart']);
  assert.equal(back.endpoints['GET /cart']!.length, orig.overall.length);

  // compare straight from the store: previous (A, 20 ms) vs latest (B, 30 ms) of the plan
  const A = await resolveRun('previous', store, { plan: 'checkout', where: 'A' });
  const B = await resolveRun(`#${idB}`, store, { where: 'B' });
  const c = compareRuns(A, B, { replicates: 200 });
  assert.equal(c.verdict, 'regression', c.statement);
  assert.equal(c.a.id, idA);
  assert.equal(c.endpoints[0]!.name, 'GET /cart');
  assert.ok(c.endpoints[0]!.metrics.find((m) => m.metric === 'p50')!.ci !== null);
  await assert.rejects(resolveRun('12345', store, { where: 'A' }), /no run #12345/);
}

test('SQLite: record, list, latest/previous, seconds round trip, compare from ids', async () => {
  const dir = tempDir();
  try {
    const store = await SqliteStore.open(join(dir, '.loadproof', 'history.db'));
    try {
      await exerciseStore(store);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SQLite: a version-1 store is migrated to the latest, keeping its runs', async () => {
  const dir = tempDir();
  const file = join(dir, 'h.db');
  try {
    const v1 = await SqliteStore.open(file, 1);
    assert.equal(await v1.schemaVersion(), 1);
    await v1.close();
    // a run written by a version-1 loadproof
    const raw = new Database(file);
    raw.prepare(
      `INSERT INTO runs (recorded_at, command, plan_name, plan_hash, target, source, tool_version, started_at, ended_at, duration_sec, verdict, requests, error_rate, throughput_rps, record_json)
       VALUES ('2026-01-01', 'run', 'old', 'h', 't', 'loadproof', '0.0.1', '2026-01-01', '2026-01-01', 1, 'pass', 1, 0, 1, ?)`,
    ).run(JSON.stringify(runRecordOf(service(20, 1, 'old'), {})));
    raw.close();
    const store = await SqliteStore.open(file);
    try {
      assert.equal(await store.schemaVersion(), LATEST_VERSION);
      const runs = await store.list();
      assert.equal(runs.length, 1);
      assert.equal(runs[0]!.planName, 'old');
      assert.deepEqual(await store.seconds(runs[0]!.id!), { overall: [], endpoints: {} });
      const r = service(20, 2, 'old');
      assert.equal(await store.record(runRecordOf(r, {}), secondsOf(r)), 2);
    } finally {
      await store.close();
    }
    const check = new Database(file, { readonly: true });
    assert.deepEqual((check.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>).map((x) => x.version), [1, 2]);
    check.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SQLite: corrupt, locked or newer stores are warnings; the result is untouched', async () => {
  const dir = tempDir();
  try {
    const result = service(20, 1);
    const before = JSON.stringify(result);

    const corrupt = join(dir, 'corrupt.db');
    writeFileSync(corrupt, 'this is not a database, it is a text file that someone put here\n'.repeat(200));
    const c = await recordRun(result, join(dir, 'result.json'), { history: corrupt, cwd: dir });
    assert.equal(c.id, null);
    assert.match(c.warning ?? '', /corrupt\.db is corrupt .*the run was not recorded \(its result file is kept\)/);
    assert.equal(JSON.stringify(result), before);

    const locked = join(dir, 'locked.db');
    await (await SqliteStore.open(locked)).close();
    const holder = new Database(locked);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const l = await recordRun(result, join(dir, 'result.json'), { history: locked, cwd: dir });
      assert.equal(l.id, null);
      assert.match(l.warning ?? '', /is locked by another process/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    // once the lock is gone the same store records
    const ok = await recordRun(result, join(dir, 'result.json'), { history: locked, cwd: dir });
    assert.equal(ok.warning, null);
    assert.equal(ok.id, 1);

    const newer = join(dir, 'newer.db');
    await (await SqliteStore.open(newer)).close();
    const raw = new Database(newer);
    raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'x')").run();
    raw.close();
    const n = await recordRun(result, join(dir, 'result.json'), { history: newer, cwd: dir });
    assert.equal(n.id, null);
    assert.match(n.warning ?? '', /schema version 99, newer than this loadproof knows/);

    const none = await recordRun(result, join(dir, 'result.json'), { history: false, cwd: dir });
    assert.deepEqual(none, { id: null, location: null, warning: null });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const pgSkip = findPostgresBin() === null ? 'PostgreSQL is not installed (.ci/run installs it)' : false;

test('PostgreSQL: the same checks, migrations from version 1, an unreachable server is a warning', { skip: pgSkip, timeout: 120_000 }, async () => {
  const db = await startPostgres({ database: 'history' });
  try {
    const v1 = await PostgresStore.open(db.url, 1);
    assert.equal(await v1.schemaVersion(), 1);
    await v1.close();
    const store = await PostgresStore.open(db.url);
    try {
      await exerciseStore(store);
    } finally {
      await store.close();
    }
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    await client.end();
    assert.deepEqual(rows.map((r) => r.version), [1, 2]);

    // recordRun through LOADPROOF_HISTORY
    const r = service(25, 9, 'env');
    const out = await recordRun(r, '/tmp/x/result.json', { env: { LOADPROOF_HISTORY: db.url } });
    assert.equal(out.warning, null);
    assert.ok(out.id !== null && out.id > 0);
  } finally {
    await db.stop();
  }
  const down = await recordRun(service(20, 1), '/tmp/x/result.json', { history: db.url });
  assert.equal(down.id, null);
  assert.match(down.warning ?? '', /could not be used: .*the run was not recorded/);
});
