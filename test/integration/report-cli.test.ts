/**
 * `loadproof report` from outside (the real CLI, spawned), and `writeReports`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { renderMarkdown } from '../../src/report/markdown.js';
import { parseResult, readResult } from '../../src/report/read-result.js';
import { writeReports } from '../../src/report/write.js';
import { runCli } from '../helpers/cli.js';
import { RESULT_FIXTURES_DIR, loadResultFixture } from '../helpers/result-fixtures.js';

const FIXTURE = resolve(RESULT_FIXTURES_DIR, 'aborted-breakpoint.json');

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'loadproof-report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('report renders each format to stdout and exits 0 whatever the verdict', async () => {
  const md = await runCli(['report', FIXTURE], { timeoutMs: 60_000 });
  assert.equal(md.code, 0, md.stderr);
  assert.equal(md.stdout, renderMarkdown(loadResultFixture('aborted-breakpoint')));
  assert.equal(md.stderr, '');

  const json = await runCli(['report', FIXTURE, '--format', 'json'], { timeoutMs: 60_000 });
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), loadResultFixture('aborted-breakpoint'));
  assert.ok(json.stdout.startsWith('{\n  "schema"'), 'pretty-printed');

  const junit = await runCli(['report', FIXTURE, '--format', 'junit'], { timeoutMs: 60_000 });
  assert.equal(junit.code, 0, junit.stderr);
  assert.equal(XMLValidator.validate(junit.stdout), true);

  const html = await runCli(['report', FIXTURE, '--format', 'html'], { timeoutMs: 60_000 });
  assert.equal(html.code, 0, html.stderr);
  assert.ok(html.stdout.startsWith('<!doctype html>'));
});

test('report -o writes the file atomically, infers the format from the extension, and creates the folder', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'nested', 'junit.xml');
  const run = await runCli(['report', FIXTURE, '-o', out], { timeoutMs: 60_000 });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, '', 'nothing on stdout when writing a file');
  assert.match(run.stderr, /wrote junit report to .*junit\.xml/);
  assert.equal(XMLValidator.validate(readFileSync(out, 'utf8')), true);
  assert.deepEqual(readdirSync(join(dir, 'nested')), ['junit.xml'], 'no temporary file left behind');

  // An explicit --format wins over the extension.
  const md = join(dir, 'report.txt');
  const run2 = await runCli(['report', FIXTURE, '--format', 'md', '-o', md], { timeoutMs: 60_000 });
  assert.equal(run2.code, 0, run2.stderr);
  assert.ok(readFileSync(md, 'utf8').startsWith('## Load Test Report'));
});

test('a missing, garbled or foreign file is one line naming the file and what was expected, exit 2', async (t) => {
  const dir = tempDir(t);
  const cases: Array<[string, string, RegExp]> = [
    ['missing.json', '', /missing\.json: cannot read the result: no such file/],
    ['garbled.json', '{"schema": "loadproof.result/v1", "source": ', /garbled\.json: not a JSON document/],
    ['foreign.json', '{"metrics": {}, "root_group": {}}', /foreign\.json: schema: not a loadproof result: expected "schema": "loadproof\.result\/v1", found no schema field/],
    ['run.ndjson', '{"t":0}\n{"t":1}\n', /run\.ndjson: no header line: not a loadproof run log/],
    [
      'shape.json',
      JSON.stringify({ ...loadResultFixture('pass-load'), summary: { requests: 'many' } }),
      /shape\.json: summary\.requests: not a loadproof result: expected number, found string/,
    ],
    ['verdict.json', JSON.stringify({ ...loadResultFixture('pass-load'), verdict: 'great' }), /verdict: not a loadproof result: expected one of pass, fail, aborted, invalid/],
  ];
  for (const [name, content, pattern] of cases) {
    const file = join(dir, name);
    if (content) writeFileSync(file, content);
    const run = await runCli(['report', file], { timeoutMs: 60_000 });
    assert.equal(run.code, 2, `${name}: ${run.stderr}`);
    assert.equal(run.stdout, '');
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${name}: one line expected, got ${run.stderr}`);
    assert.match(lines[0]!, pattern);
    assert.ok(!/\n\s+at /.test(run.stderr), 'no stack trace');
  }
  const bad = await runCli(['report', FIXTURE, '--format', 'pdf'], { timeoutMs: 60_000 });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Allowed choices are md, html, json, junit/);
});

test('readResult and parseResult accept every stored fixture', async () => {
  for (const name of readdirSync(RESULT_FIXTURES_DIR).filter((f) => f.endsWith('.json'))) {
    const file = join(RESULT_FIXTURES_DIR, name);
    const r = await readResult(file);
    assert.equal(r.schema, 'loadproof.result/v1');
    assert.deepEqual(parseResult(readFileSync(file, 'utf8'), name), r);
  }
});

test('writeReports writes result.json, report.md and report.html atomically into a new folder', async (t) => {
  const dir = join(tempDir(t), 'results', 'run-1');
  const r = loadResultFixture('pass-load');
  const paths = await writeReports(r, dir);
  assert.deepEqual(paths, { json: join(dir, 'result.json'), md: join(dir, 'report.md'), html: join(dir, 'report.html') });
  assert.deepEqual(readdirSync(dir).sort(), ['report.html', 'report.md', 'result.json']);
  assert.deepEqual(JSON.parse(readFileSync(paths.json, 'utf8')), r);
  assert.equal(readFileSync(paths.md, 'utf8'), renderMarkdown(r));
  assert.ok(readFileSync(paths.html, 'utf8').includes('<title>Load Test Report — items API capacity 2025-06-14</title>'));
  // Writing again replaces the files in place.
  r.plan.name = 'second run';
  await writeReports(r, dir);
  assert.ok(readFileSync(paths.md, 'utf8').includes('second run'));
  assert.deepEqual(readdirSync(dir).sort(), ['report.html', 'report.md', 'result.json']);
});

test('a reader that closes stdout early (`| head -c 5`): exit 0, no stack trace (SIGPIPE/EPIPE)', async () => {
  const { spawn } = await import('node:child_process');
  const { BIN } = await import('../helpers/cli.js');
  for (const format of ['json', 'html', 'md']) {
    const child = spawn(process.execPath, [BIN, 'report', resolve(RESULT_FIXTURES_DIR, 'fail-stress.json'), '--format', format], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // read the first chunk, then close our end as `head -c 5` does
    await new Promise<void>((r) => child.stdout.once('data', () => r()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    assert.equal(code, 0, `${format}: exit ${code}\n${stderr}`);
    assert.doesNotMatch(stderr, /Error|at .*\.js:\d+/, `${format}: ${stderr}`);
  }
});
