/**
 * A throwaway PostgreSQL cluster for tests: `initdb` in a temp dir, started on a free loopback port
 * with its unix socket in that dir, `pg_stat_statements` preloaded when the server has it, stopped
 * with `pg_ctl stop -m immediate` and the dir removed.
 *
 * initdb and postgres refuse to run as root. As root (this machine, and CI running .ci/run), every
 * PostgreSQL command runs as an unprivileged user through `runuser -u USER --` (util-linux, present
 * on every Debian): `postgres` when the Debian package created it, else `nobody`; the temp dir is
 * created under /tmp (which every user can traverse) and chowned to that user. Not root: commands
 * run directly.
 *
 * Usage:
 *   const pg = await startPostgres({ database: 'shop' });   // pg.url → postgres://postgres@127.0.0.1:PORT/shop
 *   ...
 *   await pg.stop();
 * Tests should skip when `findPostgresBin()` is null (it is installed by .ci/run).
 * With LOADPROOF_TEST_SLOW set the cluster is slowed (slowdown.ts): its postmaster and every process
 * it has are pinned, and the backends it forks later inherit the pinning.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { processTree } from './saturation.js';
import { slowDown } from './slowdown.js';

export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:PORT/DATABASE */
  url: string;
  port: number;
  dataDir: string;
  /** the postmaster's pid: `treeCpuUs(postmasterPid)` is this cluster's CPU alone (saturation.ts) */
  postmasterPid: number;
  /** true when pg_stat_statements is preloaded and created in the database */
  statements: boolean;
  /** the URL of another database of the cluster */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** created when not `postgres` (default `postgres`) */
  database?: string;
  maxConnections?: number;
  /** extra `-c name=value` settings */
  settings?: Record<string, string | number>;
}

/** The directory holding initdb and pg_ctl: on PATH, or the newest /usr/lib/postgresql/N/bin. */
export function findPostgresBin(): string | null {
  try {
    const onPath = execFileSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).trim();
    if (onPath) {
      // follow symlinks (e.g. /usr/local/bin/pg_ctl → /usr/lib/postgresql/15/bin/pg_ctl) to the real bin dir
      const dir = dirname(realpathSync(onPath));
      if (existsSync(join(dir, 'initdb'))) return dir;
    }
  } catch {
    // not on PATH
  }
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0], 'bin') : null;
}

interface RunAs {
  /** prefix for the command line, e.g. ['runuser', '-u', 'postgres', '--'] */
  prefix: string[];
  uid: number;
  gid: number;
}

function runAs(): RunAs | null {
  if (process.getuid?.() !== 0) return null;
  for (const user of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
      return { prefix: ['runuser', '-u', user, '--'], uid, gid };
    } catch {
      // no such user
    }
  }
  throw new Error('running as root and neither a postgres nor a nobody user exists to run PostgreSQL');
}

function run(as: RunAs | null, cmd: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const [file, ...rest] = as ? [...as.prefix, cmd, ...args] : [cmd, ...args];
  return new Promise((resolve, reject) => {
    execFile(file, rest, { timeout: timeoutMs, encoding: 'utf8', cwd: '/' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** True when the server's share dir has pg_stat_statements (postgresql-contrib; in core packages since 10). */
async function hasStatements(bin: string): Promise<boolean> {
  try {
    const share = (await run(null, join(bin, 'pg_config'), ['--sharedir'])).trim();
    const lib = (await run(null, join(bin, 'pg_config'), ['--pkglibdir'])).trim();
    return existsSync(join(share, 'extension', 'pg_stat_statements.control')) && existsSync(join(lib, 'pg_stat_statements.so'));
  } catch {
    return false;
  }
}

/** Clusters still running, killed if the test process exits without stopping them. */
const live = new Set<string>();
process.once('exit', () => {
  for (const dataDir of live) {
    try {
      const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      // SIGQUIT is PostgreSQL's immediate shutdown; this is the postmaster we started
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      // already gone
    }
  }
});

export async function startPostgres(opts: StartPostgresOptions = {}): Promise<TestPostgres> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed (initdb/pg_ctl not found); .ci/run installs it');
  const as = runAs();
  const dir = mkdtempSync(join(as ? '/tmp' : tmpdir(), 'lp-pg-'));
  if (as) chownSync(dir, as.uid, as.gid);
  const dataDir = join(dir, 'data');
  const statements = await hasStatements(bin);
  await run(as, join(bin, 'initdb'), ['-D', dataDir, '--auth=trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions']);

  let port = 0;
  let lastErr: unknown;
  // a free port can be taken between the probe and postgres' bind: try a few
  for (let attempt = 0; attempt < 3; attempt++) {
    port = await freePort();
    const settings: Record<string, string | number> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: dir,
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      max_connections: opts.maxConnections ?? 50,
      ...(statements ? { shared_preload_libraries: 'pg_stat_statements' } : {}),
      ...opts.settings,
    };
    const o = [`-p ${port}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
    try {
      live.add(dataDir);
      await run(as, join(bin, 'pg_ctl'), ['-D', dataDir, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', o, 'start'], 90_000);
      lastErr = undefined;
      break;
    } catch (e) {
      live.delete(dataDir);
      lastErr = e;
    }
  }
  if (lastErr) {
    const log = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8').slice(-2000) : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(lastErr as Error).message}\n${log}`);
  }

  const urlFor = (db: string): string => `postgres://postgres@127.0.0.1:${port}/${db}`;
  const database = opts.database ?? 'postgres';
  const admin = new pg.Client({ connectionString: urlFor('postgres') });
  await admin.connect();
  try {
    if (database !== 'postgres') await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
  if (statements) {
    const c = new pg.Client({ connectionString: urlFor(database) });
    await c.connect();
    try {
      await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    } finally {
      await c.end();
    }
  }

  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const release = await slowDown(processTree(postmaster), 'postgres');
  let stopped = false;
  return {
    url: urlFor(database),
    port,
    dataDir,
    postmasterPid: postmaster,
    statements,
    urlFor,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await run(as, join(bin, 'pg_ctl'), ['-D', dataDir, 'stop', '-m', 'immediate', '-w', '-t', '30'], 40_000);
      } finally {
        live.delete(dataDir);
        rmSync(dir, { recursive: true, force: true });
        await release();
      }
    },
  };
}
