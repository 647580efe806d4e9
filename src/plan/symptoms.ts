/**
 * The symptom → cause table of CONTRACT.md (ids fixed), and which patterns can reveal each row.
 *
 * `design` uses it to say, before a run, which diagnoses this experiment could support and which
 * watched series each one needs as evidence; the analysis names the same ids after the run.
 */
import type { DiagnosisId } from '../result/types.js';
import type { PatternType, WatchKind } from './schema.js';

export interface SymptomRow {
  id: DiagnosisId;
  symptom: string;
  cause: string;
  /** patterns whose load shape can show this symptom */
  patterns: readonly PatternType[];
  /**
   * Watchers that supply the evidence beyond client metrics; any one of them is enough.
   * Empty when client metrics alone show the symptom.
   */
  evidence: readonly WatchKind[];
  /** what the evidence is, in words */
  evidenceNote: string;
}

/** The rows in CONTRACT.md order. */
export const SYMPTOMS: readonly SymptomRow[] = [
  {
    id: 'pool-exhaustion',
    symptom: 'latency spikes at a specific concurrency, CPU not saturated',
    cause: 'thread or connection pool exhausted',
    patterns: ['load', 'stress', 'spike', 'breakpoint'],
    evidence: ['process', 'eventLoop', 'postgres'],
    evidenceNote: 'target CPU (to see it is not saturated) and pool gauges or database connections',
  },
  {
    id: 'timeout-cascade',
    symptom: 'error rate climbs as latency climbs',
    cause: 'timeouts cascading into errors',
    patterns: ['load', 'stress', 'spike', 'breakpoint'],
    evidence: [],
    evidenceNote: 'client latency and error rate per second (always recorded)',
  },
  {
    id: 'cpu-bound',
    symptom: 'latency fine but throughput plateaus, a core saturated',
    cause: 'CPU bound (single core, event loop, GIL)',
    patterns: ['load', 'stress', 'breakpoint'],
    evidence: ['process', 'eventLoop'],
    evidenceNote: 'target CPU per core or event-loop utilization',
  },
  {
    id: 'memory-leak',
    symptom: 'memory grows linearly during a soak',
    cause: 'object accumulation',
    patterns: ['soak'],
    evidence: ['process', 'eventLoop'],
    evidenceNote: 'target RSS or heap over time',
  },
  {
    id: 'connection-leak',
    symptom: 'latency fine at first, bad after minutes at the same load',
    cause: 'connection pool leak, GC pressure',
    patterns: ['soak'],
    evidence: [],
    evidenceNote: 'client latency over time at constant load; pool gauges, database connections or GC time make it specific',
  },
  {
    id: 'cold-start',
    symptom: 'errors only in the first spike, then fine',
    cause: 'no warm-up: cold cache, cold JIT',
    patterns: ['spike', 'load'],
    evidence: [],
    evidenceNote: 'client errors and latency in the first seconds versus later',
  },
  {
    id: 'missing-index',
    symptom: "database CPU rises before the app's",
    cause: 'a query doing a table scan',
    patterns: ['load', 'stress', 'breakpoint', 'soak'],
    evidence: ['postgres'],
    evidenceNote: 'sequential scans per second and database CPU (postgres watch, and a process watch on the database)',
  },
  {
    id: 'downstream-rate-limit',
    symptom: "a dependency's latency or 429s rise with load",
    cause: 'downstream rate limiting',
    patterns: ['load', 'stress', 'breakpoint', 'spike'],
    evidence: ['dependency', 'prometheus'],
    evidenceNote: "a dependency's latency and share of 429/503 answers",
  },
];

/** The rows a pattern can reveal, in table order (none for smoke: it checks that things work at all). */
export function symptomsFor(pattern: PatternType): SymptomRow[] {
  return SYMPTOMS.filter((row) => row.patterns.includes(pattern));
}
