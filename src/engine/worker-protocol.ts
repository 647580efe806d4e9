/**
 * Messages between the runner (main thread) and its load workers (worker_threads).
 *
 *   main → worker   init (config) · start (the run's clock origin) · stop (grace) · cut
 *   worker → main   ready · second (a SecondSnapshot per second, in order) · done · failed
 *
 * A worker emits every second from 0 to its last, in order, even empty ones, and marks its last
 * snapshot `final` with its end time; the main thread merges second s once every worker has either
 * sent it or finished before it.
 */
import type { Plan, Stage } from '../plan/schema.js';
import type { SecondSnapshot } from '../metrics/recorder.js';
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
  /**
   * The segment of a distributed run this process runs (`{index: 0, count: 1}`: the whole run).
   * The worker's share is the stripe `segment.index + segment.count × worker` of
   * `segment.count × workers` (schedule/segment.ts); per-row data (feeders) may partition on it.
   */
  segment: SegmentSpec;
  /** local (source) IP address for outgoing connections; the OS picks when unset */
  localAddress?: string;
}

export type ToWorker =
  | { type: 'init'; config: WorkerConfig }
  | { type: 'start'; originHrNs: bigint }
  | { type: 'stop'; graceMs: number }
  | { type: 'cut' };

export interface WorkerDone {
  type: 'done';
  worker: number;
  /** µs from the start when the worker finished */
  endUs: number;
  /** requests or thinking iterations still out when the grace ran out */
  abandoned: number;
  /** unset template variables: name → times */
  missing: Record<string, number>;
}

export type FromWorker =
  | { type: 'ready'; worker: number }
  | { type: 'second'; snap: SecondSnapshot }
  | WorkerDone
  | { type: 'failed'; worker: number; message: string; code?: string; where?: string; hint?: string };
