/**
 * Output paths the CLI cannot use are the user's mistake: exit 2, one line naming the path, a hint —
 * never an internal error (issue 20: `run plan.yaml --out out` with `out` a file was
 * `internal error: EEXIST`, exit 5). Every command that writes files is run through the real CLI
 * with the three bad kinds of path:
 *
 *   wrong kind      an existing file as a results folder (--out), an existing folder as -o FILE
 *   under a file    a path whose parent is a file (`notes.txt/run1`)
 *   unwritable      a folder the CLI's user may not write. Tests run as root, which bypasses
 *                   permission bits, so as root the CLI runs as `nobody` (`runuser`, as the
 *                   PostgreSQL helper does) against a root-owned 0755 folder — the everyday
 *                   "permission denied" a user meets; not root, the folder is made 0555. (chattr +i
 *                   or a read-only bind mount would need a file system and capabilities CI may not
 *                   have.) And, for root as well, a path under /proc, where no one can create files.
 *
 * None of these runs sends load: the folder is checked before the watchers and the load start (and
 * before `demo` starts its service); the plans target 127.0.0.1:9, where nothing listens.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT, runCli, type CliRun } from '../helpers/cli.js';

const root = process.getuid?.() === 0;
let dir: string;
/** a plain file, a root-owned folder `nobody` cannot write, and the inputs every command reads */
let file: string;
let locked: string;
let plan: string;
let result: string;
const wrk = resolve(REPO_ROOT, 'src/formats/wrk/fixtures/wrk.txt');

before(() => {
  // under /tmp with 0755 all the way, so that `nobody` can read the inputs
  dir = mkdtempSync('/tmp/lp-out-paths-');
  chmodSync(dir, 0o755);
  file = join(dir, 'notes.txt');
  writeFileSync(file, 'not a folder\n');
  locked = join(dir, 'locked');
  mkdirSync(locked);
  chmodSync(locked, root ? 0o755 : 0o555);
  plan = join(dir, 'plan.yaml');
  writeFileSync(
    plan,
    'name: out paths\nhypothesis: nothing is sent\ntarget: http://127.0.0.1:9\nthresholds: { http_req_failed: ["rate<0.01"] }\nload: { model: open, stages: [{ duration: 1s, target: 1 }] }\nscenarios: [{ name: a, flow: [{ get: / }] }]\n',
  );
  result = resolve(REPO_ROOT, 'test/fixtures/results/pass-load.json');
  for (const f of [file, plan]) chmodSync(f, 0o644);
});

after(() => {
  chmodSync(locked, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

/** Each command that writes, with the flag that says where: `out` is put in place of OUT. */
const FOLDER_COMMANDS: Array<{ name: string; args: (out: string) => string[] }> = [
  { name: 'run', args: (out) => ['run', plan, '--out', out] },
  { name: 'quick', args: (out) => ['quick', 'http://127.0.0.1:9/', '-d', '1s', '--out', out] },
  { name: 'demo', args: (out) => ['demo', '--quick', '--out', out] },
  { name: 'import', args: (out) => ['import', wrk, '--out', out] },
];
const FILE_COMMANDS: Array<{ name: string; args: (out: string) => string[] }> = [
  { name: 'report', args: (out) => ['report', result, '-o', out] },
  { name: 'export', args: (out) => ['export', plan, '--to', 'k6', '-o', out] },
  { name: 'analyze', args: (out) => ['analyze', result, '-o', out] },
];

/** Asserts exit 2 with one line naming `path` and `why`, a hint, and no stack trace or internal error. */
function assertBadPath(r: CliRun, path: string, why: RegExp, label: string): void {
  const msg = `${label}: exit ${r.code}\n${r.stderr}${r.stdout.slice(-500)}`;
  assert.equal(r.code, 2, msg);
  const line = r.stderr.split('\n').find((l) => l.startsWith('loadproof: '));
  assert.ok(line, msg);
  assert.ok(line.includes(path), `${label}: the line names ${path}: ${line}`);
  assert.match(line, why, msg);
  assert.match(line, /\(hint: .+\)$/, msg);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, msg);
}

const run = (args: string[], asUser?: string): Promise<CliRun> => runCli(args, { timeoutMs: 30_000, asUser });

for (const c of FOLDER_COMMANDS) {
  test(`${c.name} --out <existing file>: exit 2, "is a file, not a folder"`, async () => {
    assertBadPath(await run(c.args(file)), file, /--out is a file, not a folder/, c.name);
  });
  test(`${c.name} --out <path under a file>: exit 2 naming the file in the way`, async () => {
    const out = join(file, 'run1');
    assertBadPath(await run(c.args(out)), out, new RegExp(`lies under ${file.replace(/\./g, '\\.')}, which is a file, not a folder`), c.name);
  });
  test(`${c.name} --out <folder the user may not write>: exit 2, permission denied`, async () => {
    const out = join(locked, 'run1');
    assertBadPath(await run(c.args(out), root ? 'nobody' : undefined), out, /cannot create the results folder: permission denied \(EACCES\)/, c.name);
    assert.equal(readdirSync(locked).length, 0, 'nothing written');
  });
}

test('run --out under /proc (no one may create files there, root included): exit 2', async () => {
  const out = '/proc/loadproof-out-test';
  assertBadPath(await run(['run', plan, '--out', out]), out, /cannot create the results folder: /, 'run');
  assert.ok(!existsSync(out));
});

test('report -o under /proc: exit 2 (a hang before: Node\'s recursive mkdir retries there for ever)', async () => {
  const out = '/proc/loadproof-out-test/report.md';
  assertBadPath(await run(['report', result, '-o', out]), out, /cannot write -o file: /, 'report');
});

test('run --out <existing writable folder>: the check leaves it as it was (no probe file left behind)', async () => {
  const out = join(dir, 'ok');
  mkdirSync(out);
  // the plan's target has nothing listening: the run itself goes ahead (connection errors are data)
  const r = await run(['run', plan, '--out', out]);
  assert.notEqual(r.code, 2, r.stderr);
  assert.ok(!readdirSync(out).some((f) => f.startsWith('.loadproof-write-check')), readdirSync(out).join(', '));
  assert.ok(existsSync(join(out, 'result.json')), r.stderr);
});

for (const c of FILE_COMMANDS) {
  test(`${c.name} -o <existing folder>: exit 2, "is a folder, not a file"`, async () => {
    assertBadPath(await run(c.args(locked)), locked, /-o is a folder, not a file/, c.name);
  });
  test(`${c.name} -o <path under a file>: exit 2 naming the file in the way`, async () => {
    const out = join(file, 'out.txt');
    assertBadPath(await run(c.args(out)), out, /which is a file, not a folder/, c.name);
  });
  test(`${c.name} -o <file in a folder the user may not write>: exit 2, permission denied`, async () => {
    const out = join(locked, 'out.txt');
    assertBadPath(await run(c.args(out), root ? 'nobody' : undefined), out, /cannot write -o file: permission denied \(EACCES\)/, c.name);
    assert.equal(readdirSync(locked).length, 0, 'nothing written');
  });
}
