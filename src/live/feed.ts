/**
 * The live feed of a run: what the dashboard page and the `/metrics` endpoint show while the run
 * goes, built from the same merged seconds the NDJSON log receives (metrics/timeline.ts) — never
 * from the load workers directly, so the live figures and result.json are folded from one source.
 *
 * Events (kept in the history that a client connecting mid-run receives first; of the analyses,
 * only the newest):
 *   meta      once at the start: plan, stages, SLO lines, endpoints
 *   tick      once per merged second: rates, latency percentiles of that second, errors by kind,
 *             in-flight, stage, generator health, the newest value of every watched series
 *   analysis  every few seconds: the provisional interpretation of the run so far (phase, knee,
 *             capacity, diagnoses), computed by the same `analyze` as the final report
 *   control   a stop or abort asked from the page
 *   end       once: the final verdict and figures from the analysed result, and the reports
 *
 * Cost on the engine: nothing on the request path. Per second on the main thread: one histogram
 * decode (three percentiles) and one JSON serialisation. The provisional analysis runs after the
 * second is handed on (setImmediate), at most every `ANALYSIS_EVERY_MS`, and never more often than
 * keeps its own cost under `ANALYSIS_BUDGET` of wall time (it grows with the run's length).
 */
import { decodeHistogram, percentileMs, type Histogram } from '../metrics/histogram.js';
import type { RunTotals, SecondRecord } from '../metrics/timeline.js';
import { assembleResult, type LogHeader } from '../metrics/log.js';
import { analyze, type AnalyzeOptions } from '../analysis/analyze.js';
import { kneedle } from '../analysis/kneedle.js';
import { resolveSlo } from '../analysis/slo.js';
import type { Result, SeriesInfo, Verdict } from '../result/types.js';

/** Shortest interval between two provisional analyses, ms. */
export const ANALYSIS_EVERY_MS = 3_000;
/** Share of wall time the provisional analysis may take (it is skipped to stay under). */
export const ANALYSIS_BUDGET = 0.05;

/** Where the feed reads the watched series (a WatchSession). */
export interface LiveWatchSource {
  current(): Array<{ name: string; unit: string; watcher: string; target: string; atMs: number; value: number }>;
  series(originEpochMs: number): Record<string, SeriesInfo>;
}

export interface LiveMeta {
  plan: string;
  hypothesis: string | null;
  target: string;
  model: 'open' | 'closed';
  startedAt: string;
  totalSec: number;
  stages: Array<{ startSec: number; endSec: number; target: number }>;
  /** latency SLO lines, ms (e.g. `p(95)<200`) */
  sloLatency: Array<{ label: string; ms: number }>;
  /** error budget, fraction */
  errorBudget: number;
  endpoints: string[];
}

export interface LiveTick {
  t: number;
  d: number;
  /** 1-based stage */
  stage: number;
  offeredRps: number | null;
  rps: number;
  vus: number | null;
  inFlight: number;
  dropped: number;
  requests: number;
  errors: number;
  errorKinds: Record<string, number>;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  totalRequests: number;
  totalErrors: number;
  gen: { cpuPct: number | null; loopP99Ms: number | null; rssBytes: number | null; busyPct: number | null };
  /** newest value of each watched series read within the last few seconds */
  watch: Record<string, number>;
  /** series seen for the first time in this tick: name → unit, watcher kind, group */
  newSeries?: Array<{ name: string; unit: string; watcher: string; group: string }>;
}

export type LivePhase = 'linear' | 'knee' | 'collapse' | 'unknown';

export interface LiveAnalysis {
  provisional: true;
  /** end of the last second analysed, s */
  atSec: number;
  phase: LivePhase;
  linearUntilRps: number | null;
  knee: { rps: number; p95Ms: number } | null;
  /** the latest knee of the online Kneedle on p95 against load, per step so far */
  onlineKnee: { rps: number; p95Ms: number } | null;
  collapse: { rps: number; errorRate: number } | null;
  capacity: NonNullable<Result['analysis']>['capacity'];
  diagnoses: Array<{ id: string; title: string; confidence: number }>;
  redFlags: string[];
}

export interface LiveEnd {
  verdict: Verdict;
  exitCode: number;
  stop: NonNullable<Result['stop']> | null;
  requests: number;
  errors: number;
  errorRate: number;
  throughputRps: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  dropped: number;
  phase: LivePhase;
  knee: { rps: number; p95Ms: number } | null;
  capacity: LiveAnalysis['capacity'] | null;
  diagnoses: Array<{ id: string; title: string; confidence: number }>;
  /** the results folder and report files (names relative to it) */
  dir: string;
  reports: Array<{ name: string; path: string }>;
}

export interface LiveControl {
  action: 'stop' | 'abort';
  atSec: number;
  /** who asked: the page's address */
  from: string;
}

export type LiveEvent =
  | { type: 'meta'; data: LiveMeta }
  | { type: 'tick'; data: LiveTick }
  | { type: 'analysis'; data: LiveAnalysis }
  | { type: 'control'; data: LiveControl }
  | { type: 'end'; data: LiveEnd };

/** One listener of the feed (the SSE fan-out, the /metrics state). */
export interface LiveListener {
  event(e: LiveEvent, frame: string): void;
  /** called with the raw second too, for consumers that need histograms (Prometheus) */
  second?(record: SecondRecord, header: LogHeader): void;
}

function phaseOf(a: { knee: unknown; collapse: unknown; linearUntilRps: number | null }): LivePhase {
  if (a.collapse) return 'collapse';
  if (a.knee) return 'knee';
  if (a.linearUntilRps !== null) return 'linear';
  return 'unknown';
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** The run's live state and its history of events. */
export class LiveFeed {
  /** every event but the analyses, as SSE frames */
  private readonly frames: string[] = [];
  private analysisFrame = '';
  private historyBytes = 0;
  private readonly listeners = new Set<LiveListener>();
  private nextId = 0;
  private header: LogHeader | null = null;
  private totals: RunTotals | null = null;
  private originEpochMs = 0;
  private readonly seenSeries = new Set<string>();
  private lastAnalysisMs = -Infinity;
  private analysisCostMs = 0;
  private analysisPending = false;
  private ended = false;
  private totalRequests = 0;
  private totalErrors = 0;
  /** the latest provisional analysis, for /metrics */
  analysis: LiveAnalysis | null = null;
  final: LiveEnd | null = null;
  meta: LiveMeta | null = null;
  /** set by the session: what the page's buttons do; false when the run cannot be stopped (yet) */
  onControl: ((c: LiveControl) => boolean) | null = null;

  private watch: LiveWatchSource | null = null;
  private analyzeOptions: AnalyzeOptions = {};

  /** The run's watch session and analysis options (the session calls this before the run starts). */
  attach(watch: LiveWatchSource | null, analyzeOptions: AnalyzeOptions = {}): void {
    this.watch = watch;
    this.analyzeOptions = analyzeOptions;
  }

  /** Every event so far, as SSE frames, for a client that connects now. */
  history(): { text: string; bytes: number } {
    const a = this.analysisFrame;
    if (a === '') return { text: this.frames.join(''), bytes: this.historyBytes };
    // the newest analysis after the seconds it read (before the end event, once there is one)
    const frames = this.ended ? [...this.frames.slice(0, -1), a, this.frames[this.frames.length - 1]!] : [...this.frames, a];
    return { text: frames.join(''), bytes: this.historyBytes + Buffer.byteLength(a) };
  }

  get finished(): boolean {
    return this.ended;
  }

  subscribe(l: LiveListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private emit(e: LiveEvent): void {
    const frame = `id: ${this.nextId++}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`;
    if (e.type === 'analysis') {
      // each analysis supersedes the last: the history keeps only the newest (it grows with the run)
      this.analysisFrame = frame;
    } else {
      this.frames.push(frame);
      this.historyBytes += Buffer.byteLength(frame);
    }
    for (const l of this.listeners) {
      try {
        l.event(e, frame);
      } catch {
        // a listener's failure is its own (a closed socket); the run goes on
      }
    }
  }

  /** The run started (after the log header is written). */
  start(header: LogHeader, originEpochMs: number): void {
    this.header = header;
    this.originEpochMs = originEpochMs;
    let acc = 0;
    const stages = (header.plan.stages ?? []).map((s) => {
      const st = { startSec: acc, endSec: acc + s.durationSec, target: s.target };
      acc += s.durationSec;
      return st;
    });
    let slo: ReturnType<typeof resolveSlo> | null = null;
    try {
      slo = resolveSlo({ plan: header.plan }, this.analyzeOptions.slo);
    } catch {
      // a bad --slo is reported by the final analysis (exit 2); the page draws no SLO line
    }
    this.meta = {
      plan: header.plan.name,
      hypothesis: header.plan.hypothesis,
      target: header.plan.target,
      model: header.model,
      startedAt: header.startedAt,
      totalSec: acc,
      stages,
      sloLatency: (slo?.latency ?? []).map((l) => ({ label: `SLO ${l.source.replace(/\s+/g, '')}`, ms: l.valueMs })),
      errorBudget: slo?.errorBudget ?? 0.01,
      endpoints: header.endpoints.map((e) => e.name),
    };
    this.emit({ type: 'meta', data: this.meta });
  }

  /** One merged second (called from the engine's onSecond, after the log line is written). */
  second(r: SecondRecord, totals: RunTotals): void {
    if (this.header === null || this.ended) return;
    this.totals = totals;
    for (const l of this.listeners) l.second?.(r, this.header);
    let requests = 0;
    let errors = 0;
    const errorKinds: Record<string, number> = {};
    for (const e of r.endpoints) {
      requests += e.requests;
      errors += e.errors;
      for (const [k, n] of Object.entries(e.errorKinds)) errorKinds[k] = (errorKinds[k] ?? 0) + (n ?? 0);
    }
    if (r.dropped > 0) errorKinds.dropped = (errorKinds.dropped ?? 0) + r.dropped;
    let h: Histogram | null = null;
    if (r.hdr !== null) h = decodeHistogram(r.hdr);
    const tick: LiveTick = {
      t: r.t,
      d: r.durationSec,
      stage: r.stage + 1,
      offeredRps: r.offeredRps,
      rps: round2(requests / (r.durationSec || 1)),
      vus: r.vus,
      inFlight: r.inFlight,
      dropped: r.dropped,
      requests,
      errors,
      errorKinds,
      p50Ms: h ? percentileMs(h, 50) : null,
      p95Ms: h ? percentileMs(h, 95) : null,
      p99Ms: h ? percentileMs(h, 99) : null,
      totalRequests: 0,
      totalErrors: 0,
      gen: {
        cpuPct: r.generator.cpuPct,
        loopP99Ms: r.generator.eventLoopDelayP99Ms,
        rssBytes: r.generator.rssBytes,
        busyPct: r.generator.workerBusyPct,
      },
      watch: {},
    };
    this.totalRequests += requests;
    this.totalErrors += errors;
    tick.totalRequests = this.totalRequests;
    tick.totalErrors = this.totalErrors;
    if (this.watch) {
      const now = Date.now();
      const fresh: NonNullable<LiveTick['newSeries']> = [];
      for (const v of this.watch.current()) {
        if (now - v.atMs > 5_000) continue;
        tick.watch[v.name] = v.value;
        if (!this.seenSeries.has(v.name)) {
          this.seenSeries.add(v.name);
          const dot = v.name.lastIndexOf('.');
          fresh.push({ name: v.name, unit: v.unit, watcher: v.watcher, group: dot > 0 ? v.name.slice(0, dot) : v.name });
        }
      }
      if (fresh.length) tick.newSeries = fresh;
    }
    this.emit({ type: 'tick', data: tick });
    this.maybeAnalyse();
  }

  private maybeAnalyse(): void {
    const now = performance.now();
    const gap = Math.max(ANALYSIS_EVERY_MS, this.analysisCostMs / ANALYSIS_BUDGET);
    if (this.analysisPending || now - this.lastAnalysisMs < gap) return;
    this.analysisPending = true;
    // after the engine's onSecond returned: the second's hand-on is not delayed by the analysis
    setImmediate(() => {
      this.analysisPending = false;
      if (this.ended) return;
      const t0 = performance.now();
      this.lastAnalysisMs = t0;
      try {
        const a = this.provisionalAnalysis();
        if (a) {
          this.analysis = a;
          this.emit({ type: 'analysis', data: a });
        }
      } catch {
        // a provisional analysis that cannot be made now (too little data) is simply not shown
      }
      this.analysisCostMs = performance.now() - t0;
    });
  }

  /** The run so far, assembled as a result and analysed exactly as the final one will be. */
  provisionalAnalysis(): LiveAnalysis | null {
    if (!this.header || !this.totals || this.totals.pointCount === 0) return null;
    const durationSec = this.totals.endSec;
    const raw = assembleResult({
      header: this.header,
      totals: this.totals,
      endedAt: new Date(this.originEpochMs + durationSec * 1000).toISOString(),
      durationSec,
      stop: { reason: 'completed' },
    });
    if (this.watch) raw.watch = { ...this.watch.series(this.originEpochMs), ...raw.watch };
    const r = analyze(raw, this.analyzeOptions);
    const a = r.analysis!;
    // online Kneedle over the steps so far: p95 against the load, convex and increasing; the
    // latest knee is the system's latest regime (kneedle.ts)
    const pts = r.steps
      .filter((s) => s.latencyMs && s.latencyMs.p95 > 0)
      .map((s) => ({ x: s.offeredRps ?? s.rps, y: s.latencyMs.p95 }))
      .sort((p, q) => p.x - q.x)
      .filter((p, i, all) => i === 0 || p.x > all[i - 1]!.x);
    const k = kneedle(
      pts.map((p) => p.x),
      pts.map((p) => p.y),
      { curve: 'convex', direction: 'increasing', online: true },
    ).knee;
    return {
      provisional: true,
      atSec: durationSec,
      phase: phaseOf(a.phases),
      linearUntilRps: a.phases.linearUntilRps,
      knee: a.phases.knee,
      onlineKnee: k ? { rps: k.x, p95Ms: k.y } : null,
      collapse: a.phases.collapse,
      capacity: a.capacity,
      diagnoses: a.diagnoses.map((d) => ({ id: d.id, title: d.title, confidence: d.confidence })),
      redFlags: a.redFlags ?? [],
    };
  }

  /** A stop or abort asked from the page (the session acts on it through `onControl`). */
  control(action: LiveControl['action'], from: string): boolean {
    if (this.ended || this.onControl === null) return false;
    const c: LiveControl = { action, from, atSec: this.totals ? this.totals.endSec : 0 };
    if (!this.onControl(c)) return false;
    this.emit({ type: 'control', data: c });
    return true;
  }

  /** The run is over and reported. */
  end(result: Result, exitCode: number, dir: string, files: Record<string, string>): void {
    if (this.ended) return;
    this.ended = true;
    const a = result.analysis;
    const s = result.summary;
    const final: LiveEnd = {
      verdict: result.verdict,
      exitCode,
      stop: result.stop ?? null,
      requests: s.requests,
      errors: s.errors,
      errorRate: s.errorRate,
      throughputRps: s.throughputRps,
      p50Ms: s.latencyMs.p50,
      p95Ms: s.latencyMs.p95,
      p99Ms: s.latencyMs.p99,
      dropped: s.dropped ?? 0,
      phase: a ? phaseOf(a.phases) : 'unknown',
      knee: a?.phases.knee ?? null,
      capacity: a?.capacity ?? null,
      diagnoses: (a?.diagnoses ?? []).map((d) => ({ id: d.id, title: d.title, confidence: d.confidence })),
      dir,
      reports: Object.entries(files).map(([name, path]) => ({ name, path })),
    };
    this.final = final;
    this.emit({ type: 'end', data: final });
  }
}
