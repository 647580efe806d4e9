/**
 * A watch session: the watchers of a plan's `watch:` list (plus `self`), each sampled on its own
 * timer, recorded into one series store, stopped together at the end of the run.
 *
 * Guarantees the run relies on:
 * - Nothing here throws into the run after `startWatch` returned. A watcher that cannot read records
 *   `null` (a gap) in each of its series at that time, and a warning naming the watcher and the cause
 *   is raised once per distinct cause (not once per second); at `stop` it says how many samples were
 *   missed. Sampling goes on, and watchers reconnect by themselves.
 * - One watcher never delays another: each has its own timer. A tick that finds the previous sample
 *   of the same watcher still running is skipped (counted in `info`), never queued.
 * - Timestamps are epoch ms taken when the values were read; `stop(originEpochMs)` turns them into
 *   seconds from the run's start and drops points read before it (the priming sample).
 *
 * The watcher kinds are an explicit list (`createWatcher`), not a registry filled by imports.
 */
import { availableParallelism } from 'node:os';
import type { WatchItem } from '../plan/schema.js';
import { LoadproofError } from '../errors.js';
import { DependencyWatcher } from './dependency.js';
import { EventLoopWatcher } from './event-loop.js';
import { pickHeadline } from './headline.js';
import { seriesLabel } from './label.js';
import { PostgresWatcher, databaseOf } from './postgres.js';
import { ProcessWatcher, processDefaultLabel } from './process.js';
import { PrometheusWatcher } from './prometheus.js';
import { SelfWatcher } from './self.js';
import { SeriesStore } from './store.js';
import type { WatchHeadline, WatchOutput, WatchWarning, Watcher } from './types.js';
import type { SeriesInfo } from '../result/types.js';

export interface StartWatchOptions {
  /** sampling interval when an item sets none (default 1000 ms) */
  intervalMs?: number;
  /** watch the generator itself (default true) */
  self?: boolean;
  /** the machine's core count (default os.availableParallelism()) */
  cores?: number;
  /** called when a warning is first raised, for live display (the same warnings come back from stop) */
  onWarning?: (w: WatchWarning) => void;
  /** how long `startWatch` waits for the watchers' first reads before it returns (default 3000 ms) */
  startTimeoutMs?: number;
}

export interface WatchSession {
  /** the watchers, in plan order (self last) */
  readonly watchers: ReadonlyArray<{ name: string; kind: Watcher['kind']; target: string; intervalMs: number }>;
  /** the most telling value now, or null when nothing has been read yet */
  latest(): WatchHeadline | null;
  /** warnings raised so far */
  warnings(): WatchWarning[];
  /**
   * The series read so far, on the run's time axis (as `stop` returns them), while sampling goes
   * on: for live views (the dashboard's provisional analysis). A copy; O(points).
   */
  series(originEpochMs: number): Record<string, SeriesInfo>;
  /** The newest value of every series read so far, with its metadata: for live views. */
  current(): LiveValue[];
  /** Stops every watcher and returns the series on the run's time axis (t = seconds from `originEpochMs`). */
  stop(originEpochMs: number): Promise<WatchOutput>;
}

/** One series' newest value, for live views. */
export interface LiveValue {
  name: string;
  unit: string;
  watcher: Watcher['kind'];
  target: string;
  /** epoch ms the value was read */
  atMs: number;
  value: number;
}

export const DEFAULT_WATCH_INTERVAL_MS = 1_000;
/** How long stop() waits for a sample in flight, and for a watcher's own stop (final reads, closing). */
const STOP_WAIT_MS = 3_000;

/** The series label an item gets when the plan names none (the pinned defaults). */
export function defaultLabel(item: WatchItem): string {
  if (item.process) return processDefaultLabel(item.process);
  if (item.postgres) return seriesLabel(item.postgres.label ?? databaseOf(item.postgres.url));
  if (item.prometheus) return seriesLabel(item.prometheus.label ?? 'prom');
  if (item.eventLoop) return seriesLabel(item.eventLoop.label ?? 'app');
  if (item.dependency) return seriesLabel(item.dependency.name);
  throw new LoadproofError('LP_INTERNAL', 'a watch item without a watcher');
}

/**
 * Builds the watcher of one plan item. `label` overrides the default (the session de-duplicates
 * labels); `index` locates the item for error messages (`watch.2.prometheus.match.0`).
 */
export function createWatcher(item: WatchItem, intervalMs: number, label: string, index: number): Watcher {
  if (item.process) return new ProcessWatcher(item.process, intervalMs, label);
  if (item.postgres) return new PostgresWatcher(item.postgres, intervalMs, label);
  if (item.prometheus) return new PrometheusWatcher(item.prometheus, intervalMs, label, `watch.${index}.prometheus`);
  if (item.eventLoop) return new EventLoopWatcher(item.eventLoop, intervalMs, label);
  if (item.dependency) return new DependencyWatcher({ ...item.dependency, name: label }, intervalMs);
  throw new LoadproofError('LP_INTERNAL', 'a watch item without a watcher', { where: `watch.${index}` });
}

function kindOf(item: WatchItem): string {
  return item.process ? 'process' : item.postgres ? 'postgres' : item.prometheus ? 'prometheus' : item.eventLoop ? 'eventLoop' : 'dependency';
}

interface FailureRecord {
  warning: WatchWarning;
  cause: string;
  count: number;
}

/** One watcher and its timer, its counters and its failures. */
class WatcherRun {
  busy: Promise<void> | null = null;
  timer: NodeJS.Timeout | undefined;
  stopped = false;
  ok = 0;
  failed = 0;
  skipped = 0;
  failures = new Map<string, FailureRecord>();

  constructor(readonly watcher: Watcher) {}
}

/** Starts watching. Throws only for plan mistakes found while building the watchers (exit 2). */
export async function startWatch(items: WatchItem[], opts: StartWatchOptions = {}): Promise<WatchSession> {
  const defaultInterval = opts.intervalMs ?? DEFAULT_WATCH_INTERVAL_MS;
  const cores = opts.cores ?? availableParallelism();
  const store = new SeriesStore();
  const warnings: WatchWarning[] = [];
  const raise = (source: string, message: string): WatchWarning => {
    const w = { source, message };
    warnings.push(w);
    opts.onWarning?.(w);
    return w;
  };

  const watchers: Watcher[] = [];
  const used = new Set<string>();
  items.forEach((item, index) => {
    const kind = kindOf(item);
    if (item.process && process.platform !== 'linux') {
      raise(`process.${defaultLabel(item)}`, `process watching is not supported on ${process.platform}`);
      return;
    }
    // two items with the same label would write into the same series: number the later ones
    let label = defaultLabel(item);
    for (let n = 2; used.has(`${kind}.${label}`); n++) label = `${defaultLabel(item)}_${n}`;
    used.add(`${kind}.${label}`);
    watchers.push(createWatcher(item, item.intervalMs ?? defaultInterval, label, index));
  });
  if (opts.self !== false) watchers.push(new SelfWatcher(defaultInterval));

  const runs = watchers.map((w) => new WatcherRun(w));

  const fail = (run: WatcherRun, atMs: number, e: unknown): void => {
    run.failed++;
    const w = run.watcher;
    const names = new Set([...w.expectedSeries.map((s) => s.name), ...store.namesWithPrefix(`${w.name}.`)]);
    const units = new Map(w.expectedSeries.map((s) => [s.name, s.unit]));
    for (const name of names) {
      store.record(name, store.meta(name) ?? { unit: units.get(name) ?? '', watcher: w.kind, target: w.target, role: w.role }, atMs, null);
    }
    const cause = e instanceof Error ? e.message : String(e);
    const had = run.failures.get(cause);
    if (had) had.count++;
    else run.failures.set(cause, { cause, count: 1, warning: raise(w.name, cause) });
  };

  const sampleOnce = (run: WatcherRun, atMs: number): Promise<void> => {
    const w = run.watcher;
    const p = (async () => {
      try {
        const reading = await w.sample(atMs);
        if (run.stopped) return;
        run.ok++;
        const at = reading.atMs ?? atMs;
        for (const v of reading.values) {
          store.record(v.name, store.meta(v.name) ?? { unit: v.unit, watcher: w.kind, target: v.target ?? w.target, role: v.role ?? w.role }, at, v.value);
        }
      } catch (e) {
        if (!run.stopped) fail(run, atMs, e);
      }
    })();
    run.busy = p;
    return p.finally(() => {
      if (run.busy === p) run.busy = null;
    });
  };

  const schedule = (run: WatcherRun, t0: number, k: number): void => {
    if (run.stopped) return;
    const due = t0 + k * run.watcher.intervalMs;
    run.timer = setTimeout(() => {
      if (run.stopped) return;
      if (run.busy) run.skipped++;
      else void sampleOnce(run, Date.now());
      // the next tick keeps the grid (t0 + k·interval); ticks already past are skipped, not bunched
      const next = Math.max(k + 1, Math.ceil((Date.now() - t0) / run.watcher.intervalMs));
      schedule(run, t0, next);
    }, Math.max(0, due - Date.now()));
    run.timer.unref();
  };

  const warn = (run: WatcherRun) => (message: string) => {
    if (!warnings.some((w) => w.source === run.watcher.name && w.message === message)) raise(run.watcher.name, message);
  };

  // start every watcher and take its priming read (rates need a first value), in parallel, bounded
  const starting = runs.map(async (run) => {
    const t0 = Date.now();
    try {
      await run.watcher.start(warn(run));
    } catch (e) {
      fail(run, t0, e);
      schedule(run, t0, 1);
      return;
    }
    await sampleOnce(run, Date.now());
    schedule(run, t0, 1);
  });
  await Promise.race([Promise.all(starting), new Promise((r) => setTimeout(r, opts.startTimeoutMs ?? 3_000).unref())]);

  let stopped: Promise<WatchOutput> | null = null;
  return {
    watchers: watchers.map((w) => ({ name: w.name, kind: w.kind, target: w.target, intervalMs: w.intervalMs })),
    latest() {
      const maxInterval = Math.max(defaultInterval, ...watchers.map((w) => w.intervalMs));
      return pickHeadline(store.latest(), (n) => store.meta(n)?.role, { cores, nowMs: Date.now(), maxAgeMs: 3 * maxInterval + 500 });
    },
    warnings: () => warnings.map((w) => ({ ...w })),
    series: (originEpochMs: number) => store.toSeries(originEpochMs),
    current() {
      const out: LiveValue[] = [];
      for (const [name, v] of store.latest()) {
        const meta = store.meta(name);
        if (meta) out.push({ name, unit: meta.unit, watcher: meta.watcher, target: meta.target, atMs: v.atMs, value: v.value });
      }
      return out;
    },
    stop(originEpochMs: number) {
      stopped ??= (async () => {
        const wait = <T>(p: Promise<T>): Promise<T | undefined> =>
          Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), STOP_WAIT_MS).unref())]);
        for (const run of runs) clearTimeout(run.timer);
        // a start still in progress (a slow first connect) gets the same bounded wait as a sample
        await wait(Promise.all(starting));
        await Promise.all(runs.map((run) => (run.busy ? wait(run.busy) : undefined)));
        const info: Record<string, unknown> = { cores };
        await Promise.all(
          runs.map(async (run) => {
            run.stopped = true;
            clearTimeout(run.timer);
            const extras = await wait(run.watcher.stop().catch(() => undefined));
            info[run.watcher.name] = {
              kind: run.watcher.kind,
              intervalMs: run.watcher.intervalMs,
              samples: { ok: run.ok, failed: run.failed, skipped: run.skipped },
              ...(extras ?? {}),
            };
            for (const f of run.failures.values()) {
              const total = run.ok + run.failed;
              f.warning.message = `${f.cause} (${f.count} of ${total} sample${total === 1 ? '' : 's'} missed)`;
            }
          }),
        );
        return { series: store.toSeries(originEpochMs), warnings: warnings.map((w) => ({ ...w })), info };
      })();
      return stopped;
    },
  };
}
