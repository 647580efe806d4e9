/**
 * The series store of a watch session: points are kept at absolute epoch-ms timestamps while the run
 * goes on (the run's origin is not known when watching starts), and turned into `SeriesInfo` with
 * `t` in seconds from the origin at the end.
 */
import type { SeriesInfo } from '../result/types.js';
import type { SeriesRole, WatcherKind } from './types.js';

export interface SeriesMeta {
  unit: string;
  watcher: WatcherKind;
  target: string;
  role: SeriesRole;
}

interface StoredSeries {
  meta: SeriesMeta;
  /** [epoch ms, value] in the order recorded */
  points: Array<[number, number | null]>;
}

export class SeriesStore {
  private readonly series = new Map<string, StoredSeries>();
  private readonly latestValues = new Map<string, { atMs: number; value: number }>();

  /** Records one point; the series is created with `meta` the first time its name is seen. */
  record(name: string, meta: SeriesMeta, atMs: number, value: number | null): void {
    let s = this.series.get(name);
    if (!s) {
      s = { meta, points: [] };
      this.series.set(name, s);
    }
    const v = value === null || !Number.isFinite(value) ? null : value;
    s.points.push([atMs, v]);
    if (v !== null) this.latestValues.set(name, { atMs, value: v });
  }

  /** Every series name recorded so far whose name starts with `prefix`. */
  namesWithPrefix(prefix: string): string[] {
    return [...this.series.keys()].filter((n) => n.startsWith(prefix));
  }

  meta(name: string): SeriesMeta | undefined {
    return this.series.get(name)?.meta;
  }

  has(name: string): boolean {
    return this.series.has(name);
  }

  /** The newest non-null value of each series (for the live headline). */
  latest(): ReadonlyMap<string, { atMs: number; value: number }> {
    return this.latestValues;
  }

  /**
   * The series with `t = (atMs − originEpochMs) / 1000`, rounded to the millisecond. Points read
   * before the origin (the priming sample taken while the run was being set up) are dropped: the
   * result's time axis starts at the run's start, and analysis assumes t ≥ 0. Points are sorted by t
   * (two samples of one watcher can complete out of order only if one was skipped, but sorting keeps
   * the invariant for consumers).
   */
  toSeries(originEpochMs: number): Record<string, SeriesInfo> {
    const out: Record<string, SeriesInfo> = {};
    for (const [name, s] of this.series) {
      const points: Array<[number, number | null]> = [];
      for (const [atMs, v] of s.points) {
        if (atMs < originEpochMs) continue;
        points.push([Math.round(atMs - originEpochMs) / 1000, v]);
      }
      points.sort((a, b) => a[0] - b[0]);
      out[name] = { unit: s.meta.unit, points, watcher: s.meta.watcher, target: s.meta.target, role: s.meta.role };
    }
    return out;
  }
}
