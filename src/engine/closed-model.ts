/**
 * The closed model: virtual users, ramped per stages (stage targets are VU counts, linear between
 * them as in k6's ramping-vus), each looping its scenario on a connection of its own with think
 * time. A VU runs its scenario's setup once before its first iteration and keeps its captures.
 *
 * The number of VUs wanted at time t is ⌊v(t)⌋, v the piecewise-linear stage curve. VU g (global
 * index) is active while g < ⌊v(t)⌋; worker w of W owns the VUs g ≡ w (mod W), so the workers'
 * VUs add up to the curve exactly. When the curve goes down, the highest-numbered VUs retire at
 * their next iteration boundary; one still busy `gracefulRampDownMs` later is cut off.
 *
 * Latencies here are service times (`latencyBasis: 'actual'`): a VU waits for each response before
 * it sends again, so a stalled server simply receives fewer requests — the coordinated omission the
 * open model exists to avoid, reported as such.
 */
import type { Clock } from './clock.js';
import type { Recorder } from '../metrics/recorder.js';
import type { Rng } from './rng.js';
import type { EngineScenario } from './compile.js';
import type { HttpClient } from './http/client.js';
import type { RateCurve } from './schedule/rate-curve.js';
import { TestTally, type FlowHost, type HostData, type VuHostOptions, type VuRunner } from './flow.js';

/** How often the VU count is brought to the curve (ms). */
const CONTROL_MS = 50;

export interface ClosedModelOptions extends VuHostOptions {
  clock: Clock;
  recorder: Recorder;
  rng: Rng;
  curve: RateCurve;
  scenarios: EngineScenario[];
  pick: () => number;
  client: HttpClient;
  hostHeader: string;
  worker: number;
  workers: number;
  defaultThink: { minMs: number; maxMs: number } | null;
  gracefulRampDownMs: number;
  /** the stages are over and every VU stopped */
  onIdle: () => void;
}

export class ClosedModel implements FlowHost {
  readonly clock: Clock;
  readonly recorder: Recorder;
  readonly rng: Rng;
  readonly hostHeader: string;
  readonly origin: string;
  readonly cookies: boolean;
  readonly data: HostData | null;
  readonly skipTrailingThink = false;
  readonly defaultThink: { minMs: number; maxMs: number } | null;
  ioEpoch = 0;
  outstanding = 0;
  stopping = false;
  readonly health = new TestTally();

  /** running VUs by local slot (index k ↔ global VU w + k·W) */
  private readonly vus: Array<VuRunner | null> = [];
  private running = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  /** retiring VUs and when they must be cut off (µs) */
  private readonly retiringSince = new Map<VuRunner, number>();
  /** VUs stopped because their data ran out (not running, still holding their slot) */
  private readonly exhaustedVus = new Set<VuRunner>();

  constructor(private readonly o: ClosedModelOptions) {
    this.clock = o.clock;
    this.recorder = o.recorder;
    this.rng = o.rng;
    this.hostHeader = o.hostHeader;
    this.origin = o.origin;
    this.cookies = o.cookies;
    this.data = o.data;
    this.defaultThink = o.defaultThink;
  }

  /** VUs running now (this worker) */
  get activeVus(): number {
    return this.running;
  }

  start(): void {
    // the run's zero may be a few ms ahead (runner.ts START_LEAD_MS): begin exactly at it
    const waitMs = -this.clock.nowUs() / 1000;
    if (waitMs > 0) this.timer = setTimeout(() => this.control(), waitMs);
    else this.control();
  }

  /**
   * Stops every VU (end of the stages, abort, interrupt): a thinking VU stops now, one waiting for
   * a response after it (the caller bounds the wait).
   */
  stop(): void {
    this.stopped = true;
    this.stopping = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (let k = 0; k < this.vus.length; k++) {
      const v = this.vus[k];
      if (!v) continue;
      if (!v.running || v.interruptIfThinking()) this.kill(k, v);
    }
    this.checkIdle();
  }

  /** Cuts off every VU still running (the grace is over). */
  cancelAll(): void {
    for (let k = 0; k < this.vus.length; k++) {
      const v = this.vus[k];
      if (v) this.kill(k, v);
    }
  }

  /** Calls `visit` with the intended start (µs) of every request outstanding now. */
  visitOutstanding(visit: (intendedUs: number) => void): void {
    for (const v of this.vus) v?.visitOutstanding(visit);
  }

  /** The grace is over: records every outstanding request as a timeout at its age; returns how many. */
  abandonOutstanding(nowUs: number): number {
    let n = 0;
    for (const v of this.vus) if (v?.abandonOutstanding(nowUs)) n++;
    return n;
  }

  send(runner: Parameters<FlowHost['send']>[0]): void {
    runner.conn!.send(runner.bytes, runner.isHead, runner.keepBody, runner.keepHeaders, runner.timeoutMs, runner);
  }

  iterationDone(runner: VuRunner, atUs: number): void {
    if (runner.exhausted && !this.stopped && !runner.retiring) {
      // no data row left for it: the VU stops for good, its slot stays taken so it is not respawned
      this.exhaustedVus.add(runner);
      this.running--;
      return;
    }
    if (runner.retiring || this.stopped) {
      const k = this.slotOf(runner);
      if (k >= 0) this.kill(k, runner);
      this.checkIdle();
      return;
    }
    // the VU goes on at once: its next iteration begins when this one ended
    runner.start(atUs);
  }

  noteMissing(names: string[]): void {
    this.o.onMissing(names);
  }

  iterationFailed(message: string, atUs: number): void {
    this.o.onIterationFailed(message, atUs);
  }

  learnSecret(value: string): void {
    this.o.learnSecret(value);
  }

  /** VUs this worker should run at time t (s). */
  wanted(tSec: number): number {
    const total = Math.floor(this.o.curve.rateAt(tSec) + 1e-9);
    const { worker: w, workers: W } = this.o;
    return total > w ? Math.ceil((total - w) / W) : 0;
  }

  private control(): void {
    this.timer = null;
    if (this.stopped) return;
    const nowUs = this.clock.nowUs();
    const tSec = nowUs / 1e6;
    if (tSec >= this.o.curve.durationSec) {
      this.stop();
      return;
    }
    const want = this.wanted(tSec);
    // start VUs in slots [0, want), retire those at or above it
    for (let k = 0; k < Math.max(want, this.vus.length); k++) {
      const v = this.vus[k] ?? null;
      if (k < want) {
        if (v === null) this.spawn(k, nowUs);
        else if (v.retiring) {
          v.retiring = false; // wanted again before it finished
          this.retiringSince.delete(v);
        }
      } else if (v !== null && !v.retiring) {
        this.retire(v);
      }
    }
    for (const [v, since] of this.retiringSince) {
      if (nowUs - since > this.o.gracefulRampDownMs * 1000) {
        const k = this.slotOf(v);
        if (k >= 0) this.kill(k, v);
      }
    }
    this.timer = setTimeout(() => this.control(), CONTROL_MS);
  }

  private spawn(k: number, nowUs: number): void {
    const si = this.o.scenarios.length === 1 ? 0 : this.o.pick();
    const v = this.o.createRunner(this, this.o.scenarios[si]!, si);
    v.index = this.o.worker + k * this.o.workers;
    v.conn = this.o.client.connection();
    this.vus[k] = v;
    this.running++;
    v.start(nowUs);
  }

  private retire(v: VuRunner): void {
    if (v.retiring) return;
    v.retiring = true;
    this.retiringSince.set(v, this.clock.nowUs());
    if (!v.running) {
      const k = this.slotOf(v);
      if (k >= 0) this.kill(k, v);
    }
  }

  private kill(k: number, v: VuRunner): void {
    if (this.exhaustedVus.delete(v)) {
      this.vus[k] = null;
      return;
    }
    // a VU cut off with a request out (ramp-down grace over, or the run's): that request counts as
    // a timeout at its age, not as nothing
    v.abandonOutstanding(this.clock.nowUs());
    v.cancel();
    if (v.conn !== null && v.conn.abandon()) this.outstanding--;
    this.retiringSince.delete(v);
    this.vus[k] = null;
    this.running--;
  }

  private slotOf(v: VuRunner): number {
    const k = (v.index - this.o.worker) / this.o.workers;
    return this.vus[k] === v ? k : -1;
  }

  private checkIdle(): void {
    if (this.stopped && this.running === 0) this.o.onIdle();
  }
}
