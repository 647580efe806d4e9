/**
 * The few statistics the analysis needs, written out so their assumptions are visible:
 * means, quantiles of plain numbers, rank correlation, and the Theil–Sen slope with Sen's
 * confidence interval. Inputs are plain arrays; non-finite values are the caller's to filter.
 */

/** Arithmetic mean; NaN for an empty array. */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Median (average of the two middle values for an even count); NaN for an empty array. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Average ranks (ties share the mean of their ranks), 1-based. */
export function ranks(xs: readonly number[]): number[] {
  const idx = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1]![0] === idx[i]![0]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[idx[k]![1]] = r;
    i = j + 1;
  }
  return out;
}

/** Pearson's correlation coefficient; 0 when either side has no variance or fewer than 2 pairs. */
export function pearson(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return 0;
  const mx = mean(xs.slice(0, n));
  const my = mean(ys.slice(0, n));
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return 0;
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * Spearman's rank correlation (Pearson's r of the ranks): how monotonically y moves with x,
 * whatever the shape. Used across steps ("does the dependency's latency rise with load?"),
 * where a handful of points and non-linear curves make Pearson's r misleading.
 */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  return pearson(ranks(xs), ranks(ys));
}

/** Spearman's ρ of two series next to the largest ρ their values allow. */
export interface RankAgreement {
  /** plain Spearman ρ */
  rho: number;
  /** ρ of the same values paired in the same order (both sorted ascending): the most ties allow */
  best: number;
  /** rho / best: 1 when y never falls as x rises; 0 when best ≤ 0 (one side has no variance) */
  relative: number;
}

/**
 * How monotonically y follows x, judged against what the values allow. Ties cap plain ρ below 1:
 * five load levels without a single error followed by one with 60% errors give ρ = 0.65, although
 * the errors could not have followed the load more closely. Signals that stay at zero until a
 * threshold — errors, throttled answers — have exactly that shape, so rules judge them by
 * `relative` = ρ / ρ_best, where ρ_best pairs the same values in the same order (by the
 * rearrangement inequality no pairing of these ranks correlates more). For values without ties
 * ρ_best = 1 and `relative` = ρ.
 */
export function rankAgreement(xs: readonly number[], ys: readonly number[]): RankAgreement {
  const n = Math.min(xs.length, ys.length);
  const rho = spearman(xs.slice(0, n), ys.slice(0, n));
  const asc = (a: number, b: number): number => a - b;
  const best = spearman([...xs.slice(0, n)].sort(asc), [...ys.slice(0, n)].sort(asc));
  return { rho, best, relative: best > 0 ? rho / best : 0 };
}

export interface TheilSen {
  /** median of the pairwise slopes (units of y per unit of x) */
  slope: number;
  intercept: number;
  /** Sen's (1968) confidence interval for the slope at `confidence` */
  slopeLow: number;
  slopeHigh: number;
  /** 1 − SSres/SStot of the residuals about the Theil–Sen line (may be negative for a poor line) */
  r2: number;
  n: number;
}

/** Standard normal quantile for the two-sided levels we use (Acklam-free: a short table). */
function zTwoSided(confidence: number): number {
  if (confidence >= 0.99) return 2.5758;
  if (confidence >= 0.95) return 1.96;
  if (confidence >= 0.9) return 1.6449;
  return 1.2816;
}

/**
 * Theil–Sen estimator: the slope is the median of the n(n−1)/2 pairwise slopes, robust to ~29%
 * outliers (GC sawtooth, a scrape that caught a spike). Intercept = median(y − slope·x).
 *
 * Sen's confidence interval: with N' pairwise slopes sorted ascending and the variance of
 * Kendall's S under no ties, Var(S) = n(n−1)(2n+5)/18, C = z·sqrt(Var(S)); the bounds are the
 * M1-th and (M2+1)-th slopes with M1 = (N' − C)/2, M2 = (N' + C)/2 (1-based). It assumes
 * independent residuals; a watcher's series are autocorrelated, so callers bin the series into
 * interval means first (which weakens the correlation) and still treat the bound as optimistic.
 */
export function theilSen(xs: readonly number[], ys: readonly number[], confidence = 0.95): TheilSen | null {
  const n = Math.min(xs.length, ys.length);
  if (n < 3) return null;
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = xs[j]! - xs[i]!;
      if (dx !== 0) slopes.push((ys[j]! - ys[i]!) / dx);
    }
  }
  if (slopes.length === 0) return null;
  slopes.sort((a, b) => a - b);
  const N = slopes.length;
  const slope = median(slopes);
  const intercept = median(Array.from({ length: n }, (_, i) => ys[i]! - slope * xs[i]!));
  const C = zTwoSided(confidence) * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
  const m1 = Math.max(1, Math.round((N - C) / 2));
  const m2 = Math.min(N, Math.round((N + C) / 2) + 1);
  const my = mean(ys.slice(0, n));
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    const e = ys[i]! - (intercept + slope * xs[i]!);
    ssRes += e * e;
    ssTot += (ys[i]! - my) ** 2;
  }
  return {
    slope,
    intercept,
    slopeLow: slopes[m1 - 1]!,
    slopeHigh: slopes[m2 - 1]!,
    r2: ssTot === 0 ? 0 : 1 - ssRes / ssTot,
    n,
  };
}

/**
 * Bins (x, y) pairs into at most `maxBins` consecutive groups of equal count and returns the
 * groups' means. Keeps Theil–Sen at O(maxBins²) on hour-long series and reduces autocorrelation.
 */
export function binMeans(xs: readonly number[], ys: readonly number[], maxBins: number): { xs: number[]; ys: number[] } {
  const n = Math.min(xs.length, ys.length);
  if (n <= maxBins) return { xs: xs.slice(0, n), ys: ys.slice(0, n) };
  const bx: number[] = [];
  const by: number[] = [];
  for (let b = 0; b < maxBins; b++) {
    const from = Math.floor((b * n) / maxBins);
    const to = Math.floor(((b + 1) * n) / maxBins);
    if (to <= from) continue;
    bx.push(mean(xs.slice(from, to)));
    by.push(mean(ys.slice(from, to)));
  }
  return { xs: bx, ys: by };
}

/** Clamps to [lo, hi]. */
export function clamp(x: number, lo = 0, hi = 1): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/**
 * Maps a value onto 0..1 linearly between `from` (→ 0) and `to` (→ 1), clamped. The rules build
 * their confidence from such ramps: "0 at 50% CPU, 1 at 90%".
 */
export function ramp(x: number, from: number, to: number): number {
  if (!Number.isFinite(x)) return 0;
  return clamp((x - from) / (to - from));
}
