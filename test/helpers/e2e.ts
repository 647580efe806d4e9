/**
 * What the end-to-end diagnosis tests (test/integration/e2e-*.test.ts) share: a results folder,
 * plans written as YAML files the way a user writes them, breakpoint stages, the real CLI's run, and
 * the result it wrote. Their loads follow the rule in saturation.ts: derived from a limit built into
 * the test service or from a cost measured at test start (`calibrate`, `levelsPast`), never from
 * this machine's speed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import type { PlanInput } from '../../src/plan/schema.js';
import type { Diagnosis, Result } from '../../src/result/types.js';
import { runCli, type CliRun } from './cli.js';
import { slowChildrenOf } from './slowdown.js';

export interface Workdir {
  dir: string;
  /** removes the folder (call in `finally`) */
  remove(): void;
}

/** A temp folder for a run's plan and results; kept (and named on the log) with LOADPROOF_E2E_KEEP=1. */
export function workdir(prefix: string): Workdir {
  const dir = mkdtempSync(join(tmpdir(), `lp-e2e-${prefix}-`));
  const keep = process.env.LOADPROOF_E2E_KEEP === '1';
  return { dir, remove: () => (keep ? console.log(`e2e ${prefix}: kept ${dir}`) : rmSync(dir, { recursive: true, force: true })) };
}

/** Writes a plan as YAML into `dir` and returns its path. */
export function writePlan(dir: string, plan: PlanInput): string {
  const file = join(dir, 'plan.yaml');
  writeFileSync(file, YAML.stringify(plan));
  return file;
}

/**
 * Breakpoint stages: for each level a short ramp then a hold. The analysis leaves the first second
 * of a hold under 10 s out while the load settles, so a hold of `holdSec` gives `holdSec − 1` s of
 * figures per level.
 */
export function breakpointStages(levels: number[], holdSec: number, rampSec = 0.5): Array<{ duration: string; target: number }> {
  return levels.flatMap((target) => [
    { duration: `${rampSec * 1000}ms`, target },
    { duration: `${holdSec * 1000}ms`, target },
  ]);
}

/** `loadproof run <plan> --out <dir>/out` through the real CLI; bounded at 90 s. */
export function runPlan(planFile: string, outDir: string): Promise<CliRun> {
  return runCli(['run', planFile, '--out', outDir], { timeoutMs: 90_000 });
}

export function readResult(outDir: string): Result {
  return JSON.parse(readFileSync(join(outDir, 'result.json'), 'utf8')) as Result;
}

/**
 * `loadproof demo --quick [args] --out <out>` through the real CLI (bounded at 90 s): asserts it
 * exits 0 and returns the run with its result, logged under `label`.
 */
export async function runDemoQuick(args: string[], outDir: string, label: string): Promise<{ run: CliRun; r: Result }> {
  // with LOADPROOF_TEST_SLOW, the demo service the CLI spawns is slowed (slowdown.ts), not the CLI
  let unslow: (() => Promise<void>) | undefined;
  const run = await runCli(['demo', '--quick', ...args, '--out', outDir], { timeoutMs: 90_000, onSpawn: (pid) => (unslow = slowChildrenOf(pid, 'demo --quick service')) });
  await unslow?.();
  assert.equal(run.code, 0, `demo --quick ${args.join(' ')} exited ${run.code}\n${run.stderr.slice(-2000)}`);
  const r = readResult(outDir);
  logRun(label, r);
  return { run, r };
}

/**
 * The result of a breakpoint run driven past the target's limit: such a run fails its thresholds
 * (exit 1) or is stopped by its abort rule (exit 3) — anything else fails the test.
 */
export function breakpointResult(run: CliRun, outDir: string): Result {
  assert.ok(run.code === 1 || run.code === 3, `a breakpoint run past the limit fails or is stopped, got ${run.code}\n${run.stderr.slice(-1500)}`);
  return readResult(outDir);
}

/** "pool-exhaustion 0.95, timeout-cascade 0.40" — for assertion messages. */
export function diagnosesLine(r: Result): string {
  const d = r.analysis?.diagnoses ?? [];
  return d.length ? d.map((x) => `${x.id} ${x.confidence.toFixed(2)}`).join(', ') : 'no diagnosis';
}

/**
 * Asserts that `id` is the first diagnosis and returns it. The message carries every finding with its
 * evidence and the per-step table, so a failure on a loaded machine can be read without a rerun.
 */
export function assertFirstDiagnosis(r: Result, id: Diagnosis['id'], run?: CliRun): Diagnosis {
  const d = r.analysis?.diagnoses ?? [];
  const detail = () =>
    [
      `diagnoses: ${diagnosesLine(r)}`,
      ...d.map((x) => `  ${x.id}: ${x.evidence.join(' | ')}`),
      'steps (offered, achieved, error rate, p95):',
      ...(r.steps ?? []).map((s) => `  ${s.offeredRps ?? '-'} → ${s.rps} req/s, ${(s.errorRate * 100).toFixed(1)}%, p95 ${s.latencyMs?.p95 ?? '-'} ms`),
      ...(run ? [`exit ${run.code}`, run.stderr.slice(-1500)] : []),
    ].join('\n');
  assert.ok(d.length > 0 && d[0]!.id === id, `expected ${id} first\n${detail()}`);
  // every finding quotes numbers: the evidence is measured, not asserted
  assert.ok(d[0]!.evidence.length >= 2 && d[0]!.evidence.every((e) => /\d/.test(e)), detail());
  return d[0]!;
}

/** The highest per-step mean of a watched series (null when no step has it). */
export function peakStepMean(r: Result, series: string): number | null {
  const v = (r.steps ?? []).map((s) => s.watch?.[series]).filter((x): x is number => typeof x === 'number');
  return v.length ? Math.max(...v) : null;
}

/** One line for the test log: what the run found and estimated (read when tuning on a new machine). */
export function logRun(name: string, r: Result, extra = ''): void {
  const cap = r.analysis?.capacity;
  console.log(`e2e ${name}: ${diagnosesLine(r)}; capacity ${cap?.maxSustainableRps ?? 'none'} req/s; verdict ${r.verdict}${extra ? `; ${extra}` : ''}`);
}
