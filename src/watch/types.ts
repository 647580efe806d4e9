/**
 * The watcher interface and the values that flow between a watcher and its session.
 *
 * One small interface in the spirit of k6's `output/types.go`: a watcher starts, is sampled on its
 * own timer, and stops. A watcher reports failure by throwing from `sample()`; the session (never
 * the run) catches it, records a gap and a warning, and keeps sampling — watchers reconnect on
 * their own at the next sample.
 */
import type { SeriesInfo } from '../result/types.js';

/** The kinds of watcher, as named in `SeriesInfo.watcher` and in warnings. */
export type WatcherKind = 'process' | 'postgres' | 'prometheus' | 'eventLoop' | 'dependency' | 'self';

export type SeriesRole = NonNullable<SeriesInfo['role']>;

/** One value read by a watcher. `name` is the full series name, e.g. `process.port3000.cpuPct`. */
export interface SeriesValue {
  name: string;
  unit: string;
  /** null: this series could not be read this time (a gap) */
  value: number | null;
  /** overrides the watcher's role for this series (e.g. a process found to be postgres) */
  role?: SeriesRole;
  /** overrides the watcher's target description for this series */
  target?: string;
}

/** What one successful `sample()` read. */
export interface Reading {
  /** epoch ms at which the values were read (defaults to the time the sample was asked for) */
  atMs?: number;
  values: SeriesValue[];
}

/** Where a watcher reports problems that are not a failed sample (e.g. an optional extension missing). */
export type WarnFn = (message: string) => void;

export interface Watcher {
  readonly kind: WatcherKind;
  /** unique within a session, e.g. `process.port3000`; names the warnings' source */
  readonly name: string;
  /** what is watched, credentials removed, e.g. `port 3000` or `postgres://app@127.0.0.1:5432/app` */
  readonly target: string;
  readonly role: SeriesRole;
  readonly intervalMs: number;
  /** series this watcher always produces, so that a target never reached still shows its gaps */
  readonly expectedSeries: ReadonlyArray<{ name: string; unit: string }>;
  /** Connects or resolves the target. May throw: the session records the cause and sampling retries. */
  start(warn: WarnFn): Promise<void>;
  /** Reads the target once. `nowMs` is the epoch ms the session asked at. Throws when it cannot read. */
  sample(nowMs: number): Promise<Reading>;
  /** Releases resources and returns extras that are not time series (e.g. top queries). Never throws. */
  stop(): Promise<Record<string, unknown> | undefined>;
}

/** The most telling watched value right now, for the live progress line. */
export interface WatchHeadline {
  /** e.g. `app CPU`, `pg active`, `app event loop` */
  label: string;
  /** e.g. `87%`, `10/10`, `p99 120 ms` */
  text: string;
  /** 0..1: how close to saturation this signal is (what made it the headline) */
  saturation: number;
  /** the series it was read from */
  series: string;
}

export interface WatchWarning {
  /** the watcher's name, e.g. `postgres.app`, or `watch` for the session itself */
  source: string;
  message: string;
}

export interface WatchOutput {
  series: Record<string, SeriesInfo>;
  warnings: WatchWarning[];
  /** extras per watcher name (e.g. `info['postgres.app'].topQueries`), plus `cores` */
  info: Record<string, unknown>;
}
