/**
 * The live run in the Prometheus text exposition format (version 0.0.4), for `run --metrics`:
 *
 *   loadproof_http_req_duration_seconds{endpoint}        histogram (classic buckets, cumulative)
 *   loadproof_http_reqs_total{endpoint,status}           counter; status "0" = no response
 *   loadproof_http_req_failures_total{endpoint,kind}     counter, errors by kind (refused, timeout, status, …)
 *   loadproof_dropped_iterations_total                   counter (open model: arrivals dropped at maxInFlight)
 *   loadproof_vus, loadproof_in_flight                   gauges, the last second
 *   loadproof_offered_rate, loadproof_achieved_rate      gauges, req/s over the last second
 *   loadproof_run_elapsed_seconds, loadproof_run_finished
 *   loadproof_phase{phase}                               1 for the current (provisional) phase, 0 for the others
 *   loadproof_capacity_max_sustainable_rps,
 *   loadproof_capacity_recommended_max_rps,
 *   loadproof_capacity_breaking_point_rps               the running capacity estimate (absent until known)
 *   loadproof_run_info{plan,target,model}               1
 *
 * Every counter is the sum of the merged seconds of the run (the same seconds result.json is folded
 * from), so after the last second `sum(loadproof_http_reqs_total)` equals `summary.requests` and
 * `loadproof_http_req_duration_seconds_count` the number of timed responses.
 *
 * Histogram buckets are counted from each second's HdrHistogram (3 significant digits): a value is
 * counted under `le` when the lowest value of its HdrHistogram bucket is ≤ le — exact to 0.1% of
 * the bound. `_sum` adds each bucket's median equivalent value, as the report's mean does.
 */
import * as hdr from 'hdr-histogram-js';
import { decodeHistogram } from '../metrics/histogram.js';
import type { LogHeader } from '../metrics/log.js';
import type { SecondRecord } from '../metrics/timeline.js';
import type { LiveEvent, LiveFeed, LiveListener, LivePhase } from './feed.js';

/** Bucket bounds, seconds: Prometheus' defaults widened at both ends for load tests. */
export const BUCKETS_SEC = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;
const BOUNDS_US = BUCKETS_SEC.map((s) => Math.round(s * 1e6));
const PHASES: LivePhase[] = ['linear', 'knee', 'collapse', 'unknown'];

interface EndpointState {
  /** per bucket (non-cumulative; the last slot is +Inf) */
  buckets: number[];
  count: number;
  sumUs: number;
  byStatus: Map<string, number>;
  byKind: Map<string, number>;
}

/** Adds a histogram's counts into per-bound buckets (non-cumulative) and returns its sum, µs. */
export function addToBuckets(h: hdr.Histogram, buckets: number[], boundsUs: readonly number[]): number {
  if (h.totalCount === 0) return 0;
  let sum = 0;
  if (!(h instanceof hdr.JsHistogram)) throw new Error('expected a JS HdrHistogram');
  const n = h.countsArrayLength;
  let seen = 0;
  let b = 0;
  for (let i = 0; i < n && seen < h.totalCount; i++) {
    const c = h.getCountAtIndex(i);
    if (c === 0) continue;
    seen += c;
    const low = h.valueFromIndex(i);
    while (b < boundsUs.length && low > boundsUs[b]!) b++;
    buckets[b]! += c;
    sum += h.medianEquivalentValue(h.highestEquivalentValue(low)) * c;
  }
  return sum;
}

/** Escapes a label value (backslash, double quote, newline). */
function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function num(n: number): string {
  return Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
}

/** The /metrics state of one run, fed by the live feed. */
export class PrometheusState implements LiveListener {
  private endpoints: EndpointState[] = [];
  private names: string[] = [];
  private dropped = 0;
  private vus: number | null = null;
  private inFlight = 0;
  private offered: number | null = null;
  private achieved = 0;
  private elapsedSec = 0;
  private info: { plan: string; target: string; model: string } | null = null;
  /** epoch ms of each scrape served (for the CLI's wait for a last scrape) */
  lastScrapeMs = 0;
  scrapes = 0;

  constructor(private readonly feed: LiveFeed) {
    feed.subscribe(this);
  }

  event(e: LiveEvent): void {
    if (e.type === 'meta') this.info = { plan: e.data.plan, target: e.data.target, model: e.data.model };
  }

  second(r: SecondRecord, header: LogHeader): void {
    if (this.names.length === 0) {
      this.names = header.endpoints.map((e) => e.name);
      this.endpoints = this.names.map(() => ({ buckets: new Array<number>(BOUNDS_US.length + 1).fill(0), count: 0, sumUs: 0, byStatus: new Map(), byKind: new Map() }));
    }
    let requests = 0;
    for (const e of r.endpoints) {
      const st = this.endpoints[e.e];
      if (!st) continue;
      requests += e.requests;
      let withStatus = 0;
      for (const [code, n] of Object.entries(e.statusCodes)) {
        st.byStatus.set(code, (st.byStatus.get(code) ?? 0) + n);
        withStatus += n;
      }
      // requests that got no response (refused, reset, timed out…) carry status 0, as in k6
      if (e.requests > withStatus) st.byStatus.set('0', (st.byStatus.get('0') ?? 0) + e.requests - withStatus);
      for (const [k, n] of Object.entries(e.errorKinds)) st.byKind.set(k, (st.byKind.get(k) ?? 0) + (n ?? 0));
      if (e.hdr !== null) {
        const h = decodeHistogram(e.hdr);
        st.count += h.totalCount;
        st.sumUs += addToBuckets(h, st.buckets, BOUNDS_US);
      }
    }
    this.dropped += r.dropped;
    this.vus = r.vus;
    this.inFlight = r.inFlight;
    this.offered = r.offeredRps;
    this.achieved = requests / (r.durationSec || 1);
    this.elapsedSec = r.t + r.durationSec;
  }

  /** The exposition text. */
  render(): string {
    this.lastScrapeMs = Date.now();
    this.scrapes++;
    const out: string[] = [];
    const head = (name: string, type: string, help: string): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    if (this.info) {
      head('loadproof_run_info', 'gauge', 'The running experiment (always 1).');
      out.push(`loadproof_run_info{plan="${label(this.info.plan)}",target="${label(this.info.target)}",model="${this.info.model}"} 1`);
    }
    head('loadproof_http_req_duration_seconds', 'histogram', 'Request latency, from the intended start in the open model (coordinated omission corrected).');
    this.endpoints.forEach((st, i) => {
      const ep = `endpoint="${label(this.names[i]!)}"`;
      let cum = 0;
      BUCKETS_SEC.forEach((le, b) => {
        cum += st.buckets[b]!;
        out.push(`loadproof_http_req_duration_seconds_bucket{${ep},le="${le}"} ${cum}`);
      });
      out.push(`loadproof_http_req_duration_seconds_bucket{${ep},le="+Inf"} ${st.count}`);
      out.push(`loadproof_http_req_duration_seconds_sum{${ep}} ${num(st.sumUs / 1e6)}`);
      out.push(`loadproof_http_req_duration_seconds_count{${ep}} ${st.count}`);
    });
    head('loadproof_http_reqs_total', 'counter', 'Requests completed, by endpoint and status code (0: no response).');
    this.endpoints.forEach((st, i) => {
      for (const [code, n] of [...st.byStatus].sort()) out.push(`loadproof_http_reqs_total{endpoint="${label(this.names[i]!)}",status="${label(code)}"} ${n}`);
    });
    head('loadproof_http_req_failures_total', 'counter', 'Failed requests, by endpoint and error kind.');
    this.endpoints.forEach((st, i) => {
      for (const [kind, n] of [...st.byKind].sort()) out.push(`loadproof_http_req_failures_total{endpoint="${label(this.names[i]!)}",kind="${label(kind)}"} ${n}`);
    });
    head('loadproof_dropped_iterations_total', 'counter', 'Arrivals dropped because maxInFlight iterations were already running (open model).');
    out.push(`loadproof_dropped_iterations_total ${this.dropped}`);
    if (this.vus !== null) {
      head('loadproof_vus', 'gauge', 'Virtual users running (closed model).');
      out.push(`loadproof_vus ${this.vus}`);
    }
    head('loadproof_in_flight', 'gauge', 'Requests in flight at the end of the last second.');
    out.push(`loadproof_in_flight ${this.inFlight}`);
    if (this.offered !== null) {
      head('loadproof_offered_rate', 'gauge', 'Offered arrival rate over the last second, per second (open model).');
      out.push(`loadproof_offered_rate ${num(this.offered)}`);
    }
    head('loadproof_achieved_rate', 'gauge', 'Completed requests over the last second, per second.');
    out.push(`loadproof_achieved_rate ${num(Math.round(this.achieved * 100) / 100)}`);
    head('loadproof_run_elapsed_seconds', 'gauge', 'Seconds of the run merged so far.');
    out.push(`loadproof_run_elapsed_seconds ${num(this.elapsedSec)}`);
    head('loadproof_run_finished', 'gauge', '1 once the run has ended and been analysed.');
    out.push(`loadproof_run_finished ${this.feed.finished ? 1 : 0}`);

    // the analysis: provisional while the run goes, final once it ended
    const final = this.feed.final;
    const a = this.feed.analysis;
    const phase: LivePhase = final ? final.phase : (a?.phase ?? 'unknown');
    head('loadproof_phase', 'gauge', 'The current phase of the load curve (1 for the current one): linear, knee, collapse, unknown. Provisional until loadproof_run_finished is 1.');
    for (const p of PHASES) out.push(`loadproof_phase{phase="${p}"} ${p === phase ? 1 : 0}`);
    const cap = final ? final.capacity : (a?.capacity ?? null);
    const gauge = (name: string, help: string, v: number | null | undefined): void => {
      if (v === null || v === undefined) return;
      head(name, 'gauge', help);
      out.push(`${name} ${num(v)}`);
    };
    gauge('loadproof_capacity_max_sustainable_rps', 'Highest step rate that met the SLO so far, req/s.', cap?.maxSustainableRps);
    gauge('loadproof_capacity_recommended_max_rps', 'The max sustainable rate less the headroom, req/s.', cap?.recommendedMaxRps);
    gauge('loadproof_capacity_breaking_point_rps', 'First rate with an error rate over 5%, req/s.', cap?.breakingPointRps);
    const knee = final ? final.knee : (a?.knee ?? null);
    gauge('loadproof_knee_rps', 'The load at the knee of the latency curve, req/s.', knee?.rps);
    return `${out.join('\n')}\n`;
  }
}
