/**
 * The incident guard: the plan's `abort:` rules, evaluated live, one second at a time.
 *
 *   abort:
 *     http_req_failed: "rate>0.05 for 10s"
 *     http_req_duration: "p(95)>2000 for 5s"
 *     "http_req_duration{name:browse}": "p(99)>5000 for 10s"
 *
 * Semantics. The engine pushes one `GuardSecond` per second of the run, in order. For each rule,
 * the window is the last W = ceil(forMs / 1000) seconds (t > now − W). The rule is evaluated on the
 * aggregate of its window — counts summed, latency histograms merged, never percentiles averaged —
 * with the same metric meaning as the end-of-run thresholds (metrics/observe.ts), and it trips when
 * the condition holds over that aggregate. Two conditions guard against stopping on noise:
 * - the window must be full: W seconds have been pushed since the first (a 10 s rule can trip at
 *   the end of second 10 at the earliest, never earlier);
 * - for latency and ratio metrics (http_req_duration, http_req_failed, checks) the window must hold
 *   at least `MIN_WINDOW_SAMPLES` = 20 requests (or checks): 1 error in 3 requests does not stop a
 *   run. Counters (`http_reqs: "rate<10 for 10s"`) need no minimum: a throughput collapse to zero
 *   is exactly what they watch for.
 * A tag-filtered rule needs the seconds' `endpoints`; without them it is never evaluated.
 * Rules are checked in plan order; the first that trips is returned once (`push` then returns
 * null; `tripped` keeps it). `atSec` is the end of the second that completed the window.
 *
 * Cost: one histogram decode per second (when a latency rule exists) and one merge of W histograms
 * per latency rule per second — nothing on the per-request path.
 */
import { compare, parseMetricKey, type AbortExpr, type MetricKey } from '../plan/thresholds.js';
import { formatDurationMs } from '../plan/units.js';
import { decodeHistogram, mergeHistograms, type Histogram } from '../metrics/histogram.js';
import { describeAggregation, formatBound, formatObserved, matchesTag, observe, statusFilterable, type MetricData } from '../metrics/observe.js';
import { LoadproofError } from '../errors.js';

/** Requests (or checks) a window must hold before a latency or ratio rule may trip. */
export const MIN_WINDOW_SAMPLES = 20;

/** One endpoint's figures within one second (for tag-filtered rules). */
export interface GuardEndpointSecond {
  name: string;
  scenario?: string;
  method?: string;
  path?: string;
  requests: number;
  errors: number;
  /** that second's latencies of this endpoint (µs) */
  hdr: Histogram | string | null;
  checksPasses?: number;
  checksFails?: number;
  statusCodes?: Record<string, number>;
}

/** One second of the run as the guard sees it. */
export interface GuardSecond {
  /** seconds since the start, at the start of this second */
  t: number;
  requests: number;
  errors: number;
  /**
   * that second's latencies (µs), a histogram or its base64 encoding. The CLI gives the second as
   * the timeline shows it, with the requests still outstanding that had waited longer than any that
   * ended (withStalled): so a target that stops answering trips a latency rule while it hangs,
   * instead of leaving the guard seconds with nothing to read.
   */
  hdr: Histogram | string | null;
  checksPasses: number;
  checksFails: number;
  /** open model: arrivals dropped at maxInFlight in this second */
  dropped?: number;
  iterations?: number;
  bytesReceived?: number;
  bytesSent?: number;
  /** per-endpoint figures; tag-filtered rules need them */
  endpoints?: GuardEndpointSecond[];
}

/** A tripped rule. */
export interface GuardTrip {
  /** metric key as written, e.g. `http_req_failed` or `http_req_duration{name:browse}` */
  metric: string;
  /** the rule as written, e.g. `rate>0.05 for 10s` */
  rule: string;
  /** the window's value, in the metric's unit */
  observed: number;
  /** seconds since the start when it tripped (the end of the second that completed the window) */
  atSec: number;
  /** one sentence for the summary */
  message: string;
}

interface Rule {
  key: string;
  mk: MetricKey;
  expr: AbortExpr;
  windowSec: number;
  needsHistogram: boolean;
  minSamples: number;
}

/** A second with its histograms decoded (only when some rule reads latency). */
interface HeldSecond {
  s: GuardSecond;
  hdr: Histogram | null;
  endpointHdr: Array<Histogram | null> | null;
}

const toHistogram = (h: Histogram | string | null | undefined): Histogram | null => (h === null || h === undefined ? null : typeof h === 'string' ? decodeHistogram(h) : h);

export class AbortGuard {
  private readonly rules: Rule[];
  private readonly maxWindowSec: number;
  private readonly decode: boolean;
  private held: HeldSecond[] = [];
  private firstT: number | undefined;
  private trip: GuardTrip | null = null;

  constructor(rules: Record<string, AbortExpr[]>) {
    this.rules = [];
    for (const [key, exprs] of Object.entries(rules)) {
      const mk = parseMetricKey(key);
      if (typeof mk === 'string') throw new LoadproofError('LP_PLAN_INVALID', mk, { where: `abort.${key}` });
      for (const expr of exprs) {
        const ratioOrTrend = mk.type !== 'counter';
        this.rules.push({
          key,
          mk,
          expr,
          windowSec: Math.max(1, Math.ceil(expr.forMs / 1000)),
          needsHistogram: mk.type === 'trend',
          minSamples: ratioOrTrend ? MIN_WINDOW_SAMPLES : 0,
        });
      }
    }
    this.maxWindowSec = this.rules.reduce((a, r) => Math.max(a, r.windowSec), 1);
    this.decode = this.rules.some((r) => r.needsHistogram);
  }

  /** The rule that tripped, once one has. */
  get tripped(): GuardTrip | null {
    return this.trip;
  }

  /** Feeds one second; returns the first rule that trips on it, or null. */
  push(second: GuardSecond): GuardTrip | null {
    if (this.trip || this.rules.length === 0) return null;
    if (this.firstT === undefined) this.firstT = second.t;
    const needsEndpoints = this.decode && this.rules.some((r) => r.needsHistogram && r.mk.tag);
    this.held.push({
      s: second,
      hdr: this.decode ? toHistogram(second.hdr) : null,
      endpointHdr: needsEndpoints && second.endpoints ? second.endpoints.map((e) => toHistogram(e.hdr)) : null,
    });
    // keep only what the longest window can still see
    while (this.held.length && this.held[0]!.s.t <= second.t - this.maxWindowSec) this.held.shift();

    for (const rule of this.rules) {
      // full window: W seconds since the first one pushed
      if (second.t - this.firstT + 1 < rule.windowSec) continue;
      const window = this.held.filter((h) => h.s.t > second.t - rule.windowSec);
      const data = this.aggregate(rule, window);
      if (!data) continue;
      // a latency rule counts the latencies it reads: with the stalled requests the seconds carry
      // (see GuardSecond.hdr), a hung target has samples although nothing ended
      const samples =
        rule.mk.metric === 'checks' ? (data.checks ? data.checks.passes + data.checks.fails : 0) : rule.needsHistogram && data.hdr ? data.hdr.totalCount : data.requests;
      if (samples < rule.minSamples) continue;
      const o = observe(rule.mk.metric, rule.expr.aggregation, data);
      if (o.observed === null || !compare(o.observed, rule.expr.op, rule.expr.value)) continue;
      const what = `${rule.key} ${describeAggregation(rule.expr.aggregation)} ${formatObserved(o.observed, o.unit)} ${rule.expr.op} ${formatBound(rule.expr.value, o.unit)}`;
      this.trip = {
        metric: rule.key,
        rule: rule.expr.source,
        observed: o.observed,
        atSec: second.t + 1,
        message: `stopped as a production-like incident would be: ${what} over the last ${formatDurationMs(rule.windowSec * 1000)}`,
      };
      this.held = [];
      return this.trip;
    }
    return null;
  }

  /** The window's aggregate for a rule; null when its tag filter cannot be read from the seconds. */
  private aggregate(rule: Rule, window: HeldSecond[]): MetricData | null {
    const durationSec = rule.windowSec;
    const tag = rule.mk.tag;
    if (!tag) {
      let requests = 0;
      let errors = 0;
      let passes = 0;
      let fails = 0;
      let dropped = 0;
      let iterations = 0;
      let rx = 0;
      let tx = 0;
      for (const { s } of window) {
        requests += s.requests;
        errors += s.errors;
        passes += s.checksPasses;
        fails += s.checksFails;
        dropped += s.dropped ?? 0;
        iterations += s.iterations ?? 0;
        rx += s.bytesReceived ?? 0;
        tx += s.bytesSent ?? 0;
      }
      return {
        durationSec,
        requests,
        errors,
        hdr: rule.needsHistogram ? mergeHistograms(window.map((h) => h.hdr)) : null,
        checks: { passes, fails },
        dropped,
        iterations,
        bytesReceived: rx,
        bytesSent: tx,
      };
    }
    // the engine did not report per-endpoint figures: a tag filter cannot be read (and must not
    // read as zero, or "http_reqs{name:x}: rate<1 for 10s" would trip on missing data)
    if (!window.some((h) => h.s.endpoints)) return null;
    if (tag.key === 'status') {
      if (!statusFilterable(rule.mk.metric)) return null;
      let n = 0;
      for (const { s } of window) for (const e of s.endpoints ?? []) n += e.statusCodes?.[tag.value] ?? 0;
      return { durationSec, requests: n, errors: 0, hdr: null };
    }
    let requests = 0;
    let errors = 0;
    let passes = 0;
    let fails = 0;
    const hists: Array<Histogram | null> = [];
    for (const h of window) {
      const eps = h.s.endpoints ?? [];
      for (let i = 0; i < eps.length; i++) {
        const e = eps[i]!;
        if (!matchesTag(tag, e)) continue;
        requests += e.requests;
        errors += e.errors;
        passes += e.checksPasses ?? 0;
        fails += e.checksFails ?? 0;
        if (rule.needsHistogram) hists.push(h.endpointHdr?.[i] ?? null);
      }
    }
    return { durationSec, requests, errors, hdr: rule.needsHistogram ? mergeHistograms(hists) : null, checks: { passes, fails } };
  }
}
