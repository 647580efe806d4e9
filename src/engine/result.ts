/**
 * From a plan and a finished run to the result document (`loadproof.result/v1`).
 *
 * The log header (metrics/log.ts) carries everything about the plan the result needs, so the live
 * result and one rebuilt from run.ndjson are assembled by the same function (`assembleResult`).
 */
import type { Plan, Stage } from '../plan/schema.js';
import { resolveLoad } from '../plan/patterns.js';
import type { ThresholdExpr } from '../plan/thresholds.js';
import type { Result, ResultPlanInfo, TestHealth } from '../result/types.js';
import { LOG_SCHEMA, assembleResult, type LogEnd, type LogHeader } from '../metrics/log.js';
import type { EndpointInfo } from '../metrics/timeline.js';
import { VERSION } from '../version.js';
import type { RunOutcome, StartInfo } from './runner.js';
import { hostname } from 'node:os';

/** The error budget assumed when the plan states none (`validity.maxErrorRate`). */
export const DEFAULT_MAX_ERROR_RATE = 0.5;

/** The plan as the result records it: thresholds and abort rules as written, stages in seconds. */
export function planInfoOf(plan: Plan, opts: { target?: string; stages?: Stage[]; endpoints?: EndpointInfo[] } = {}): ResultPlanInfo {
  const load = resolveLoad(plan);
  const stages = opts.stages ?? load.stages;
  const texts = (rec: Record<string, ThresholdExpr[]> | undefined): Record<string, string[]> =>
    Object.fromEntries(Object.entries(rec ?? {}).map(([k, list]) => [k, list.map((e) => e.source)]));
  const info: ResultPlanInfo = {
    name: plan.name,
    hypothesis: plan.hypothesis ?? null,
    target: opts.target ?? plan.target,
    pattern: plan.pattern
      ? { type: plan.pattern.type, peak: plan.pattern.peak, ...(plan.pattern.durationMs !== undefined ? { durationSec: plan.pattern.durationMs / 1000 } : {}) }
      : null,
    model: load.model,
    stages: stages.map((s) => ({ durationSec: s.durationMs / 1000, target: s.target })),
    thresholds: texts(plan.thresholds),
    abort: texts(load.abort),
    scenarios: plan.scenarios.map((s) => ({
      name: s.name,
      weight: s.weight,
      requests: (opts.endpoints ?? []).filter((e) => e.scenario === s.name).map((e) => e.name),
    })),
    validity: { maxErrorRate: plan.validity?.maxErrorRate ?? DEFAULT_MAX_ERROR_RATE },
  };
  return info;
}

/** The log's first line. */
export function logHeaderOf(
  plan: Plan,
  run: Omit<StartInfo, 'startSkewMs' | 'startAt'> & Partial<StartInfo> & { target?: string; stages?: Stage[] },
  extra: { segment?: { index: number; count: number }; localAddress?: string; seed?: number } = {},
): LogHeader {
  const header: LogHeader = {
    type: 'header',
    schema: LOG_SCHEMA,
    tool: { name: 'loadproof', version: VERSION },
    startedAt: run.startedAt.toISOString(),
    plan: planInfoOf(plan, { target: run.target, stages: run.stages, endpoints: run.endpoints }),
    endpoints: run.endpoints,
    model: resolveLoad(plan).model,
    workers: run.workers,
    cores: run.cores,
    pid: process.pid,
  };
  if (extra.segment !== undefined && extra.segment.count > 1) {
    header.segment = extra.segment;
    header.host = hostname();
  }
  if (extra.localAddress !== undefined) header.localAddress = extra.localAddress;
  if (extra.seed !== undefined) header.seed = extra.seed;
  if (run.startAt !== undefined) header.startAt = run.startAt.toISOString();
  if (run.startSkewMs !== undefined) header.startSkewMs = run.startSkewMs;
  return header;
}

/** Warnings a user should see about a finished run. */
export function runWarnings(outcome: RunOutcome): Array<{ source: string; message: string }> {
  const out: Array<{ source: string; message: string }> = [];
  for (const [name, n] of Object.entries(outcome.missing)) {
    out.push({ source: 'engine', message: `template variable {{ ${name} }} was unset in ${n} request(s): is the capture that sets it failing?` });
  }
  if (outcome.failures.total > 0) {
    const shown = outcome.failures.messages.reduce((a, m) => a + m.count, 0);
    out.push({ source: 'engine', message: `${outcome.failures.total} iteration(s) failed; first messages below${shown < outcome.failures.total ? ' (others not kept)' : ''}` });
    for (const m of outcome.failures.messages) {
      out.push({ source: 'iteration', message: `${m.message} (${m.count}×, first at ${m.firstAtSec}s)` });
    }
  }
  if (outcome.abandoned > 0) {
    out.push({
      source: 'engine',
      message: `${outcome.abandoned} request(s) were still in flight when the stop grace ran out; they count as timeouts with the time they had been outstanding (a lower bound of their latency)`,
    });
  }
  return out;
}

/** The name of the step whose capture sets `name` (setup steps first), if any. */
function captureStep(plan: Plan, name: string): string | undefined {
  for (const sc of plan.scenarios) {
    for (const step of [...(sc.setup ?? []), ...sc.flow]) {
      if (step.kind === 'request' && step.capture !== undefined && Object.hasOwn(step.capture, name)) return step.name ?? `${step.method} ${step.path}`;
    }
  }
  return undefined;
}

/** What the run's VU contexts made of their setups and captures (result.testHealth). */
export function testHealthOf(plan: Plan, outcome: Pick<RunOutcome, 'missing' | 'captured' | 'setupVus' | 'setupOkVus'>): TestHealth {
  const captured = new Set(outcome.captured);
  const unsetCaptures = Object.entries(outcome.missing)
    .filter(([name]) => !captured.has(name))
    .map(([name, uses]) => {
      const step = captureStep(plan, name);
      return step !== undefined ? { name, uses, step } : { name, uses };
    });
  return { setupVus: outcome.setupVus, setupOkVus: outcome.setupOkVus, unsetCaptures };
}

/** The log's last line. */
export function logEndOf(plan: Plan, outcome: RunOutcome): LogEnd {
  return {
    type: 'end',
    endedAt: outcome.endedAt.toISOString(),
    durationSec: outcome.durationSec,
    stop: outcome.stop,
    warnings: runWarnings(outcome),
    testHealth: testHealthOf(plan, outcome),
    ...(outcome.protocol !== undefined ? { protocol: outcome.protocol } : {}),
  };
}

/** The result of a finished run (criteria evaluated; verdict from stop and criteria; no analysis). */
export function resultOf(plan: Plan, header: LogHeader, outcome: RunOutcome): Result {
  const end = logEndOf(plan, outcome);
  return assembleResult({
    header,
    totals: outcome.totals,
    endedAt: end.endedAt,
    durationSec: end.durationSec,
    stop: end.stop,
    warnings: end.warnings,
    testHealth: end.testHealth,
    protocol: end.protocol,
    thresholds: plan.thresholds ?? {},
  });
}
