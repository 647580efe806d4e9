/**
 * Kneedle (Satopää, Albrecht, Irwin, Raghavan, "Finding a 'Kneedle' in a Haystack: Detecting
 * Knee Points in System Behavior", ICDCSW 2011), without the optional smoothing step.
 *
 * For a curve given as points (x_i, y_i) with x ascending:
 *   1. Normalise:  x̂ = (x − min x)/(max x − min x),  ŷ likewise, both into [0, 1].
 *   2. Transform to the paper's base case, a concave increasing curve:
 *        concave increasing  ŷ                       (as is)
 *        convex  decreasing  ŷ → 1 − ŷ               (mirror in y)
 *        concave decreasing  mirror in x: x̂ → 1 − x̂ (the points are read right to left)
 *        convex  increasing  both mirrors: x̂ → 1 − x̂ and ŷ → 1 − ŷ
 *      (kneed flips the y array instead of mirroring x; the two agree for evenly spaced x, and
 *      mirroring is the correct transform when the spacing is uneven.)
 *   3. Difference curve:  d_i = ŷ_i − x̂_i.
 *   4. Local maxima of d (d_i ≥ both neighbours; an end point compares with its one neighbour,
 *      as numpy's argrelextrema with `greater_equal` does) and local minima likewise.
 *   5. Each local maximum i gets a threshold  T_i = d_i − S · mean(x̂_{k+1} − x̂_k).
 *   6. Walk right from the first local maximum: at a maximum take its threshold; at a minimum
 *      reset the threshold to 0 (wait for the next maximum); if a later d_j falls below the
 *      current threshold before the next maximum, the current maximum is a knee.
 *      Offline: the first knee found. Online: keep walking and report every knee; the last one
 *      is the answer (the system's latest regime).
 * S (sensitivity, default 1) trades early detection against false knees; the paper finds S = 1
 * works well offline.
 */

export type KneeCurve = 'concave' | 'convex';
export type KneeDirection = 'increasing' | 'decreasing';

export interface KneedleOptions {
  curve?: KneeCurve;
  direction?: KneeDirection;
  /** sensitivity S ≥ 0 (default 1) */
  sensitivity?: number;
  /** report every knee (`allKnees`) and the last one as `knee` */
  online?: boolean;
}

export interface KneePoint {
  /** index into the input arrays */
  index: number;
  x: number;
  y: number;
}

export interface KneedleResult {
  /** null when the curve has no knee (e.g. a straight line) */
  knee: KneePoint | null;
  /** every knee found, in the order found (online mode; offline it holds at most one) */
  allKnees: KneePoint[];
  /** the difference curve d_i in the transformed frame, in input order, for plots and tests */
  difference: number[];
  /** the normalised knee x̂ in [0, 1] (input frame), null without a knee */
  normKnee: number | null;
}

/** Runs Kneedle on (xs, ys). xs must be strictly increasing; at least 3 points give a knee. */
export function kneedle(xs: readonly number[], ys: readonly number[], opts: KneedleOptions = {}): KneedleResult {
  const curve = opts.curve ?? 'concave';
  const direction = opts.direction ?? 'increasing';
  const S = opts.sensitivity ?? 1;
  const n = Math.min(xs.length, ys.length);
  const none: KneedleResult = { knee: null, allKnees: [], difference: [], normKnee: null };
  if (n < 3) return none;
  for (let i = 1; i < n; i++) {
    if (!(xs[i]! > xs[i - 1]!)) throw new RangeError('kneedle: x must be strictly increasing');
  }
  const xMin = xs[0]!;
  const xMax = xs[n - 1]!;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (let i = 0; i < n; i++) {
    yMin = Math.min(yMin, ys[i]!);
    yMax = Math.max(yMax, ys[i]!);
  }
  if (yMax === yMin) return { ...none, difference: new Array<number>(n).fill(0) };
  const xn = Array.from({ length: n }, (_, i) => (xs[i]! - xMin) / (xMax - xMin));
  const yn = Array.from({ length: n }, (_, i) => (ys[i]! - yMin) / (yMax - yMin));

  // Transformed frame: position k holds input index idx(k).
  const mirrorX = (curve === 'concave' && direction === 'decreasing') || (curve === 'convex' && direction === 'increasing');
  const mirrorY = curve === 'convex';
  const idx = (k: number): number => (mirrorX ? n - 1 - k : k);
  const tx = Array.from({ length: n }, (_, k) => (mirrorX ? 1 - xn[idx(k)]! : xn[idx(k)]!));
  const ty = Array.from({ length: n }, (_, k) => (mirrorY ? 1 - yn[idx(k)]! : yn[idx(k)]!));
  const d = Array.from({ length: n }, (_, k) => ty[k]! - tx[k]!);

  const isMax = (k: number): boolean => (k === 0 || d[k]! >= d[k - 1]!) && (k === n - 1 || d[k]! >= d[k + 1]!);
  const isMin = (k: number): boolean => (k === 0 || d[k]! <= d[k - 1]!) && (k === n - 1 || d[k]! <= d[k + 1]!);
  let meanDx = 0;
  for (let k = 1; k < n; k++) meanDx += tx[k]! - tx[k - 1]!;
  meanDx /= n - 1;

  const firstMax = Array.from({ length: n }, (_, k) => k).find(isMax);
  const difference = Array.from({ length: n }, (_, i) => d[mirrorX ? n - 1 - i : i]!);
  if (firstMax === undefined) return { ...none, difference };

  const allKnees: KneePoint[] = [];
  let threshold = 0;
  let thresholdK = firstMax;
  for (let k = firstMax; k < n - 1; k++) {
    if (isMax(k)) {
      threshold = d[k]! - S * Math.abs(meanDx);
      thresholdK = k;
    }
    if (isMin(k)) threshold = 0;
    if (d[k + 1]! < threshold) {
      const i = idx(thresholdK);
      if (!allKnees.some((p) => p.index === i)) allKnees.push({ index: i, x: xs[i]!, y: ys[i]! });
      if (!opts.online) break;
    }
  }
  const knee = allKnees.length ? allKnees[allKnees.length - 1]! : null;
  return { knee, allKnees, difference, normKnee: knee ? xn[knee.index]! : null };
}
