/**
 * The data behind the HTML report's charts, computed from the result (pure; no drawing here).
 *
 * Every chart over time shares one x axis, seconds from the run's start over [0, durationSec], so
 * the watched series line up with the load that caused them. The offered load and the achieved
 * throughput share a chart because their gap is the story; latency uses a log scale when its range
 * spans more than two decades (3 ms and 8 s must both stay readable).
 */
import type { Result } from '../result/types.js';
import { criterionParts } from './criteria.js';
import { formatRps } from './format.js';

export interface ChartSeries {
  label: string;
  color: string;
  x: number[];
  /** null marks a gap (nothing measured, or the watcher could not read) */
  y: Array<number | null>;
  dash?: boolean;
  /** draw a dot at each point (sparse data such as steps) */
  points?: boolean;
}

export interface ChartBand {
  from: number;
  to: number;
  label: string;
}

export interface ChartMarker {
  /** x (time charts) or y (horizontal lines), in the chart's units */
  at: number;
  label: string;
  color: string;
}

/** How the y values read: decides the axis labels and the legend's number format. */
export type ChartUnit = 'req/s' | 'ms' | '%' | 'bytes' | 'count' | '/s' | 'ratio' | string;

export interface ChartSpec {
  id: string;
  title: string;
  /** time: seconds from the start on a shared axis; rps: load on x; run: history ids on x */
  xKind: 'time' | 'rps' | 'run';
  /** x range when not the shared time range (e.g. two runs of different lengths) */
  xRange?: [number, number];
  yUnit: ChartUnit;
  yLog: boolean;
  height: number;
  series: ChartSeries[];
  /** shaded spans, e.g. the steps of constant load */
  bands: ChartBand[];
  /** vertical lines, e.g. the knee, the collapse, the abort */
  vMarkers: ChartMarker[];
  /** horizontal lines, e.g. the SLO */
  hMarkers: ChartMarker[];
}

export interface ChartSection {
  /** charts of the run over time: throughput, latency, errors */
  run: ChartSpec[];
  /** latency against load, per step */
  load: ChartSpec[];
  /** watched series, by unit and magnitude (at most `MAX_SERIES_PER_CHART` lines each) */
  watch: ChartSpec[];
  /** the x range every time chart uses */
  timeRange: [number, number];
}

/** Colour-blind-safe palette (Okabe–Ito), then two greys. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000', '#777777'];
const OFFERED = '#777777';
const P50 = '#009E73';
const P95 = '#0072B2';
const P99 = '#D55E00';
const KNEE = '#E69F00';
const COLLAPSE = '#D55E00';
const STOP = '#CC0000';
const SLO = '#CC0000';

export const MAX_SERIES_PER_CHART = 6;

const UNIT_TITLE: Record<string, string> = {
  '%': 'Percent (CPU: 100 = one core busy)',
  bytes: 'Memory (bytes)',
  ms: 'Milliseconds',
  '/s': 'Per second',
  count: 'Counts',
  ratio: 'Ratio (0–1)',
};

/** Builds every chart the HTML report draws. */
export function buildCharts(result: Result): ChartSection {
  const timeRange: [number, number] = [0, Math.max(1, Math.ceil(result.durationSec))];
  const bands = stepBands(result);
  const vMarkers = timeMarkers(result);
  const run: ChartSpec[] = [];
  const tl = result.timeline;
  if (tl.length) {
    const xs = tl.map((p) => p.t);
    const throughput: ChartSeries[] = [];
    if (tl.some((p) => p.offeredRps !== null)) {
      throughput.push({ label: 'offered', color: OFFERED, x: xs, y: tl.map((p) => p.offeredRps), dash: true });
    }
    // rps is already per second, whatever the point's length (a partial last second, a minute past the first hour)
    throughput.push({ label: 'achieved', color: P95, x: xs, y: tl.map((p) => p.rps) });
    run.push(chart('throughput', 'Throughput: offered vs achieved', 'time', 'req/s', throughput, bands, vMarkers, []));

    const lat = (k: 'p50' | 'p95' | 'p99'): Array<number | null> => tl.map((p) => (p.latencyMs ? p.latencyMs[k] : null));
    const latency: ChartSeries[] = [
      { label: 'p50', color: P50, x: xs, y: lat('p50') },
      { label: 'p95', color: P95, x: xs, y: lat('p95') },
      { label: 'p99', color: P99, x: xs, y: lat('p99') },
    ];
    run.push({
      ...chart('latency', 'Latency over time (p50, p95, p99)', 'time', 'ms', latency, bands, vMarkers, sloMarkers(result)),
      yLog: wantsLog(latency),
    });

    // errors are counted over the point, rps per second: the point's requests are rps·durationSec
    const errorRate = tl.map((p) => (p.rps > 0 ? Math.min(1, p.errors / (p.rps * (p.durationSec ?? 1))) : p.errors > 0 ? 1 : null));
    const errorSeries: ChartSeries[] = [{ label: 'error rate', color: P99, x: xs, y: errorRate }];
    if (tl.some((p) => (p.failedIterations ?? 0) > 0)) {
      // failed iterations (a script threw, a data table ran out) as a share of the iterations that ended that second
      const failedShare = tl.map((p) => {
        const failed = p.failedIterations ?? 0;
        const ended = failed + (p.iterations ?? 0);
        return ended > 0 ? failed / ended : null;
      });
      errorSeries.push({ label: 'failed iterations', color: P50, x: xs, y: failedShare });
    }
    run.push(chart('errors', errorSeries.length > 1 ? 'Error rate and failed iterations over time' : 'Error rate over time', 'time', 'ratio', errorSeries, bands, vMarkers, errorMarkers(result)));
  }

  const load: ChartSpec[] = [];
  const steps = [...result.steps].sort((a, b) => (a.offeredRps ?? a.rps) - (b.offeredRps ?? b.rps));
  if (steps.length >= 2) {
    const xs = steps.map((s) => s.offeredRps ?? s.rps);
    const latency: ChartSeries[] = (['p50', 'p95', 'p99'] as const).map((k, i) => ({
      label: k,
      color: [P50, P95, P99][i]!,
      x: xs,
      y: steps.map((s) => s.latencyMs[k]),
      points: true,
    }));
    const ph = result.analysis?.phases;
    const markers: ChartMarker[] = [];
    if (ph?.knee) markers.push({ at: ph.knee.rps, label: `knee ${formatRps(ph.knee.rps)}`, color: KNEE });
    if (ph?.collapse) markers.push({ at: ph.collapse.rps, label: `collapse ${formatRps(ph.collapse.rps)}`, color: COLLAPSE });
    const offered = steps.some((s) => s.offeredRps !== null);
    load.push({
      ...chart('latency-vs-load', `Latency vs load (per step, by ${offered ? 'offered' : 'achieved'} rate)`, 'rps', 'ms', latency, [], markers, sloMarkers(result)),
      yLog: wantsLog(latency),
    });
  }

  const sat = result.analysis?.saturation;
  if (sat && sat.loads.length >= 2) {
    // each resource's utilisation of its own limit against the load (analysis/saturation.ts)
    const util: ChartSeries[] = sat.resources
      .filter((r) => r.utilisation.some((v) => v !== null))
      .map((r, i) => ({ label: r.resource, color: PALETTE[i % PALETTE.length]!, x: sat.loads, y: r.utilisation, points: true }));
    if (util.length) {
      load.push(
        chart('saturation-vs-load', `Utilisation of each watched resource vs load (${sat.unit}; 1 = its limit)`, 'rps', 'ratio', util, [], [], [
          { at: 0.9, label: 'limit reached (0.9)', color: COLLAPSE },
        ]),
      );
    }
  }

  return { run, load, watch: watchCharts(result, bands, vMarkers), timeRange };
}

function chart(
  id: string,
  title: string,
  xKind: ChartSpec['xKind'],
  yUnit: ChartUnit,
  series: ChartSeries[],
  bands: ChartBand[],
  vMarkers: ChartMarker[],
  hMarkers: ChartMarker[],
  height = 220,
): ChartSpec {
  return { id, title, xKind, yUnit, yLog: false, height, series, bands, vMarkers, hMarkers };
}

/** A log scale when positive values span more than two decades. */
function wantsLog(series: ChartSeries[]): boolean {
  const values = series.flatMap((s) => s.y).filter((v): v is number => v !== null && v > 0);
  if (values.length < 2) return false;
  return Math.max(...values) / Math.min(...values) > 100;
}

/** The steps of constant load, shaded on every time chart and labelled with their offered rate. */
function stepBands(result: Result): ChartBand[] {
  return result.steps.map((s) => ({
    from: s.startSec,
    to: s.endSec,
    label: s.offeredRps !== null ? formatRps(s.offeredRps) : formatRps(s.rps),
  }));
}

/** The abort (or interruption) on the time axis. */
function timeMarkers(result: Result): ChartMarker[] {
  const stop = result.stop;
  if (stop && (stop.reason === 'aborted' || stop.reason === 'interrupted') && stop.atSec !== undefined) {
    return [{ at: stop.atSec, label: stop.reason === 'aborted' ? 'aborted' : 'interrupted', color: STOP }];
  }
  return [];
}

/** The plan's untagged latency thresholds (`p(95)<200`) as horizontal lines. */
function sloMarkers(result: Result): ChartMarker[] {
  const out: ChartMarker[] = [];
  for (const c of result.criteria) {
    const p = criterionParts(c);
    if (p.metric !== 'http_req_duration' || p.tag || !p.expr || p.expr.aggregation.kind !== 'percentile') continue;
    out.push({ at: p.expr.value, label: `SLO ${c.condition}`, color: SLO });
  }
  return out;
}

function errorMarkers(result: Result): ChartMarker[] {
  const out: ChartMarker[] = [];
  for (const c of result.criteria) {
    const p = criterionParts(c);
    if (p.metric !== 'http_req_failed' || p.tag || !p.expr) continue;
    out.push({ at: p.expr.value, label: `SLO ${c.condition}`, color: SLO });
  }
  return out;
}

/**
 * Watched series grouped by unit, then by magnitude: series whose peaks lie within 10× of each other
 * share a chart, so a pool of 10 connections is not flattened against a queue of 400 waiters.
 * No chart carries more than `MAX_SERIES_PER_CHART` lines.
 */
function watchCharts(result: Result, bands: ChartBand[], vMarkers: ChartMarker[]): ChartSpec[] {
  const byUnit = new Map<string, Array<[string, Result['watch'][string]]>>();
  for (const entry of Object.entries(result.watch)) {
    const unit = entry[1].unit;
    if (!byUnit.has(unit)) byUnit.set(unit, []);
    byUnit.get(unit)!.push(entry);
  }
  const out: ChartSpec[] = [];
  for (const [unit, entries] of byUnit) {
    const peak = (s: Result['watch'][string]): number => Math.max(0, ...s.points.map((p) => Math.abs(p[1] ?? 0)));
    const sorted = [...entries].sort((a, b) => peak(a[1]) - peak(b[1]));
    const groups: Array<typeof entries> = [];
    let floor = -1;
    for (const e of sorted) {
      const last = groups[groups.length - 1];
      // Percentages share one scale whatever their size: 0–100 reads the same everywhere.
      const fits = last && last.length < MAX_SERIES_PER_CHART && (unit === '%' || unit === 'ratio' || peak(e[1]) <= Math.max(floor, 1) * 10);
      if (fits) last.push(e);
      else {
        groups.push([e]);
        floor = peak(e[1]);
      }
    }
    // Keep the result's own order inside each chart (watchers list related series together).
    const order = new Map(entries.map(([name], i) => [name, i]));
    groups.forEach((g, k) => {
      g.sort((a, b) => order.get(a[0])! - order.get(b[0])!);
      const series: ChartSeries[] = g.map(([name, s], i) => ({
        label: name,
        color: PALETTE[i % PALETTE.length]!,
        x: s.points.map((p) => p[0]),
        y: s.points.map((p) => p[1]),
      }));
      const title = `${UNIT_TITLE[unit] ?? (unit || 'Values')}${groups.length > 1 ? ` (${k + 1} of ${groups.length})` : ''}`;
      out.push(chart(`watch-${out.length}`, title, 'time', unit, series, bands, vMarkers, [], 170));
    });
  }
  return out;
}
