/**
 * The open model: arrivals fire at their scheduled instants whatever the target does; each arrival
 * starts one iteration of a scenario picked by weight (k6's arrival-rate executors do the same, so
 * with a multi-request flow the offered rate is iterations per second).
 *
 * Pacing (measured, bench/README.md "send lag"): the pacer sleeps with `setTimeout` for the whole
 * milliseconds before the next arrival, then polls with `setImmediate` — a poll that still serves
 * I/O between checks — for the sub-millisecond remainder, and fires the arrival when its instant
 * has come. Above ~1,000 arrivals/s every gap is under a millisecond, so the pacer only polls and
 * the send lag is the length of one event-loop turn. `spinUs` widens the polling window before
 * each arrival (libuv timers fire up to ~1 ms late, so a window of ~1 ms makes low rates exact on an
 * idle machine); it is off by default because on a busy machine a spinning thread is the one the
 * kernel preempts, which measured worse (bench/README.md). Every arrival already due is fired in one
 * go (a burst after a stall is the honest replay of the schedule), at most `MAX_BURST` per turn so
 * that responses keep being read. Polling that found nothing to do is measured (`takeSpinUs()`) and left
 * out of the generator's busy figures.
 *
 * Each arrival records its send lag (actual − intended). When `maxInFlight` iterations are already
 * running, the arrival is counted as dropped — never silently skipped. Otherwise it takes a free VU
 * context of its scenario (or a new one): the context keeps its variables, so a scenario's `setup`
 * (a login) runs once per context and its token is reused by every later iteration on it. Contexts
 * are created on demand, so there are about as many as the peak number of concurrent iterations.
 */
import type { Clock } from './clock.js';
import type { Recorder } from '../metrics/recorder.js';
import type { Rng } from './rng.js';
import type { ArrivalSchedule } from './schedule/arrivals.js';
import type { EngineScenario } from './compile.js';
import type { ConnectionPool } from './http/pool.js';
import { TestTally, type FlowHost, type HostData, type VuHostOptions, type VuRunner } from './flow.js';

/** Arrivals fired per pacer turn at most, before yielding to I/O. */
const MAX_BURST = 512;

export interface OpenModelOptions extends VuHostOptions {
  clock: Clock;
  recorder: Recorder;
  rng: Rng;
  schedule: ArrivalSchedule;
  scenarios: EngineScenario[];
  pick: () => number;
  pool: ConnectionPool;
  hostHeader: string;
  /** iterations in flight at most (this worker's share) */
  maxInFlight: number;
  /** poll instead of sleeping when the next arrival is this close (µs) */
  spinUs: number;
  /** the schedule is done and every iteration ended */
  onIdle: () => void;
}

export class OpenModel implements FlowHost {
  readonly clock: Clock;
  readonly recorder: Recorder;
  readonly rng: Rng;
  readonly hostHeader: string;
  readonly origin: string;
  readonly cookies: boolean;
  readonly data: HostData | null;
  readonly skipTrailingThink = true;
  readonly defaultThink = null;
  ioEpoch = 0;
  outstanding = 0;
  stopping = false;
  readonly health = new TestTally();
  /** iterations running */
  active = 0;
  /** µs spent polling for a precise send time since the last `takeSpinUs()` */
  private idlePollUs = 0;

  private readonly free: VuRunner[][];
  private readonly all: VuRunner[] = [];
  private nextUs = Infinity;
  private stopped = false;
  private scheduleDone = false;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private lastTickEndUs = 0;
  private lastTickEpoch = -1;
  private polled = false;
  private readonly tick = (): void => this.onTick();

  constructor(private readonly o: OpenModelOptions) {
    this.clock = o.clock;
    this.recorder = o.recorder;
    this.rng = o.rng;
    this.hostHeader = o.hostHeader;
    this.origin = o.origin;
    this.cookies = o.cookies;
    this.data = o.data;
    this.free = o.scenarios.map(() => []);
  }

  /** Starts pacing (the run's clock must be at or near 0). */
  start(): void {
    this.nextUs = this.o.schedule.next();
    this.onTick();
  }

  /**
   * Stops early (abort, interrupt): no more arrivals; thinking iterations end now, the others
   * after their current request (the caller bounds the wait). A schedule that runs out instead lets
   * running iterations finish their flow.
   */
  stop(): void {
    this.stopped = true;
    this.stopping = true;
    this.disarm();
    for (const r of this.all) {
      if (r.running && r.interruptIfThinking()) {
        this.active--;
        this.free[r.scenarioIndex]!.push(r);
      }
    }
    this.checkIdle();
  }

  /**
   * Changes the schedule from `atSec` on (ArrivalSchedule.retarget): the arrival waiting to be
   * sent moves to its instant on the new curve, and the pacer re-arms. After a stop it does nothing.
   */
  retarget(atSec: number, stages: ReadonlyArray<{ durationMs: number; target: number }>, openEnd: boolean): void {
    if (this.stopped) return;
    const moved = this.o.schedule.retarget(atSec, stages, openEnd);
    if (this.scheduleDone) return;
    this.nextUs = moved;
    this.disarm();
    this.onTick();
  }

  /** The schedule's end, µs (Infinity while it ends in an open hold). */
  get scheduleEndUs(): number {
    return this.o.schedule.curve.durationSec * 1e6;
  }

  /** Ends every running iteration's pending think (the grace is over). */
  cancelAll(): void {
    for (const r of this.all) r.cancel();
  }

  /** Calls `visit` with the intended start (µs) of every request outstanding now. */
  visitOutstanding(visit: (intendedUs: number) => void): void {
    for (const r of this.all) r.visitOutstanding(visit);
  }

  /** The grace is over: records every outstanding request as a timeout at its age; returns how many. */
  abandonOutstanding(nowUs: number): number {
    let n = 0;
    for (const r of this.all) if (r.abandonOutstanding(nowUs)) n++;
    return n;
  }

  /** µs of precise-wait polling since the last call */
  takeSpinUs(): number {
    const s = this.idlePollUs;
    this.idlePollUs = 0;
    return s;
  }

  send(runner: Parameters<FlowHost['send']>[0]): void {
    this.o.pool.request(runner);
  }

  iterationDone(runner: VuRunner): void {
    this.active--;
    this.free[runner.scenarioIndex]!.push(runner);
    this.checkIdle();
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

  private onTick(): void {
    this.timer = null;
    this.immediate = null;
    if (this.stopped) return;
    let now = this.clock.nowUs();
    let fired = 0;
    if (this.polled && this.ioEpoch === this.lastTickEpoch && this.nextUs > now) {
      // nothing happened since the last poll: that interval was spent waiting on purpose
      this.idlePollUs += now - this.lastTickEndUs;
    }
    while (this.nextUs <= now && fired < MAX_BURST) {
      this.fire(this.nextUs, now);
      fired++;
      this.nextUs = this.o.schedule.next();
      if ((fired & 31) === 0) now = this.clock.nowUs();
    }
    if (this.nextUs === Infinity) {
      this.scheduleDone = true;
      this.checkIdle();
      return;
    }
    now = this.clock.nowUs();
    const waitUs = this.nextUs - now;
    const sleepMs = Math.floor((waitUs - this.o.spinUs) / 1000);
    if (sleepMs >= 1) {
      this.polled = false;
      this.timer = setTimeout(this.tick, sleepMs);
    } else {
      this.polled = true;
      this.immediate = setImmediate(this.tick);
    }
    this.lastTickEndUs = now;
    this.lastTickEpoch = this.ioEpoch;
  }

  private fire(intendedUs: number, nowUs: number): void {
    this.recorder.recordSendLag(nowUs - intendedUs, nowUs);
    if (this.active >= this.o.maxInFlight) {
      this.recorder.recordDropped(intendedUs, nowUs);
      return;
    }
    const si = this.o.scenarios.length === 1 ? 0 : this.o.pick();
    let r = this.free[si]!.pop();
    if (r === undefined) {
      r = this.o.createRunner(this, this.o.scenarios[si]!, si);
      this.all.push(r);
    }
    this.active++;
    r.start(intendedUs);
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private checkIdle(): void {
    if ((this.scheduleDone || this.stopped) && this.active === 0) this.o.onIdle();
  }
}
