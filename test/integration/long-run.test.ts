/**
 * A long run, simulated through the recorder path (test/helpers/long-run.ts): past the first hour
 * the timeline is per minute, the result stays small, `analyze` and `report` (the real CLI) read it
 * quickly, and the run rebuilt from its NDJSON log is the same result.
 *
 * The simulated run is 1 h 10 min (per-second seconds cost the simulator a few ms each on a busy
 * machine; a 24-hour run takes minutes): the same shape as a 24-hour result — 3,600 points per
 * second, then one per minute — with fewer minute points. bench/long-run.mjs makes the 24-hour
 * result at 2,000 req/s and times analyze and report on a quiet machine (goal: < 2 s each). The
 * bound here is generous (20 s) because the suite runs on busy machines.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { simulateRun, type SimulatedRun } from '../helpers/long-run.js';
import { renderJson } from '../../src/report/write.js';
import { resultFromLog } from '../../src/metrics/log.js';
import { FilePointStore } from '../../src/metrics/point-store.js';
import { resultShapeProblem } from '../../src/report/read-result.js';
import { COARSE_AFTER_SEC, COARSE_STEP_SEC } from '../../src/metrics/timeline.js';
import { runCli } from '../helpers/cli.js';

const SECONDS = COARSE_AFTER_SEC + 10 * COARSE_STEP_SEC;
let dir: string;
let sim: SimulatedRun;
let resultFile: string;
let logFile: string;

before(() => {
  dir = mkdtempSync('/tmp/lp-long-run-');
  logFile = join(dir, 'run.ndjson');
  const fd = openSync(logFile, 'w');
  try {
    sim = simulateRun({ seconds: SECONDS, ratePerSec: 100, logFd: fd });
  } finally {
    closeSync(fd);
  }
  resultFile = join(dir, 'result.json');
  writeFileSync(resultFile, renderJson(sim.result));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('the timeline is per second for an hour, per minute after; the requests add up; the result grows little past the hour', () => {
  const tl = sim.result.timeline;
  assert.equal(tl.filter((p) => p.t < COARSE_AFTER_SEC).length, COARSE_AFTER_SEC);
  const coarse = tl.filter((p) => p.t >= COARSE_AFTER_SEC);
  assert.equal(coarse.length, 10);
  for (const p of coarse) assert.equal(p.durationSec, COARSE_STEP_SEC);
  assert.equal(Math.round(tl.reduce((a, p) => a + p.rps * (p.durationSec ?? 1), 0)), sim.result.summary.requests);
  // a minute point costs about what a second point does: 10 minutes past the hour add < 2% of the first hour's bytes
  const firstHour = tl.filter((p) => p.t < COARSE_AFTER_SEC).reduce((a, p) => a + JSON.stringify(p).length, 0);
  const after = coarse.reduce((a, p) => a + JSON.stringify(p).length, 0);
  assert.ok(after < firstHour * 0.02, `${after} bytes for 10 minute points vs ${firstHour} for the first hour`);
  assert.equal(resultShapeProblem(JSON.parse(readFileSync(resultFile, 'utf8'))), null);
});

test('the result rebuilt from the run.ndjson log is the same result (the rebuild coarsens the same way)', () => {
  const rebuilt = resultFromLog(readFileSync(logFile, 'utf8'), logFile);
  assert.deepEqual(rebuilt.timeline, sim.result.timeline);
  assert.deepEqual(rebuilt.summary, sim.result.summary);
  assert.equal(statSync(logFile).size, sim.logBytes);
});

test('the timeline and the generator series are those of the code before the point store (golden digests)', () => {
  // sha256 of the JSON of this simulated run's timeline and self series, taken with the code before
  // the points were kept as JSON text (commit 85e9fea): the store changes where points wait, never
  // what they say. A deliberate change of the timeline's content (or of the simulation) updates these.
  const digest = (v: unknown): string => createHash('sha256').update(JSON.stringify(v)).digest('hex');
  const self = Object.fromEntries(Object.entries(sim.result.watch).map(([k, v]) => [k, v.points]));
  assert.equal(digest(sim.result.timeline), '5c420578f2e8ed3e29dc46de4082d68342f89872f43cf9085583ad47938c42ef');
  assert.equal(digest(self), 'facd03955aafccc88d4233d19b3817b263874d7719e294e21970d502eb29e6b4');
  assert.equal(digest(sim.result.generator), '136b178335322dc68cc713519aa1a575d47b4b779f6fa3eb0d1cea075253b259');
});

test('with its points kept in a file (FilePointStore, as `run` keeps them), the run has the same result', () => {
  const store = new FilePointStore(join(dir, '.timeline-points'));
  try {
    const inFile = simulateRun({ seconds: SECONDS, ratePerSec: 100, pointStore: store });
    assert.equal(renderJson(inFile.result), renderJson(sim.result));
  } finally {
    store.close();
  }
});

test('analyze and report (the real CLI) on the long result complete well within 20 s', async (t) => {
  for (const args of [
    ['analyze', resultFile, '--json'],
    ['report', resultFile, '--format', 'html', '-o', join(dir, 'report.html')],
    ['report', resultFile, '--format', 'md'],
  ]) {
    const t0 = Date.now();
    const r = await runCli(args, { timeoutMs: 60_000 });
    const ms = Date.now() - t0;
    assert.ok(r.code !== null && r.code !== 2 && r.code !== 5, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
    assert.ok(ms < 20_000, `${args.join(' ')} took ${ms} ms`);
    t.diagnostic(`${args.slice(0, 3).join(' ')}: ${ms} ms`);
  }
  assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /<\/html>\s*$/);
});
