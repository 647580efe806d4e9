/**
 * The offered load as a function of time: piecewise linear through the stages (k6's
 * ramping-arrival-rate), with its cumulative integral and that integral's inverse. Pure maths, no
 * I/O, no clock: the pacer that sends lives in open-model.ts.
 *
 * Stage i lasts D_i seconds and ramps linearly from the previous stage's target r_{i-1} (r_{-1} = 0)
 * to its own target r_i. With T_i its start time and τ = t − T_i, the rate inside it is
 *
 *     r(t) = r_{i-1} + k_i·τ,        k_i = (r_i − r_{i-1}) / D_i
 *
 * and the expected number of arrivals since the start of the run is
 *
 *     A(t) = A(T_i) + r_{i-1}·τ + k_i·τ²/2.
 *
 * The n-th arrival (n = 0, 1, 2, …) is intended at t_n = A⁻¹(n): the instant the expected count
 * reaches n. For a constant rate R this is n/R (0, 1/R, 2/R, … — Vegeta's constant pacer); on a
 * ramp it solves k·τ²/2 + r·τ − m = 0 with m = n − A(T_i):
 *
 *     τ = 2m / (r + √(r² + 2·k·m))
 *
 * the form of the quadratic root that stays exact when k → 0 (it becomes m/r) and does not cancel
 * when k < 0 (a ramp down). A zero-length stage is a jump: no arrivals, the rate steps to its target.
 * The run's arrivals are those with t_n < T_end, i.e. n < A(T_end): their count is ⌈A(T_end)⌉.
 *
 * Retargeting (`retarget`, the breakpoint's adaptive refinement): the curve is cut at an instant
 * T* not yet reached and continues with new stages from the rate it had there, r(T*); A(t) for
 * t ≤ T* is unchanged, so every arrival intended before T* keeps its instant. The new stages may
 * end in an open hold (a last segment of infinite length at the last target): the load stays there
 * until the next retarget.
 *
 * Poisson arrivals use the same inverse: with unit-mean exponential gaps E_k, the instants
 * A⁻¹(E_1 + … + E_n) form a Poisson process whose intensity follows r(t) (the time-change theorem),
 * so ramps keep their shape.
 */
import type { Stage } from '../../plan/schema.js';

interface Segment {
  /** start, seconds */
  t0: number;
  /** length, seconds */
  dur: number;
  /** rate at the start, per second */
  r0: number;
  /** slope, per second² */
  k: number;
  /** A(t0) */
  a0: number;
  /** A(t0 + dur) */
  a1: number;
}

export class RateCurve {
  private readonly segs: Segment[];
  /** total length, seconds (Infinity with an open hold) */
  durationSec: number;
  /** A(end): the expected number of arrivals in the whole run (Infinity with an open hold) */
  totalExpected: number;

  constructor(stages: ReadonlyArray<Pick<Stage, 'durationMs' | 'target'>>) {
    this.segs = [];
    let t = 0;
    let a = 0;
    let prev = 0;
    for (const s of stages) {
      const dur = s.durationMs / 1000;
      const k = dur > 0 ? (s.target - prev) / dur : 0;
      const add = dur > 0 ? ((prev + s.target) / 2) * dur : 0;
      this.segs.push({ t0: t, dur, r0: prev, k, a0: a, a1: a + add });
      t += dur;
      a += add;
      prev = s.target;
    }
    this.durationSec = t;
    this.totalExpected = a;
  }

  /**
   * Cuts the curve at `atSec` (which must lie within it) and continues with `stages`, the first
   * ramping from r(atSec); with `openEnd` the last target is then held without end. Arrivals
   * intended before `atSec` keep their instants (A is unchanged up to it).
   */
  retarget(atSec: number, stages: ReadonlyArray<Pick<Stage, 'durationMs' | 'target'>>, openEnd: boolean): void {
    if (!(atSec >= 0 && atSec <= this.durationSec)) throw new RangeError(`retarget at ${atSec}s: the curve ends at ${this.durationSec}s`);
    let keep = 0;
    let rate = 0;
    let a = 0;
    for (; keep < this.segs.length; keep++) {
      const s = this.segs[keep]!;
      if (atSec < s.t0 + s.dur || keep === this.segs.length - 1) {
        // cut this segment at atSec
        const tau = Math.max(0, Math.min(s.dur, atSec - s.t0));
        rate = s.r0 + s.k * tau;
        a = s.a0 + s.r0 * tau + (s.k * tau * tau) / 2;
        s.dur = tau;
        s.a1 = a;
        keep++;
        break;
      }
    }
    this.segs.length = keep;
    let t = atSec;
    let prev = rate;
    for (const st of stages) {
      const dur = st.durationMs / 1000;
      const k = dur > 0 ? (st.target - prev) / dur : 0;
      const add = dur > 0 ? ((prev + st.target) / 2) * dur : 0;
      this.segs.push({ t0: t, dur, r0: prev, k, a0: a, a1: a + add });
      t += dur;
      a += add;
      prev = st.target;
    }
    if (openEnd && prev > 0) {
      this.segs.push({ t0: t, dur: Infinity, r0: prev, k: 0, a0: a, a1: Infinity });
      t = Infinity;
      a = Infinity;
    }
    this.durationSec = t;
    this.totalExpected = a;
  }

  /** number of stages */
  get stages(): number {
    return this.segs.length;
  }

  /** Stage index at time t (s); zero-length stages are never current. Past the end: the last. */
  stageAt(tSec: number): number {
    for (let i = 0; i < this.segs.length; i++) {
      const s = this.segs[i]!;
      if (tSec < s.t0 + s.dur) return i;
    }
    return this.segs.length - 1;
  }

  /** r(t), per second (0 outside the run). */
  rateAt(tSec: number): number {
    if (tSec < 0 || tSec >= this.durationSec) return 0;
    const s = this.segs[this.stageAt(tSec)]!;
    return s.r0 + s.k * (tSec - s.t0);
  }

  /** A(t): expected arrivals in [0, t). */
  cumulative(tSec: number): number {
    if (tSec <= 0) return 0;
    if (tSec >= this.durationSec) return this.totalExpected;
    const s = this.segs[this.stageAt(tSec)]!;
    const tau = tSec - s.t0;
    return s.a0 + s.r0 * tau + (s.k * tau * tau) / 2;
  }

  /** Expected arrivals in [from, to): the mean offered rate of a one-second interval. */
  expectedBetween(fromSec: number, toSec: number): number {
    return this.cumulative(toSec) - this.cumulative(fromSec);
  }

  /**
   * A⁻¹(m): the instant (s) the expected count reaches m, searching stages from `hint` on (pass
   * the last result's stage to make a sequential walk O(1)). Returns Infinity when m ≥ A(end).
   */
  inverse(m: number, hint = 0): { tSec: number; stage: number } {
    const r = { tSec: Infinity, stage: this.segs.length - 1 };
    this.inverseInto(m, hint, r);
    return r;
  }

  /** Allocation-free `inverse`: writes into `out`. */
  inverseInto(m: number, hint: number, out: { tSec: number; stage: number }): void {
    if (!(m < this.totalExpected)) {
      out.tSec = Infinity;
      out.stage = this.segs.length - 1;
      return;
    }
    let i = hint > 0 && hint < this.segs.length && this.segs[hint]!.a0 <= m ? hint : 0;
    // first stage whose interval [a0, a1) holds m and that has arrivals at all
    while (i < this.segs.length - 1 && !(m < this.segs[i]!.a1)) i++;
    const s = this.segs[i]!;
    const dm = m - s.a0;
    let tau: number;
    if (dm <= 0) {
      tau = 0;
    } else {
      const disc = s.r0 * s.r0 + 2 * s.k * dm;
      const den = s.r0 + Math.sqrt(disc > 0 ? disc : 0);
      tau = den > 0 ? (2 * dm) / den : 0;
      if (tau > s.dur) tau = s.dur; // rounding at the stage's end
    }
    out.tSec = s.t0 + tau;
    out.stage = i;
  }
}
