/**
 * A worker's per-second recording: every sample lands in the bucket of the second it completed in
 * (its `doneUs`), per endpoint. When a second is over the bucket becomes a `SecondSnapshot`
 * (latencies as sparse HdrHistogram counts, latency-counts.ts) handed to the main thread, which
 * merges the workers' snapshots exactly and builds the histograms (timeline.ts). The counts are
 * reset and reused, so a long run allocates nothing per request and a little per second.
 *
 * What goes into which histogram (all integer µs, 3 significant digits):
 *   latency      completion − intended start (open model; the closed model's intended start is the
 *                actual start): per endpoint, for EVERY request that was sent — a response of any
 *                status, and a transport failure (refused, reset, timeout, …) at the moment it was
 *                seen. A request that timed out, or was still unanswered when the run was cut, is
 *                recorded with the time it was outstanding: a lower bound of its latency (k6's
 *                duration-until-timeout). Leaving such requests out would make a service that stops
 *                answering look fast: its slowest requests would vanish from the percentiles.
 *   ok           the same, for successful requests only (a response with a 2xx/3xx status and no
 *                transport error): k6's `http_req_duration{expected_response:true}`.
 *   service      completion − actual write, same population as `latency`: the uncorrected figure,
 *                kept beside the corrected one as wrk2 does.
 *   sendLag      actual send − intended send, for each arrival the pacer fired (open model).
 *   outstanding  at the end of each second, the age (end of second − intended start) of every
 *                request still outstanding. Not part of any total (each of those requests is
 *                recorded once, when it ends); it lets a second in which nothing completed but
 *                requests were waiting show how long they had waited, instead of showing a hole.
 */
import { LatencyCounts, type SparseCounts } from './latency-counts.js';
import type { ErrorKind } from '../result/types.js';
import { ERROR_KINDS, KIND, isErrorStatus } from './error-kinds.js';

/** One endpoint's counts for one second. */
export interface EndpointTallies {
  /** endpoint index (into the run's endpoint list) */
  e: number;
  requests: number;
  errors: number;
  statusCodes: Record<string, number>;
  errorKinds: Partial<Record<ErrorKind, number>>;
  checksPasses: number;
  checksFails: number;
  bytesIn: number;
  bytesOut: number;
}

/** One endpoint's second, as a worker sends it to the main thread. */
export interface EndpointSnapshot extends EndpointTallies {
  /** latencies (µs) of every request that ended, as sparse histogram counts; null when none */
  latency: SparseCounts | null;
  /** latencies (µs) of the successful requests only; null when none */
  ok: SparseCounts | null;
}

/** One worker's second. */
export interface SecondSnapshot {
  /** second index: the interval [sec, sec+1) s from the run's start */
  sec: number;
  worker: number;
  /** endpoints with any activity */
  endpoints: EndpointSnapshot[];
  /** service times (µs), sparse histogram counts; null when none */
  service: SparseCounts | null;
  /** send lags (µs), sparse histogram counts; null when none */
  sendLag: SparseCounts | null;
  /** ages (µs) of the requests outstanding at the end of the second; null when none */
  outstanding: SparseCounts | null;
  /** arrivals not sent because maxInFlight was reached (open model) */
  dropped: number;
  /** iterations completed */
  iterations: number;
  /** iterations that failed (a script threw, a data table ran out): not counted in `iterations` */
  failedIterations?: number;
  /** iterations (open) or requests (closed) in flight at the end of the second */
  inFlight: number;
  /** active VUs at the end of the second (closed model) */
  vus: number;
  /** fraction of the second the worker's event loop was busy, excluding precise-wait spinning (0..1) */
  busy: number;
  /** µs of the second the pacer spent spinning for a precise send time (counted as CPU by the OS) */
  spinUs: number;
  /** the worker's last snapshot: it finished at `endUs` (µs from the start) */
  final?: boolean;
  endUs?: number;
}

class EndpointBucket {
  readonly latency = new LatencyCounts();
  readonly ok = new LatencyCounts();
  requests = 0;
  errors = 0;
  readonly status = new Map<number, number>();
  readonly kinds = new Int32Array(ERROR_KINDS.length + 1);
  checksPasses = 0;
  checksFails = 0;
  bytesIn = 0;
  bytesOut = 0;

  get active(): boolean {
    return this.requests > 0 || this.checksPasses > 0 || this.checksFails > 0;
  }

  snapshot(e: number): EndpointSnapshot {
    const statusCodes: Record<string, number> = {};
    for (const [code, n] of this.status) statusCodes[String(code)] = n;
    const errorKinds: Partial<Record<ErrorKind, number>> = {};
    for (let k = 1; k < this.kinds.length; k++) if (this.kinds[k]! > 0) errorKinds[ERROR_KINDS[k - 1]!] = this.kinds[k]!;
    return {
      e,
      requests: this.requests,
      errors: this.errors,
      statusCodes,
      errorKinds,
      checksPasses: this.checksPasses,
      checksFails: this.checksFails,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      latency: this.latency.take(),
      ok: this.ok.take(),
    };
  }

  reset(): void {
    this.latency.take();
    this.ok.take();
    this.requests = 0;
    this.errors = 0;
    this.status.clear();
    this.kinds.fill(0);
    this.checksPasses = 0;
    this.checksFails = 0;
    this.bytesIn = 0;
    this.bytesOut = 0;
  }
}

/** Live figures the recorder samples at the end of each second. */
export interface RecorderGauges {
  inFlight(): number;
  vus(): number;
  /** busy fraction and spin µs since the previous call */
  load(): { busy: number; spinUs: number };
  /** calls `visit` with the intended start (µs) of every request outstanding now */
  outstanding(visit: (intendedUs: number) => void): void;
}

export class Recorder {
  private readonly buckets: EndpointBucket[];
  private readonly service = new LatencyCounts();
  private readonly sendLag = new LatencyCounts();
  private readonly outstanding = new LatencyCounts();
  private dropped = 0;
  private iterations = 0;
  private failedIterations = 0;
  /** the second being filled */
  private sec = 0;

  constructor(
    endpointCount: number,
    private readonly worker: number,
    private readonly gauges: RecorderGauges,
    private readonly emit: (s: SecondSnapshot) => void,
  ) {
    this.buckets = Array.from({ length: endpointCount }, () => new EndpointBucket());
  }

  /** the second currently being filled */
  get currentSecond(): number {
    return this.sec;
  }

  /**
   * Records one request that ended: answered, failed, timed out, or abandoned when the run was cut.
   * @param intendedUs when it was meant to start (open model: from the schedule)
   * @param sentUs when it was written to the socket (or connecting began)
   * @param doneUs when the response completed or the failure was seen (a timeout or an abandoned
   *   request: when it was given up, so that its latency is the time it was outstanding)
   * @param status the status code, 0 when there was no response
   * @param kind error kind code (0 = none); a status ≥ 400 is counted as `status` by this method
   */
  record(e: number, intendedUs: number, sentUs: number, doneUs: number, status: number, kind: number, bytesIn: number, bytesOut: number): void {
    this.roll(doneUs);
    const b = this.buckets[e]!;
    b.requests++;
    b.bytesIn += bytesIn;
    b.bytesOut += bytesOut;
    const latencyUs = doneUs - intendedUs;
    b.latency.record(latencyUs);
    this.service.record(doneUs - sentUs);
    if (status > 0) {
      b.status.set(status, (b.status.get(status) ?? 0) + 1);
      if (kind === 0 && isErrorStatus(status)) kind = KIND.status;
    }
    if (kind !== 0) {
      b.errors++;
      b.kinds[kind]!++;
    } else {
      b.ok.record(latencyUs);
    }
  }

  /** Records the outcome of an `expect` block. */
  recordChecks(e: number, nowUs: number, passes: number, fails: number): void {
    this.roll(nowUs);
    const b = this.buckets[e]!;
    b.checksPasses += passes;
    b.checksFails += fails;
  }

  /** Records how late the pacer fired an arrival (µs; early firing is recorded as 0). */
  recordSendLag(lagUs: number, nowUs: number): void {
    this.roll(nowUs);
    this.sendLag.record(lagUs < 0 ? 0 : lagUs);
  }

  /** An arrival that was not sent because `maxInFlight` iterations were already in flight. */
  recordDropped(intendedUs: number, nowUs: number): void {
    this.roll(nowUs > intendedUs ? nowUs : intendedUs);
    this.dropped++;
  }

  recordIteration(nowUs: number): void {
    this.roll(nowUs);
    this.iterations++;
  }

  /** An iteration that failed at `nowUs` (a script threw, a data table ran out). */
  recordIterationFailed(nowUs: number): void {
    this.roll(nowUs);
    this.failedIterations++;
  }

  /** Emits every finished second up to (not including) the one `nowUs` falls in. */
  tick(nowUs: number): void {
    this.roll(nowUs);
  }

  /** The worker finished at `endUs`: emits the seconds up to it, the last one marked final. */
  flushAll(endUs: number): void {
    this.roll(endUs);
    this.emitCurrent(endUs);
    this.sec++;
  }

  private roll(nowUs: number): void {
    const s = Math.floor(nowUs / 1e6);
    while (this.sec < s) {
      this.emitCurrent();
      this.sec++;
    }
  }

  private emitCurrent(finalEndUs?: number): void {
    // ages at the end of this second; a request intended after it (the clock has moved on past
    // several quiet seconds) was not outstanding then
    const boundaryUs = finalEndUs ?? (this.sec + 1) * 1e6;
    this.gauges.outstanding((intendedUs) => {
      if (intendedUs < boundaryUs) this.outstanding.record(boundaryUs - intendedUs);
    });
    const endpoints: EndpointSnapshot[] = [];
    for (let i = 0; i < this.buckets.length; i++) {
      const b = this.buckets[i]!;
      if (b.active) endpoints.push(b.snapshot(i));
      b.reset();
    }
    const load = this.gauges.load();
    const snap: SecondSnapshot = {
      sec: this.sec,
      worker: this.worker,
      endpoints,
      service: this.service.take(),
      sendLag: this.sendLag.take(),
      outstanding: this.outstanding.take(),
      dropped: this.dropped,
      iterations: this.iterations,
      failedIterations: this.failedIterations,
      inFlight: this.gauges.inFlight(),
      vus: this.gauges.vus(),
      busy: load.busy,
      spinUs: load.spinUs,
    };
    if (finalEndUs !== undefined) {
      snap.final = true;
      snap.endUs = finalEndUs;
    }
    this.dropped = 0;
    this.iterations = 0;
    this.failedIterations = 0;
    this.emit(snap);
  }
}
