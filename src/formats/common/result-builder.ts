/**
 * Builds the parts of a `Result` from per-request samples (k6 points, hey's CSV, ab's gnuplot file,
 * Gatling's log): one HdrHistogram per endpoint, for the whole run and per one-second interval, so
 * that the analysis can merge intervals into steps exactly (never averaging percentiles).
 *
 * Intervals are keyed by *completion* time, like loadproof's own timeline ("completed requests per
 * second"). `inFlight` per interval is exact mean concurrency: the time all requests spent in flight
 * inside the interval divided by its length (Little's law without the approximation).
 */
import {
  createHistogram,
  encodeHistogram,
  pointMs,
  recordUs,
  summarizeMs,
  type Histogram,
} from '../../metrics/histogram.js';
import type { EndpointResult, ErrorKind, Summary, TimelinePoint } from '../../result/types.js';
import { checkSpan } from './span.js';
import { fileError, type SourceFile } from './source-file.js';

export interface ImportedSample {
  /** when the request started, milliseconds on the importer's clock (epoch ms, or ms from a start) */
  startMs: number;
  /** latency in microseconds */
  latencyUs: number;
  /** endpoint name as the tool named it */
  endpoint: string;
  /** HTTP method, '' when the tool did not record it */
  method: string;
  /** HTTP status; 0 when no response arrived */
  status: number;
  /** set when the request failed (an error status or no response) */
  errorKind?: ErrorKind;
  bytesReceived?: number;
}

interface Tally {
  hdr: Histogram;
  requests: number;
  errors: number;
  statusCodes: Record<string, number>;
  errorKinds: Partial<Record<ErrorKind, number>>;
}

interface Interval extends Tally {
  /** µs all requests spent in flight inside this interval */
  busyUs: number;
}

const newTally = (): Tally => ({ hdr: createHistogram(), requests: 0, errors: 0, statusCodes: {}, errorKinds: {} });

function count(t: Tally, s: ImportedSample): void {
  recordUs(t.hdr, s.latencyUs);
  t.requests++;
  if (s.status > 0) t.statusCodes[String(s.status)] = (t.statusCodes[String(s.status)] ?? 0) + 1;
  if (s.errorKind) {
    t.errors++;
    t.errorKinds[s.errorKind] = (t.errorKinds[s.errorKind] ?? 0) + 1;
  }
}

export interface SampleParts {
  summary: Summary;
  endpoints: EndpointResult[];
  timeline: TimelinePoint[];
  /** the run's first request start, ms on the importer's clock */
  firstStartMs: number;
  /** the last request end, ms on the importer's clock */
  lastEndMs: number;
}

/** Accumulates samples one by one; memory is per interval and endpoint, not per sample. */
export class SampleAggregator {
  private readonly total = newTally();
  private readonly byEndpoint = new Map<string, Tally & { method: string; name: string }>();
  private readonly intervals = new Map<number, Interval>();
  private readonly vus = new Map<number, number>();
  /** interval → change in the number of requests in flight for that whole second (a difference array) */
  private readonly wholeSeconds = new Map<number, number>();
  private origin: number | undefined;
  private firstStart = Infinity;
  private lastEnd = -Infinity;
  private bytes = 0;
  private anyBytes = false;
  /** earliest and latest time seen (samples and VU changes), for the span bound */
  private minMs = Infinity;
  private maxMs = -Infinity;

  /**
   * `originMs`: the clock value that becomes t = 0 (default: the first sample's start). `file`
   * names the file in errors: a sample that would stretch the run beyond `MAX_RUN_SPAN_MS` is
   * refused (exit 2) at its line, so the timeline stays bounded.
   */
  constructor(
    originMs: number | undefined,
    private readonly file: SourceFile,
  ) {
    this.origin = originMs;
  }

  /** Widens the seen time range; fails at `line` when it would exceed the bound. */
  private span(fromMs: number, toMs: number, line: number | string | undefined): void {
    const min = Math.min(this.minMs, fromMs, this.origin ?? fromMs);
    const max = Math.max(this.maxMs, toMs, this.origin ?? toMs);
    checkSpan(this.file, line, max - min, 'this record');
    this.minMs = min;
    this.maxMs = max;
  }

  get size(): number {
    return this.total.requests;
  }

  /** Adds one request; `line` locates it in errors. */
  add(s: ImportedSample, line?: number | string): void {
    const endMs = s.startMs + s.latencyUs / 1000;
    if (!Number.isFinite(s.startMs) || !Number.isFinite(endMs) || s.latencyUs < 0) {
      throw fileError(this.file, line, `expected a finite request start and a latency of 0 or more, found start ${s.startMs} ms and latency ${s.latencyUs / 1000} ms`);
    }
    this.span(s.startMs, endMs, line);
    if (this.origin === undefined) this.origin = s.startMs;
    this.firstStart = Math.min(this.firstStart, s.startMs);
    this.lastEnd = Math.max(this.lastEnd, endMs);
    count(this.total, s);
    const key = `${s.method} ${s.endpoint}`;
    let ep = this.byEndpoint.get(key);
    if (!ep) this.byEndpoint.set(key, (ep = { ...newTally(), method: s.method, name: s.endpoint }));
    count(ep, s);
    count(this.interval(Math.floor((endMs - this.origin) / 1000)), s);
    if (s.bytesReceived !== undefined) {
      this.bytes += s.bytesReceived;
      this.anyBytes = true;
    }
    // Spread the time in flight over the intervals the request spans: the partial first and last
    // intervals directly, the whole seconds between as a difference (+1 where they begin, -1 where
    // they end) summed in build(), so that a long request costs O(1), not one step per second.
    const fromMs = s.startMs - this.origin;
    const toMs = endMs - this.origin;
    if (toMs > fromMs) {
      const k0 = Math.floor(fromMs / 1000);
      const k1 = Math.floor(toMs / 1000);
      if (k0 === k1) this.interval(k0).busyUs += (toMs - fromMs) * 1000;
      else {
        this.interval(k0).busyUs += ((k0 + 1) * 1000 - fromMs) * 1000;
        this.interval(k1).busyUs += (toMs - k1 * 1000) * 1000;
        if (k1 > k0 + 1) {
          this.wholeSeconds.set(k0 + 1, (this.wholeSeconds.get(k0 + 1) ?? 0) + 1);
          this.wholeSeconds.set(k1, (this.wholeSeconds.get(k1) ?? 0) - 1);
        }
      }
    }
  }

  /** Virtual users (or active users) at a time, ms on the importer's clock; the interval keeps the last value. */
  setVus(atMs: number, vus: number, line?: number | string): void {
    if (!Number.isFinite(atMs)) throw fileError(this.file, line, `expected a finite time, found ${atMs}`);
    this.span(atMs, atMs, line);
    if (this.origin === undefined) this.origin = atMs;
    this.vus.set(Math.floor((atMs - this.origin) / 1000), vus);
  }

  private interval(k: number): Interval {
    let iv = this.intervals.get(k);
    if (!iv) this.intervals.set(k, (iv = { ...newTally(), busyUs: 0 }));
    return iv;
  }

  /**
   * The summary, endpoints (sorted by name) and timeline. `durationSec` is the run's length when
   * the tool states it (else first start to last end).
   */
  build(durationSec?: number): SampleParts {
    const origin = this.origin ?? 0;
    const keys = [...new Set([...this.intervals.keys(), ...this.vus.keys()])].sort((a, b) => a - b);
    const shift = keys.length && keys[0]! < 0 ? -keys[0]! : 0;
    const timeline: TimelinePoint[] = [];
    let lastVus: number | null = null;
    let whole = 0;
    if (keys.length) {
      // dense from the first to the last second: bounded by MAX_RUN_SPAN_MS (checked in add/setVus)
      for (let k = keys[0]!; k <= keys[keys.length - 1]!; k++) {
        const iv = this.intervals.get(k);
        if (this.vus.has(k)) lastVus = this.vus.get(k)!;
        whole += this.wholeSeconds.get(k) ?? 0;
        const busyUs = (iv?.busyUs ?? 0) + whole * 1e6;
        const p: TimelinePoint = {
          t: k + shift,
          durationSec: 1,
          offeredRps: null,
          rps: iv?.requests ?? 0,
          errors: iv?.errors ?? 0,
          inFlight: Math.round((busyUs / 1e6) * 100) / 100,
          vus: this.vus.size ? lastVus : null,
          latencyMs: iv ? pointMs(iv.hdr) : null,
        };
        if (iv && Object.keys(iv.statusCodes).length) p.statusCodes = iv.statusCodes;
        if (iv && iv.errors) p.errorKinds = iv.errorKinds;
        if (iv && iv.requests) p.hdr = encodeHistogram(iv.hdr);
        timeline.push(p);
      }
    }
    const first = Number.isFinite(this.firstStart) ? this.firstStart : origin;
    const last = Number.isFinite(this.lastEnd) ? this.lastEnd : origin;
    const dur = durationSec ?? Math.max(0.001, (last - first) / 1000);
    const requests = this.total.requests;
    const summary: Summary = {
      requests,
      errors: this.total.errors,
      errorRate: requests ? this.total.errors / requests : 0,
      throughputRps: Math.round((requests / dur) * 100) / 100,
      peakRps: timeline.reduce((m, p) => Math.max(m, p.rps), 0),
      latencyMs: summarizeMs(this.total.hdr),
      statusCodes: this.total.statusCodes,
      hdr: encodeHistogram(this.total.hdr),
    };
    if (this.total.errors) summary.errorKinds = this.total.errorKinds;
    if (this.anyBytes) summary.bytesReceived = this.bytes;
    const endpoints: EndpointResult[] = [...this.byEndpoint.values()]
      .sort((a, b) => (a.name === b.name ? a.method.localeCompare(b.method) : a.name.localeCompare(b.name)))
      .map((e) => {
        const r: EndpointResult = {
          name: e.name,
          method: e.method,
          requests: e.requests,
          errors: e.errors,
          errorRate: e.requests ? e.errors / e.requests : 0,
          statusCodes: e.statusCodes,
          latencyMs: summarizeMs(e.hdr),
          hdr: encodeHistogram(e.hdr),
        };
        if (e.errors) r.errorKinds = e.errorKinds;
        return r;
      });
    return { summary, endpoints, timeline, firstStartMs: first, lastEndMs: last };
  }

  /** The clock value of t = 0 after `build` (the origin, moved back when samples came before it). */
  originMs(): number {
    // a loop, not Math.min(...keys): a week of seconds is too many arguments for one call
    let min = 0;
    for (const k of this.intervals.keys()) if (k < min) min = k;
    for (const k of this.vus.keys()) if (k < min) min = k;
    return (this.origin ?? 0) + min * 1000;
  }
}

/** Classifies an HTTP status as a failed request (>= 400), as k6, Locust and Artillery count them. */
export function statusErrorKind(status: number): ErrorKind | undefined {
  if (status === 0) return 'other';
  return status >= 400 ? 'status' : undefined;
}
