/**
 * The symptom → cause table of CONTRACT.md (ids fixed, the first eight and the five added with
 * the saturation order), and which patterns can reveal each row.
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
  {
    id: 'gc-pressure',
    symptom: 'a core busy mostly with garbage collection, tail latency degrading, heap near its limit but not growing without bound',
    cause: 'too much live heap or allocation churn',
    patterns: ['load', 'stress', 'breakpoint', 'soak'],
    evidence: ['eventLoop', 'prometheus'],
    evidenceNote:
      "GC pause time per second and heap used against heap allocated: the eventLoop probe, or a prometheus watch on prom-client's default metrics (nodejs_gc_duration_seconds, nodejs_heap_size_used_bytes, nodejs_heap_size_total_bytes; jvm_gc_pause_seconds, go_gc_duration_seconds); a process watch adds the core's CPU",
  },
  {
    id: 'thundering-herd',
    symptom: "latency and backing-store load spike together at cache expiries or a spike's first seconds, then settle",
    cause: 'synchronized misses without request coalescing',
    patterns: ['spike', 'load', 'soak'],
    evidence: ['postgres', 'dependency', 'process'],
    evidenceNote:
      'the backing store\'s load second by second, to see it jump with the latency peaks: the postgres watch (scans, commits, connections), a dependency watch (its latency), or a process watch on the database (its CPU)',
  },
  {
    id: 'lock-contention',
    symptom: 'database lock waits rise with load while database CPU stays low',
    cause: 'a hot row or table lock serialising requests',
    patterns: ['load', 'stress', 'breakpoint', 'soak'],
    evidence: ['postgres'],
    evidenceNote: 'backends waiting on a lock (postgres watch, from pg_stat_activity); a process watch on the database and the app shows their CPU stays low',
  },
  {
    id: 'listen-backlog',
    symptom: 'connection refusals/resets or latency modes near 1 s and 3 s (SYN retries) at high connection rates, app CPU not saturated',
    cause: 'accept queue overflow',
    patterns: ['spike', 'stress', 'breakpoint'],
    evidence: [],
    evidenceNote:
      "client error kinds (refused, reset) and the latency histogram's modes near 1 s and 3 s (always recorded); a process watch on the app shows its CPU is not saturated and its descriptors are not at their limit",
  },
  {
    id: 'fd-exhaustion',
    symptom: "EMFILE or connection errors while the process's open descriptors sit at their limit",
    cause: 'descriptor limit too low, or descriptors held too long',
    patterns: ['load', 'stress', 'spike', 'breakpoint', 'soak'],
    evidence: ['process'],
    evidenceNote: "the process's open descriptors against its limit (process watch: fds, and the limit from /proc/PID/limits) with the client's error kinds (resets, refusals, 5xx)",
  },
];

/** The rows a pattern can reveal, in table order (none for smoke: it checks that things work at all). */
export function symptomsFor(pattern: PatternType): SymptomRow[] {
  return SYMPTOMS.filter((row) => row.patterns.includes(pattern));
}
