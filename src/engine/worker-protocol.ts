/**
 * Messages between the runner (main thread) and its load workers (worker_threads).
 *
 *   main → worker   init (config) · start (the run's clock origin) · stop (grace) · cut · retarget
 *   worker → main   ready · second (a SecondSnapshot per second, in order) · done · failed
 *
 * A worker emits every second from 0 to its last, in order, even empty ones, and marks its last
 * snapshot `final` with its end time; the main thread merges second s once every worker has either
 * sent it or finished before it.
 */
import type { Plan, Stage } from '../plan/schema.js';
import type { SecondSnapshot } from '../metrics/recorder.js';
import type { SharedTable } from './data.js';
import type { CompiledScript } from './script/compile.js';
import type { SegmentSpec } from './schedule/segment.js';

export interface WorkerConfig {
  worker: number;
  workers: number;
  plan: Plan;
  /** the target to load (the plan's own unless overridden) */
  target: string;
  model: 'open' | 'closed';
  stages: Stage[];
  arrivals: 'constant' | 'poisson';
  seed: number;
  /** this worker's share of maxInFlight (open model) */
  maxInFlight: number;
  /** this worker's share of the connection cap (open model) */
  maxConnections: number;
  /** in-flight work may finish this long after the last stage (ms) */
  gracefulStopMs: number;
  /** open model: poll instead of sleeping this close to the next arrival (µs) */
  spinUs: number;
  /** closed model: think time after an iteration whose flow has none */
  defaultThink: { minMs: number; maxMs: number } | null;
  /** the run's data tables (shared memory: every worker reads the same bytes) */
  data: SharedTable[];
  /** compiled scripts: [scenario index, script] */
  scripts: Array<[number, CompiledScript]>;
  /**
   * The segment of a distributed run this process runs (`{index: 0, count: 1}`: the whole run).
   * The worker's share is the stripe `segment.index + segment.count × worker` of
   * `segment.count × workers` (schedule/segment.ts); per-row data (feeders) may partition on it.
   */
  segment: SegmentSpec;
  /** local (source) IP address for outgoing connections; the OS picks when unset */
  localAddress?: string;
}

/** Failed iterations (a script threw, a data table ran out): how many, and the first messages. */
export interface IterationFailures {
  total: number;
  /** distinct messages in order of first occurrence (at most MAX_FAILURE_MESSAGES), scrubbed of secrets */
  messages: Array<{ message: string; count: number; firstAtSec: number }>;
}

/** Distinct failure messages kept per run. */
export const MAX_FAILURE_MESSAGES = 20;

export type ToWorker =
  | { type: 'init'; config: WorkerConfig }
  | { type: 'start'; originHrNs: bigint }
  | { type: 'stop'; graceMs: number }
  | { type: 'cut' }
  /** open model: cut the schedule at `atSec` and continue with `stages` (optionally ending in an open hold) */
  | { type: 'retarget'; atSec: number; stages: Stage[]; open: boolean };

export interface WorkerDone {
  type: 'done';
  worker: number;
  /** µs from the start when the worker finished */
  endUs: number;
  /** requests or thinking iterations still out when the grace ran out */
  abandoned: number;
  /** unset template variables: name → times */
  missing: Record<string, number>;
  /** VU contexts that ran their setup, and those whose setup succeeded */
  setupVus: number;
  setupOkVus: number;
  /** capture names that some response set */
  captured: string[];
  failures: IterationFailures;
  /** the protocol the worker's client spoke to the target: 'http/1.1', 'h2' (TLS) or 'h2c' */
  protocol?: string;
}

export type FromWorker =
  | { type: 'ready'; worker: number }
  | { type: 'second'; snap: SecondSnapshot }
  | WorkerDone
  | { type: 'failed'; worker: number; message: string; code?: string; where?: string; hint?: string };
