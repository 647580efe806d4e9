/**
 * The open model's schedule: the intended start of each arrival, for one worker's share.
 *
 * Worker w of W takes the arrivals n ≡ w (mod W) of the one global sequence, so the union of all
 * workers' schedules is exactly the whole schedule and no two workers share an arrival (tested).
 * Round-robin rather than k6's contiguous segments because arrivals are interleaved in time: each
 * worker gets 1/W of the rate at every instant, including along ramps.
 *
 * Constant arrivals: t_n = A⁻¹(n) (rate-curve.ts). Poisson arrivals: t_n = A⁻¹(S_n) with S_n the
 * running sum of unit exponential gaps drawn from a seeded generator; every worker draws the whole
 * sequence (one `log` per arrival) and keeps its own, so the union is the same Poisson sample
 * whatever W is.
 */
import { RateCurve } from './rate-curve.js';
import type { Stage } from '../../plan/schema.js';
import { mulberry32, type Rng } from '../rng.js';

export interface ArrivalOptions {
  arrivals?: 'constant' | 'poisson';
  /** seed of the Poisson gaps (same seed → same schedule) */
  seed?: number;
  /** this worker's index, 0-based */
  worker?: number;
  /** number of workers sharing the schedule */
  workers?: number;
  /** a uniform [0,1) generator for the Poisson gaps (default: mulberry32(seed)) */
  random?: Rng;
}

export class ArrivalSchedule {
  readonly curve: RateCurve;
  /** global index of the next arrival this worker will return */
  private n: number;
  private readonly step: number;
  private readonly poisson: boolean;
  private readonly random: Rng;
  /** Poisson: S_n of the last global arrival drawn, and its index */
  private sum = 0;
  private drawn = -1;
  private readonly out = { tSec: 0, stage: 0 };
  /** stage of the arrival last returned by `next()` */
  stage = 0;
  /** global index of the arrival last returned by `next()` */
  index = -1;
  /** expected-count position (n, or S_n for Poisson) of the arrival last returned */
  private lastM = -1;

  constructor(stages: ReadonlyArray<Pick<Stage, 'durationMs' | 'target'>>, opts: ArrivalOptions = {}) {
    this.curve = new RateCurve(stages);
    const workers = opts.workers ?? 1;
    const worker = opts.worker ?? 0;
    if (!(workers >= 1 && worker >= 0 && worker < workers)) throw new RangeError(`worker ${worker} of ${workers}`);
    this.n = worker;
    this.step = workers;
    this.poisson = opts.arrivals === 'poisson';
    this.random = opts.random ?? mulberry32(opts.seed ?? 1);
  }

  /** Intended start (µs from the run's start, an integer) of this worker's next arrival; Infinity at the end. */
  next(): number {
    const n = this.n;
    let m: number;
    if (this.poisson) {
      // draw global gaps up to arrival n (the other workers' arrivals included)
      while (this.drawn < n) {
        // 1 − u is in (0, 1]: log never sees 0
        this.sum += -Math.log(1 - this.random());
        this.drawn++;
      }
      m = this.sum;
    } else {
      m = n;
    }
    this.curve.inverseInto(m, this.stage, this.out);
    if (this.out.tSec === Infinity) return Infinity;
    this.n += this.step;
    this.stage = this.out.stage;
    this.index = n;
    this.lastM = m;
    return Math.round(this.out.tSec * 1e6);
  }

  /**
   * Retargets the curve (RateCurve.retarget) and returns the new intended start (µs) of the
   * arrival last returned by `next()` (Infinity when the new curve ends before it, or when none
   * was returned yet): the pacer holds that arrival unsent and must wait for its new instant.
   * Every worker applies the same retarget, so the round-robin split stays exact.
   */
  retarget(atSec: number, stages: ReadonlyArray<Pick<Stage, 'durationMs' | 'target'>>, openEnd: boolean): number {
    this.curve.retarget(atSec, stages, openEnd);
    this.stage = 0;
    if (this.lastM < 0) return Infinity;
    this.curve.inverseInto(this.lastM, 0, this.out);
    if (this.out.tSec === Infinity) return Infinity;
    this.stage = this.out.stage;
    return Math.round(this.out.tSec * 1e6);
  }
}

/** The number of arrivals of the whole (constant) schedule: ⌈A(end)⌉. */
export function totalArrivals(stages: ReadonlyArray<Pick<Stage, 'durationMs' | 'target'>>): number {
  const a = new RateCurve(stages).totalExpected;
  return Math.ceil(a - 1e-9);
}
