/**
 * The main thread's side of recording: workers' per-second snapshots are merged exactly (counts
 * added, histograms built from the workers' summed bucket counts — never percentiles averaged)
 * into one `SecondRecord` per second, which
 * is both a line of the run's NDJSON log and the input of `RunTotals`, which folds the seconds into
 * the result's `summary`, `endpoints` and `timeline`. A killed run is rebuilt from its log by
 * feeding the same records to the same `RunTotals` (log.ts), so the live and the recovered result
 * cannot disagree.
 *
 * Long runs: the timeline keeps one point per second for the first hour (COARSE_AFTER_SEC), then one
 * point per minute (COARSE_STEP_SEC) — a new point also starts where the stage changes. A coarse
 * point is the exact merge of its seconds: counts and status codes added, its latency histogram the
 * sum of the seconds' histograms (so its percentiles are those of all its requests, never averaged),
 * `rps` its requests over its length, `offeredRps` the time-weighted mean, `inFlight`, `vus` and the
 * outstanding requests those at its end, `durationSec` its length; the generator's series keep the
 * mean CPU and busy share, the largest event-loop delay and the last RSS of the minute. Totals
 * (summary, endpoints, peakRps) are folded from every second and are not affected. Why: a per-second
 * point carries its encoded histogram (~1–2.5 KB at 2,000 req/s), ~8 MB of result.json per hour;
 * per minute past the first hour a 24-hour result stays near 16 MB (bench/long-run.mjs: 6.1 MB for
 * the first hour, 0.37 MB a later hour). The NDJSON log keeps every second (it is the record a
 * killed run is rebuilt from; the rebuild coarsens the same way).
 *
 * Memory: a finished point is kept as its JSON text in a `PointStore` (point-store.ts) — in a file
 * of the results folder for `run`/`quick`, so that the live run holds nothing per second of its
 * timeline — and parsed again when the result is assembled; the generator's figures are 40 bytes
 * a point (GeneratorRows). As objects, the points of the first hour were held in memory, ~8 KB a
 * second at 2,000 req/s, most of it each point's `statusCodes` (V8 keeps integer-like keys as an
 * array up to the largest code). bench/held-memory.mjs measures what is held per second.
 */
import { createHistogram, encodeHistogram, histogramFromCounts, percentileMs, pointMs, summarizeMs, withStalled, type Histogram } from './histogram.js';
import type { EndpointSnapshot, EndpointTallies, SecondSnapshot } from './recorder.js';
import type { SparseCounts } from './latency-counts.js';
import { CountsSum, countsOf, sumSparse } from './hdr-codec.js';
import type { EndpointResult, ErrorKind, LatencyPointMs, LatencySummaryMs, SeriesInfo, Summary, TimelinePoint } from '../result/types.js';
import { MemoryPointStore, type PointStore } from './point-store.js';

/** An endpoint of the run: a request of the plan, by name. */
export interface EndpointInfo {
  name: string;
  method: string;
  scenario?: string;
  /** the path as written (templates not expanded) */
  path?: string;
}

/** Figures about the generator itself for one second (main thread). */
export interface GeneratorSecond {
  /** CPU of the whole generator process, % of one core, precise-wait spinning excluded */
  cpuPct: number | null;
  /** main thread's event-loop delay p99 over the second, ms */
  eventLoopDelayP99Ms: number | null;
  rssBytes: number | null;
  /** busiest worker's event-loop busy share, % (spinning excluded) */
  workerBusyPct: number | null;
}

/** One endpoint's merged second, as logged. */
export interface EndpointSecond extends EndpointTallies {
  /** latency histogram of every request that ended, compressed base64; null when none */
  hdr: string | null;
  /** latency histogram of the successful requests only; null when none (absent in older logs) */
  okHdr?: string | null;
}

/** One merged second: a line of run.ndjson (`type: 'second'`). */
export interface SecondRecord {
  type: 'second';
  /** start of the interval, s from the run's start */
  t: number;
  /** length of the interval (1, or less for the last one) */
  durationSec: number;
  stage: number;
  offeredRps: number | null;
  vus: number | null;
  inFlight: number;
  dropped: number;
  iterations: number;
  /** iterations that failed (absent in older logs) */
  failedIterations?: number;
  /** all endpoints' latency, merged */
  hdr: string | null;
  /** ages of the requests outstanding at the second's end (absent in older logs) */
  outstandingHdr?: string | null;
  serviceHdr: string | null;
  sendLagHdr: string | null;
  endpoints: EndpointSecond[];
  generator: GeneratorSecond;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const k in from) into[k] = (into[k] ?? 0) + from[k]!;
}

/** One endpoint's merged second with its histograms (null when nothing was timed). */
interface MergedEndpoint {
  second: EndpointSecond;
  hist: Histogram | null;
  ok: Histogram | null;
}

/** Merges the endpoint snapshots of all workers that share an endpoint index, in index order. */
function mergeEndpointSnapshots(parts: EndpointSnapshot[]): MergedEndpoint[] {
  const by = new Map<number, EndpointSnapshot[]>();
  for (const p of parts) {
    const list = by.get(p.e);
    if (list) list.push(p);
    else by.set(p.e, [p]);
  }
  const out: MergedEndpoint[] = [];
  for (const [e, list] of [...by].sort((a, b) => a[0] - b[0])) {
    const m: EndpointSecond = { e, requests: 0, errors: 0, statusCodes: {}, errorKinds: {}, checksPasses: 0, checksFails: 0, bytesIn: 0, bytesOut: 0, hdr: null, okHdr: null };
    for (const p of list) {
      m.requests += p.requests;
      m.errors += p.errors;
      addCounts(m.statusCodes, p.statusCodes);
      addCounts(m.errorKinds as Record<string, number>, p.errorKinds as Record<string, number>);
      m.checksPasses += p.checksPasses;
      m.checksFails += p.checksFails;
      m.bytesIn += p.bytesIn;
      m.bytesOut += p.bytesOut;
    }
    const hist = histogramOf(list.map((p) => p.latency));
    if (hist !== null) m.hdr = encodeHistogram(hist);
    const ok = histogramOf(list.map((p) => p.ok));
    if (ok !== null) m.okHdr = encodeHistogram(ok);
    out.push({ second: m, hist, ok });
  }
  return out;
}

/** The histogram of the summed counts, or null when there are none. */
function histogramOf(parts: Array<SparseCounts | null>): Histogram | null {
  return parts.some((p) => p !== null) ? histogramFromCounts(parts) : null;
}

/**
 * The histograms of a record made by mergeSecond, kept beside it (not serialised: the record holds
 * them encoded) so that RunTotals folds them in without decoding what was just encoded. Records
 * read back from a log have none and are decoded.
 */
interface SecondHistograms {
  endpoints: Map<number, Histogram>;
  ok: Map<number, Histogram>;
  all: Histogram | null;
  outstanding: Histogram | null;
  service: Histogram | null;
  sendLag: Histogram | null;
}
const builtHistograms = new WeakMap<SecondRecord, SecondHistograms>();

/**
 * A record's histograms as sparse counts (latency-counts.ts), kept beside it like
 * SecondHistograms: what RunTotals adds into the run's totals. mergeSecond (the live run) and the
 * shard merge (merge.ts) attach them; records read back from a log have none and are decoded.
 */
export interface SecondCounts {
  endpoints: Map<number, SparseCounts>;
  ok: Map<number, SparseCounts>;
  all: SparseCounts | null;
  outstanding: SparseCounts | null;
  service: SparseCounts | null;
  sendLag: SparseCounts | null;
}
const secondCounts = new WeakMap<SecondRecord, SecondCounts>();

/** Keeps a record's histograms, as sparse counts, beside it (see SecondCounts). */
export function attachCounts(r: SecondRecord, counts: SecondCounts): void {
  secondCounts.set(r, counts);
}

/** The sum of a second's parts (one per worker) as sparse counts; null when none. */
function sumOf(parts: Array<SparseCounts | null>): SparseCounts | null {
  const present = parts.filter((p): p is SparseCounts => p !== null);
  return present.length === 0 ? null : sumSparse(present);
}

/** Context the main thread adds to each merged second. */
export interface SecondContext {
  stage: number;
  offeredRps: number | null;
  durationSec: number;
  generator: GeneratorSecond;
  /** closed model: VUs are reported; open model: null */
  reportVus: boolean;
}

/** Merges one second's snapshots from all workers into a record. */
export function mergeSecond(snaps: SecondSnapshot[], ctx: SecondContext): SecondRecord {
  const merged = mergeEndpointSnapshots(snaps.flatMap((s) => s.endpoints));
  const timed = merged.filter((m) => m.hist !== null);
  // all endpoints together: the one endpoint's histogram itself when only one was timed
  let all: Histogram | null = null;
  let allHdr: string | null = null;
  if (timed.length === 1) {
    all = timed[0]!.hist;
    allHdr = timed[0]!.second.hdr;
  } else if (timed.length > 1) {
    all = histogramFromCounts(snaps.flatMap((s) => s.endpoints.map((e) => e.latency)));
    allHdr = encodeHistogram(all);
  }
  const service = histogramOf(snaps.map((s) => s.service));
  const sendLag = histogramOf(snaps.map((s) => s.sendLag));
  const outstanding = histogramOf(snaps.map((s) => s.outstanding));
  const record: SecondRecord = {
    type: 'second',
    t: snaps[0]!.sec,
    durationSec: ctx.durationSec,
    stage: ctx.stage,
    offeredRps: ctx.offeredRps,
    vus: ctx.reportVus ? snaps.reduce((a, s) => a + s.vus, 0) : null,
    inFlight: snaps.reduce((a, s) => a + s.inFlight, 0),
    dropped: snaps.reduce((a, s) => a + s.dropped, 0),
    iterations: snaps.reduce((a, s) => a + s.iterations, 0),
    failedIterations: snaps.reduce((a, s) => a + (s.failedIterations ?? 0), 0),
    hdr: allHdr,
    outstandingHdr: outstanding === null ? null : encodeHistogram(outstanding),
    serviceHdr: service === null ? null : encodeHistogram(service),
    sendLagHdr: sendLag === null ? null : encodeHistogram(sendLag),
    endpoints: merged.map((m) => m.second),
    generator: ctx.generator,
  };
  const byEndpoint = (pick: (e: EndpointSnapshot) => SparseCounts | null): Map<number, SparseCounts> => {
    const out = new Map<number, SparseCounts>();
    for (const m of merged) {
      const c = sumOf(snaps.flatMap((s) => s.endpoints.filter((e) => e.e === m.second.e).map(pick)));
      if (c !== null) out.set(m.second.e, c);
    }
    return out;
  };
  attachCounts(record, {
    endpoints: byEndpoint((e) => e.latency),
    ok: byEndpoint((e) => e.ok),
    all: sumOf(snaps.flatMap((s) => s.endpoints.map((e) => e.latency))),
    outstanding: sumOf(snaps.map((s) => s.outstanding)),
    service: sumOf(snaps.map((s) => s.service)),
    sendLag: sumOf(snaps.map((s) => s.sendLag)),
  });
  builtHistograms.set(record, {
    endpoints: new Map(timed.map((m) => [m.second.e, m.hist!])),
    ok: new Map(merged.filter((m) => m.ok !== null).map((m) => [m.second.e, m.ok!])),
    all,
    outstanding,
    service,
    sendLag,
  });
  return record;
}

/**
 * Collects the workers' snapshots and releases each second, in order, once every worker has sent
 * it or has finished before it. Workers emit their seconds in order and mark their last one
 * `final`; the run's last second is released with its real (partial) length.
 */
export class SecondCollector {
  private readonly pending = new Map<number, SecondSnapshot[]>();
  private readonly finalSec: Array<number | undefined>;
  private maxEndUs = 0;
  private next = 0;

  constructor(
    private readonly workers: number,
    private readonly onSecond: (sec: number, snaps: SecondSnapshot[], durationSec: number) => void,
  ) {
    this.finalSec = new Array<number | undefined>(workers).fill(undefined);
  }

  add(snap: SecondSnapshot): void {
    const list = this.pending.get(snap.sec);
    if (list) list.push(snap);
    else this.pending.set(snap.sec, [snap]);
    if (snap.final) {
      this.finalSec[snap.worker] = snap.sec;
      if ((snap.endUs ?? 0) > this.maxEndUs) this.maxEndUs = snap.endUs ?? 0;
    }
    this.drain();
  }

  /** seconds released so far */
  get released(): number {
    return this.next;
  }

  /** every worker sent its final second and every second was released */
  get complete(): boolean {
    return this.finalSec.every((f) => f !== undefined && f < this.next);
  }

  private drain(): void {
    for (;;) {
      const s = this.next;
      const list = this.pending.get(s) ?? [];
      let ready = true;
      for (let w = 0; w < this.workers; w++) {
        const f = this.finalSec[w];
        if (f !== undefined && f < s) continue; // finished before this second
        if (!list.some((x) => x.worker === w)) {
          ready = false;
          break;
        }
      }
      if (!ready || list.length === 0) return;
      this.pending.delete(s);
      const allDone = this.finalSec.every((f) => f !== undefined);
      const last = allDone && this.finalSec.every((f) => f! <= s);
      const durationSec = last ? Math.min(1, Math.max(0.001, this.maxEndUs / 1e6 - s)) : 1;
      this.next++;
      // a sliver of a last second with nothing in it (the workers stopped just past a boundary) is
      // not a second of the run: as a timeline point it would read as a collapse to 0 req/s
      const empty = list.every((x) => x.endpoints.length === 0 && x.dropped === 0 && x.iterations === 0 && !x.failedIterations);
      if (last && empty && durationSec < 0.5) continue;
      this.onSecond(s, list, durationSec);
    }
  }
}

/**
 * One series' total over the run: the seconds' sparse counts added into a dense counts array
 * (each add costs the buckets the second filled, where hdr-histogram-js's `add` walks all 23,552),
 * turned into a histogram when read. The same counts as adding the seconds' histograms, so the
 * same histogram (histogramFromCounts derives min, max and total from the counts as decoding does).
 */
class SeriesTotal {
  private readonly sum = new CountsSum();
  private built: Histogram | null = null;
  private builtVersion = -1;

  add(p: SparseCounts): void {
    this.sum.add(p);
  }

  histogram(): Histogram {
    if (this.built === null || this.builtVersion !== this.sum.version) {
      this.built = histogramFromCounts([this.sum.sparse()]);
      this.builtVersion = this.sum.version;
    }
    return this.built;
  }

  get totalCount(): number {
    return this.histogram().totalCount;
  }
}

/** The counts of an encoded histogram field; null when the field is null, absent or empty text. */
function countsOfField(b64: string | null | undefined): SparseCounts | null {
  return b64 ? countsOf(b64) : null;
}

/** A histogram reused for each second's figures (refilled from sparse counts, never kept). */
class Scratch {
  private readonly h = createHistogram();

  of(counts: SparseCounts): Histogram {
    return histogramFromCounts([counts], this.h);
  }
}

/** The timeline is per second up to this many seconds from the start, coarser after (see the module comment). */
export const COARSE_AFTER_SEC = 3600;
/** Length of a timeline point past COARSE_AFTER_SEC, s. */
export const COARSE_STEP_SEC = 60;

/** Seconds past COARSE_AFTER_SEC being merged into one timeline point. */
interface CoarsePoint {
  t: number;
  stage: number;
  durationSec: number;
  requests: number;
  errors: number;
  /** Σ offeredRps·durationSec, null once a second had no offered rate */
  offered: number | null;
  inFlight: number;
  vus: number | null;
  dropped: number;
  iterations: number;
  failedIterations: number;
  statusCodes: Record<string, number>;
  errorKinds: Record<string, number>;
  passes: number;
  fails: number;
  /** the seconds' latency counts (added into one histogram when the point is built) */
  hist: SparseCounts[];
  sendLag: SparseCounts[];
  /** the last second's outstanding requests, encoded (the state at the point's end) */
  outstandingHdr: string | null;
  cpu: number[];
  busy: number[];
  loopDelay: number | null;
  rss: number | null;
}

const mean = (v: number[]): number | null => (v.length ? Math.round((v.reduce((a, b) => a + b, 0) / v.length) * 10) / 10 : null);

/** Columns of GeneratorRows after the point's start `t` (column 0). */
const CPU = 1;
const LOOP_DELAY = 2;
const RSS = 3;
const BUSY = 4;
type GeneratorColumn = typeof CPU | typeof LOOP_DELAY | typeof RSS | typeof BUSY;
const GENERATOR_COLUMNS = 5;

/**
 * The generator's figures of each timeline point in one growing Float64Array, 5 columns (t, CPU,
 * loop delay, RSS, busy share), null kept as NaN: 40 bytes a point, where four `[t, v]` arrays
 * cost ~300. A float64 holds every JS number exactly, so the series read back are those pushed.
 */
class GeneratorRows {
  private rows = new Float64Array(GENERATOR_COLUMNS * 256);
  private n = 0;

  push(t: number, cpuPct: number | null, loopDelayMs: number | null, rssBytes: number | null, busyPct: number | null): void {
    if ((this.n + 1) * GENERATOR_COLUMNS > this.rows.length) {
      const grown = new Float64Array(this.rows.length * 2);
      grown.set(this.rows);
      this.rows = grown;
    }
    const at = this.n * GENERATOR_COLUMNS;
    this.rows[at] = t;
    this.rows[at + CPU] = cpuPct ?? NaN;
    this.rows[at + LOOP_DELAY] = loopDelayMs ?? NaN;
    this.rows[at + RSS] = rssBytes ?? NaN;
    this.rows[at + BUSY] = busyPct ?? NaN;
    this.n++;
  }

  /** One column as `[t, value]` points (a new array). */
  series(column: GeneratorColumn): Array<[number, number | null]> {
    const out: Array<[number, number | null]> = new Array(this.n);
    for (let i = 0; i < this.n; i++) {
      const v = this.rows[i * GENERATOR_COLUMNS + column]!;
      out[i] = [this.rows[i * GENERATOR_COLUMNS]!, Number.isNaN(v) ? null : v];
    }
    return out;
  }
}

class EndpointTotals {
  readonly hist = new SeriesTotal();
  readonly ok = new SeriesTotal();
  requests = 0;
  errors = 0;
  statusCodes: Record<string, number> = {};
  errorKinds: Record<string, number> = {};
  checksPasses = 0;
  checksFails = 0;
}

/** The run's totals, folded from its seconds. */
export class RunTotals {
  private readonly endpointTotals: EndpointTotals[];
  private readonly all = new SeriesTotal();
  private readonly ok = new SeriesTotal();
  private readonly service = new SeriesTotal();
  private readonly sendLag = new SeriesTotal();
  private readonly secondAll = new Scratch();
  private readonly secondOutstanding = new Scratch();
  private readonly secondSendLag = new Scratch();
  /** finished timeline points, as JSON lines (point-store.ts); the one being merged (past the first hour) is `coarse` */
  private readonly store: PointStore;
  private coarse: CoarsePoint | null = null;
  private requests = 0;
  private errors = 0;
  private dropped = 0;
  private iterations = 0;
  private failedIterations = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  private checksPasses = 0;
  private checksFails = 0;
  private peakRps = 0;
  private readonly statusCodes: Record<string, number> = {};
  private readonly errorKinds: Record<string, number> = {};
  /** the generator's figures, one row per timeline point (40 bytes each) */
  private readonly generator = new GeneratorRows();
  /** end of the last second folded in, s */
  endSec = 0;

  /** `store`: where the finished timeline points wait (default: in memory, as JSON text) */
  constructor(
    readonly endpoints: readonly EndpointInfo[],
    store: PointStore = new MemoryPointStore(),
  ) {
    this.endpointTotals = endpoints.map(() => new EndpointTotals());
    this.store = store;
  }

  add(r: SecondRecord): void {
    const built = builtHistograms.get(r);
    const counts = secondCounts.get(r);
    let requests = 0;
    let errors = 0;
    let passes = 0;
    let fails = 0;
    const statusCodes: Record<string, number> = {};
    const errorKinds: Record<string, number> = {};
    for (const e of r.endpoints) {
      const t = this.endpointTotals[e.e];
      if (t === undefined) continue;
      t.requests += e.requests;
      t.errors += e.errors;
      addCounts(t.statusCodes, e.statusCodes);
      addCounts(t.errorKinds, e.errorKinds as Record<string, number>);
      t.checksPasses += e.checksPasses;
      t.checksFails += e.checksFails;
      const hist = counts?.endpoints.get(e.e) ?? countsOfField(e.hdr);
      if (hist !== null) t.hist.add(hist);
      const ok = counts?.ok.get(e.e) ?? countsOfField(e.okHdr);
      if (ok !== null) {
        t.ok.add(ok);
        this.ok.add(ok);
      }
      requests += e.requests;
      errors += e.errors;
      passes += e.checksPasses;
      fails += e.checksFails;
      this.bytesIn += e.bytesIn;
      this.bytesOut += e.bytesOut;
      addCounts(statusCodes, e.statusCodes);
      addCounts(errorKinds, e.errorKinds as Record<string, number>);
    }
    if (r.dropped > 0) errorKinds.dropped = (errorKinds.dropped ?? 0) + r.dropped;
    // the second's own figures come from its histograms (built beside a live record, otherwise
    // refilled from its counts into a reused one); the totals add its counts
    // (a record with counts beside it is read for them first: a merged record encodes a sum only
    // when its field is read, merge.ts)
    let secHist: Histogram | null = null;
    const allCounts = counts?.all ?? countsOfField(r.hdr);
    if (allCounts !== null) {
      this.all.add(allCounts);
      secHist = built?.all ?? this.secondAll.of(allCounts);
    }
    const outCounts = counts?.outstanding ?? countsOfField(r.outstandingHdr);
    const outHist = outCounts === null ? null : (built?.outstanding ?? this.secondOutstanding.of(outCounts));
    const serviceCounts = counts?.service ?? countsOfField(r.serviceHdr);
    if (serviceCounts !== null) this.service.add(serviceCounts);
    let sendLagP99Ms: number | undefined;
    const lagCounts = counts?.sendLag ?? countsOfField(r.sendLagHdr);
    if (lagCounts !== null) {
      this.sendLag.add(lagCounts);
      sendLagP99Ms = percentileMs(built?.sendLag ?? this.secondSendLag.of(lagCounts), 99);
    }
    this.requests += requests;
    this.errors += errors;
    this.dropped += r.dropped;
    this.iterations += r.iterations;
    this.failedIterations += r.failedIterations ?? 0;
    this.checksPasses += passes;
    this.checksFails += fails;
    addCounts(this.statusCodes, statusCodes);
    addCounts(this.errorKinds, errorKinds);
    const dur = r.durationSec > 0 ? r.durationSec : 1;
    const rps = requests / dur;
    // a partial last second would overstate a peak: only full seconds count for peakRps
    if (r.durationSec >= 1 && rps > this.peakRps) this.peakRps = rps;
    const point: TimelinePoint = {
      t: r.t,
      durationSec: r.durationSec,
      offeredRps: r.offeredRps,
      rps: round2(rps),
      errors,
      inFlight: r.inFlight,
      vus: r.vus,
      latencyMs: secondLatencyMs(secHist, outHist),
      stage: r.stage,
      dropped: r.dropped,
      statusCodes,
      errorKinds: errorKinds as Partial<Record<ErrorKind, number>>,
      checks: { passes, fails },
      iterations: r.iterations,
      hdr: r.hdr ?? undefined,
    };
    if (r.failedIterations) point.failedIterations = r.failedIterations;
    if (sendLagP99Ms !== undefined) point.sendLagP99Ms = sendLagP99Ms;
    if (outHist !== null && outHist.totalCount > 0) {
      point.outstandingHdr = r.outstandingHdr!;
      point.oldestInFlightMs = Math.round(outHist.maxValue) / 1000;
    }
    const tEnd = r.t + r.durationSec;
    if (tEnd > this.endSec) this.endSec = tEnd;
    if (r.t < COARSE_AFTER_SEC) {
      this.store.append(JSON.stringify(point));
      const g = r.generator;
      this.generator.push(r.t, g.cpuPct, g.eventLoopDelayP99Ms, g.rssBytes, g.workerBusyPct);
      return;
    }
    // past the first hour: merged into the minute's point (a new one at a minute boundary or a new stage)
    const bucket = (t: number): number => Math.floor((t - COARSE_AFTER_SEC) / COARSE_STEP_SEC);
    let c = this.coarse;
    if (c !== null && (bucket(c.t) !== bucket(r.t) || c.stage !== r.stage)) {
      this.finishCoarse();
      c = null;
    }
    if (c === null) {
      c = this.coarse = {
        t: r.t,
        stage: r.stage,
        durationSec: 0,
        requests: 0,
        errors: 0,
        offered: 0,
        inFlight: 0,
        vus: null,
        dropped: 0,
        iterations: 0,
        failedIterations: 0,
        statusCodes: {},
        errorKinds: {},
        passes: 0,
        fails: 0,
        hist: [],
        sendLag: [],
        outstandingHdr: null,
        cpu: [],
        busy: [],
        loopDelay: null,
        rss: null,
      };
    }
    c.durationSec += r.durationSec;
    c.requests += requests;
    c.errors += errors;
    c.offered = c.offered === null || r.offeredRps === null ? null : c.offered + r.offeredRps * r.durationSec;
    c.inFlight = r.inFlight;
    c.vus = r.vus;
    c.dropped += r.dropped;
    c.iterations += r.iterations;
    c.failedIterations += r.failedIterations ?? 0;
    addCounts(c.statusCodes, statusCodes);
    addCounts(c.errorKinds, errorKinds);
    c.passes += passes;
    c.fails += fails;
    if (allCounts !== null) c.hist.push(allCounts);
    if (lagCounts !== null) c.sendLag.push(lagCounts);
    c.outstandingHdr = outHist !== null && outHist.totalCount > 0 ? r.outstandingHdr! : null;
    const g = r.generator;
    if (g.cpuPct !== null) c.cpu.push(g.cpuPct);
    if (g.workerBusyPct !== null) c.busy.push(g.workerBusyPct);
    if (g.eventLoopDelayP99Ms !== null) c.loopDelay = Math.max(c.loopDelay ?? 0, g.eventLoopDelayP99Ms);
    if (g.rssBytes !== null) c.rss = g.rssBytes;
  }

  /**
   * The timeline: a point per second for the first hour, per minute after (module comment). Each
   * read parses the stored points afresh (a new array of new objects), as result.json holds them.
   */
  get timeline(): TimelinePoint[] {
    const out = this.store.lines().map((line) => JSON.parse(line) as TimelinePoint);
    if (this.coarse !== null) out.push(JSON.parse(JSON.stringify(this.coarsePoint(this.coarse))) as TimelinePoint);
    return out;
  }

  /** timeline points so far (without reading them) */
  get pointCount(): number {
    return this.store.count + (this.coarse === null ? 0 : 1);
  }

  /** Ends the minute being merged: its point and its generator figures join the timeline. */
  private finishCoarse(): void {
    const c = this.coarse;
    if (c === null) return;
    this.store.append(JSON.stringify(this.coarsePoint(c)));
    this.generator.push(c.t, mean(c.cpu), c.loopDelay, c.rss, mean(c.busy));
    this.coarse = null;
  }

  private coarsePoint(c: CoarsePoint): TimelinePoint {
    const dur = c.durationSec > 0 ? c.durationSec : 1;
    const hist = c.hist.length ? histogramFromCounts(c.hist) : null;
    const outstanding = c.outstandingHdr !== null ? histogramFromCounts([countsOf(c.outstandingHdr)]) : null;
    const point: TimelinePoint = {
      t: c.t,
      durationSec: Math.round(c.durationSec * 1000) / 1000,
      offeredRps: c.offered === null ? null : round2(c.offered / dur),
      rps: round2(c.requests / dur),
      errors: c.errors,
      inFlight: c.inFlight,
      vus: c.vus,
      latencyMs: secondLatencyMs(hist, outstanding),
      stage: c.stage,
      dropped: c.dropped,
      statusCodes: { ...c.statusCodes },
      errorKinds: { ...c.errorKinds } as Partial<Record<ErrorKind, number>>,
      checks: { passes: c.passes, fails: c.fails },
      iterations: c.iterations,
      hdr: hist === null ? undefined : encodeHistogram(hist),
    };
    if (c.failedIterations) point.failedIterations = c.failedIterations;
    if (c.sendLag.length) {
      const lag = histogramFromCounts(c.sendLag);
      if (lag.totalCount > 0) point.sendLagP99Ms = percentileMs(lag, 99);
    }
    if (outstanding !== null) {
      point.outstandingHdr = c.outstandingHdr!;
      point.oldestInFlightMs = Math.round(outstanding.maxValue) / 1000;
    }
    return point;
  }

  /** One of the generator's figures with the minute being merged (if any) as its last point. */
  private withCoarse(column: GeneratorColumn, pick: (c: CoarsePoint) => number | null): Array<[number, number | null]> {
    const list = this.generator.series(column);
    if (this.coarse !== null) list.push([this.coarse.t, pick(this.coarse)]);
    return list;
  }

  /** The result's summary. */
  summary(durationSec: number, latencyBasis: 'intended' | 'actual'): Summary {
    const checked = this.checksPasses + this.checksFails;
    const s: Summary = {
      requests: this.requests,
      errors: this.errors,
      errorRate: this.requests > 0 ? round6(this.errors / this.requests) : 0,
      throughputRps: durationSec > 0 ? round2(this.requests / durationSec) : 0,
      peakRps: round2(this.peakRps),
      latencyMs: summarizeMs(this.all.histogram()),
      latencyBasis,
      statusCodes: { ...this.statusCodes },
      errorKinds: { ...this.errorKinds } as Partial<Record<ErrorKind, number>>,
      dropped: this.dropped,
      bytesReceived: this.bytesIn,
      bytesSent: this.bytesOut,
      checks: { passes: this.checksPasses, fails: this.checksFails, rate: checked > 0 ? round6(this.checksPasses / checked) : 1 },
      iterations: this.iterations,
      hdr: encodeHistogram(this.all.histogram()),
      lowerBoundRequests: this.errorKinds.timeout ?? 0,
    };
    if (this.failedIterations > 0) s.failedIterations = this.failedIterations;
    if (this.ok.totalCount > 0) {
      s.okLatencyMs = summarizeMs(this.ok.histogram());
      s.okHdr = encodeHistogram(this.ok.histogram());
    }
    if (latencyBasis === 'intended') {
      s.serviceTimeMs = summarizeMs(this.service.histogram());
      s.sendLagMs = summarizeMs(this.sendLag.histogram());
    } else if (this.sendLag.totalCount > 0) {
      s.sendLagMs = summarizeMs(this.sendLag.histogram());
    }
    return s;
  }

  /** Per-endpoint results, in plan order; endpoints that saw no request are left out. */
  endpointResults(): EndpointResult[] {
    const out: EndpointResult[] = [];
    this.endpoints.forEach((info, i) => {
      const t = this.endpointTotals[i]!;
      if (t.requests === 0 && t.checksPasses + t.checksFails === 0) return;
      const r: EndpointResult = {
        name: info.name,
        method: info.method,
        requests: t.requests,
        errors: t.errors,
        errorRate: t.requests > 0 ? round6(t.errors / t.requests) : 0,
        statusCodes: { ...t.statusCodes },
        errorKinds: { ...t.errorKinds } as Partial<Record<ErrorKind, number>>,
        latencyMs: summarizeMs(t.hist.histogram()),
        checks: { passes: t.checksPasses, fails: t.checksFails },
        hdr: encodeHistogram(t.hist.histogram()),
      };
      if (t.ok.totalCount > 0) {
        r.okLatencyMs = summarizeMs(t.ok.histogram());
        r.okHdr = encodeHistogram(t.ok.histogram());
      }
      if (info.path !== undefined) r.path = info.path;
      if (info.scenario !== undefined) r.scenario = info.scenario;
      out.push(r);
    });
    return out;
  }

  /** send lag p99 over the run, ms (null when the model does not pace) */
  sendLagP99Ms(): number | null {
    return this.sendLag.totalCount > 0 ? percentileMs(this.sendLag.histogram(), 99) : null;
  }

  sendLagSummary(): LatencySummaryMs | null {
    return this.sendLag.totalCount > 0 ? summarizeMs(this.sendLag.histogram()) : null;
  }

  /** mean and max of the generator's per-second CPU (% of one core) */
  cpuStats(): { mean: number; max: number } | null {
    const v = this.withCoarse(CPU, (c) => mean(c.cpu)).map((p) => p[1]).filter((x): x is number => x !== null);
    if (v.length === 0) return null;
    return { mean: round2(v.reduce((a, b) => a + b, 0) / v.length), max: round2(Math.max(...v)) };
  }

  /** p99 of the main thread's per-second event-loop delay p99s (ms) — the worst seconds show */
  eventLoopDelayP99Ms(): number | null {
    const v = this.withCoarse(LOOP_DELAY, (c) => c.loopDelay).map((p) => p[1]).filter((x): x is number => x !== null).sort((a, b) => a - b);
    if (v.length === 0) return null;
    return v[Math.min(v.length - 1, Math.ceil(v.length * 0.99) - 1)]!;
  }

  /** The generator's own series (`self.generator.*`), on the run's time axis. */
  selfSeries(target: string): Record<string, SeriesInfo> {
    const s = (unit: string, points: Array<[number, number | null]>): SeriesInfo => ({
      unit,
      points,
      watcher: 'self',
      target,
      role: 'generator',
    });
    return {
      'self.generator.cpuPct': s('%', this.withCoarse(CPU, (c) => mean(c.cpu))),
      'self.generator.eventLoopDelayP99Ms': s('ms', this.withCoarse(LOOP_DELAY, (c) => c.loopDelay)),
      'self.generator.rssBytes': s('bytes', this.withCoarse(RSS, (c) => c.rss)),
      'self.generator.workerBusyPct': s('%', this.withCoarse(BUSY, (c) => mean(c.busy))),
    };
  }
}

/**
 * A second's latency as the timeline shows it: the requests that ended in it, and those still
 * outstanding at its end that had already waited longer than any of them, at their age then (a
 * lower bound; see withStalled). So a second in which nothing ended while requests waited reads
 * as its worst, not as a hole. (Totals count each request once, when it ends.)
 */
function secondLatencyMs(ended: Histogram | null, outstanding: Histogram | null): LatencyPointMs | null {
  const h = withStalled(ended, outstanding);
  return h === null ? null : pointMs(h);
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
