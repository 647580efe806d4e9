/**
 * Root-cause diagnosis: the explicit list of rules, one per id of the contract's symptom table.
 * Each rule reads only the evidence (timeline, steps, watched series) and returns a finding or
 * null; the list is sorted by confidence, highest first. An empty list is an honest answer.
 *
 * Handoff: each rule names its specialist; when the incident guard aborted the run, every
 * finding goes to the incident commander (the test produced a production-like incident, and its
 * follow-up starts there) — except in a breakpoint run, whose stop rules are how the experiment is
 * meant to end.
 */
import type { Diagnosis, DiagnosisId } from '../result/types.js';
import type { Evidence } from './evidence.js';
import { coldStart } from './rules/cold-start.js';
import { connectionLeak } from './rules/connection-leak.js';
import { cpuBound } from './rules/cpu-bound.js';
import { downstreamRateLimit } from './rules/downstream-rate-limit.js';
import { fdExhaustion } from './rules/fd-exhaustion.js';
import { gcPressure } from './rules/gc-pressure.js';
import { listenBacklog } from './rules/listen-backlog.js';
import { lockContention } from './rules/lock-contention.js';
import { memoryLeak } from './rules/memory-leak.js';
import { missingIndex } from './rules/missing-index.js';
import { poolExhaustion } from './rules/pool-exhaustion.js';
import { thunderingHerd } from './rules/thundering-herd.js';
import { timeoutCascade } from './rules/timeout-cascade.js';

export type Rule = (ev: Evidence) => Diagnosis | null;

/** Every rule, in the contract's table order (the order breaks confidence ties). */
export const RULES: ReadonlyArray<{ id: DiagnosisId; rule: Rule }> = [
  { id: 'pool-exhaustion', rule: poolExhaustion },
  { id: 'timeout-cascade', rule: timeoutCascade },
  { id: 'cpu-bound', rule: cpuBound },
  { id: 'memory-leak', rule: memoryLeak },
  { id: 'connection-leak', rule: connectionLeak },
  { id: 'cold-start', rule: coldStart },
  { id: 'missing-index', rule: missingIndex },
  { id: 'downstream-rate-limit', rule: downstreamRateLimit },
  { id: 'gc-pressure', rule: gcPressure },
  { id: 'thundering-herd', rule: thunderingHerd },
  { id: 'lock-contention', rule: lockContention },
  { id: 'listen-backlog', rule: listenBacklog },
  { id: 'fd-exhaustion', rule: fdExhaustion },
];

/** Runs every rule; findings sorted by confidence, highest first. */
export function diagnose(ev: Evidence): Diagnosis[] {
  const out: Diagnosis[] = [];
  const incident = ev.aborted && ev.result.plan?.pattern?.type !== 'breakpoint';
  for (const { rule } of RULES) {
    const d = rule(ev);
    if (d) out.push(incident ? { ...d, handoff: 'incident-commander' } : d);
  }
  return out.sort((a, b) => b.confidence - a.confidence);
}
