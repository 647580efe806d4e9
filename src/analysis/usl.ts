/**
 * The Universal Scalability Law (Gunther):
 *
 *   X(N) = λN / (1 + σ(N − 1) + κN(N − 1))
 *
 * N concurrency, X throughput, λ the throughput of one unit of concurrency without overhead,
 * σ contention (the serial fraction: queueing on a shared resource), κ coherency (crosstalk:
 * every pair of workers exchanging state). With κ > 0 the curve peaks at
 *
 *   N* = sqrt((1 − σ) / κ)
 *
 * and falls beyond it (retrograde scaling).
 *
 * Fit: bounded nonlinear least squares on X (minimise Σ (X_i − X(N_i))², σ, κ, λ ≥ 0) by
 * Levenberg–Marquardt with Marquardt's diagonal scaling and an active set for the bounds,
 * from several starts, keeping the lowest residual. When N = 1 is measured, one start is
 * Gunther's normalised quadratic: with C(N) = X(N)/X(1),
 *
 *   N/C(N) − 1 = σ(N − 1) + κN(N − 1) = (σ + κ)·x + κ·x²   with x = N − 1,
 *
 * a linear least-squares fit without intercept, and λ = X(1). (The R package `usl` fits the
 * same model with nls' bounded "port" algorithm; on its SPEC SDM91 example both give
 * σ ≈ 0.02773, κ ≈ 0.0001044, λ ≈ 89.995.)
 */

export interface UslFit {
  sigma: number;
  kappa: number;
  lambda: number;
  /** N* = sqrt((1 − σ)/κ); null when κ = 0 or σ ≥ 1 (no peak) */
  peakConcurrency: number | null;
  /** X(N*), null without a peak */
  peakThroughput: number | null;
  /** 1 − SSres/SStot on X */
  r2: number;
  /** which penalty is larger at the largest measured N: σ(N−1) or κN(N−1); none when both < 1% */
  dominant: 'contention' | 'coherency' | 'none';
  /** points used */
  n: number;
}

/** X(N) for given parameters. */
export function uslThroughput(N: number, sigma: number, kappa: number, lambda: number): number {
  return (lambda * N) / (1 + sigma * (N - 1) + kappa * N * (N - 1));
}

type P = [number, number, number];

function sse(ns: readonly number[], xs: readonly number[], p: P): number {
  let s = 0;
  for (let i = 0; i < ns.length; i++) {
    const e = xs[i]! - uslThroughput(ns[i]!, p[0], p[1], p[2]);
    s += e * e;
  }
  return s;
}

/** Solves the small symmetric system A·x = b (Gaussian elimination with partial pivoting). */
function solve(A: number[][], b: number[]): number[] | null {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
    if (Math.abs(M[piv]![c]!) < 1e-300) return null;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= M[r]![k]! * x[k]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}

/** Levenberg–Marquardt from one start, parameters kept ≥ 0. */
function levenbergMarquardt(ns: readonly number[], xs: readonly number[], start: P): { p: P; sse: number } {
  let p: P = [Math.max(0, start[0]), Math.max(0, start[1]), Math.max(1e-12, start[2])];
  let cost = sse(ns, xs, p);
  let mu = 1e-3;
  for (let iter = 0; iter < 500; iter++) {
    // Jacobian of the model f(N) = λN/D, D = 1 + σ(N−1) + κN(N−1), and residuals r = X − f.
    const JtJ = [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    const Jtr = [0, 0, 0];
    for (let i = 0; i < ns.length; i++) {
      const N = ns[i]!;
      const D = 1 + p[0] * (N - 1) + p[1] * N * (N - 1);
      const f = (p[2] * N) / D;
      const J = [(-f * (N - 1)) / D, (-f * N * (N - 1)) / D, N / D];
      const r = xs[i]! - f;
      for (let a = 0; a < 3; a++) {
        Jtr[a]! += J[a]! * r;
        for (let b = 0; b < 3; b++) JtJ[a]![b]! += J[a]! * J[b]!;
      }
    }
    // Active set: a parameter sitting on its bound whose descent direction points outside stays fixed.
    const free = [0, 1, 2].filter((a) => p[a]! > 0 || Jtr[a]! > 0);
    let improved = false;
    for (let tries = 0; tries < 30 && !improved; tries++) {
      const A = free.map((a) => free.map((b) => JtJ[a]![b]! + (a === b ? mu * Math.max(JtJ[a]![a]!, 1e-300) : 0)));
      const step = solve(
        A,
        free.map((a) => Jtr[a]!),
      );
      if (!step) {
        mu *= 10;
        continue;
      }
      const q: P = [...p];
      free.forEach((a, k) => (q[a] = Math.max(0, p[a]! + step[k]!)));
      const c = sse(ns, xs, q);
      if (c < cost) {
        const rel = (cost - c) / Math.max(cost, 1e-300);
        p = q;
        cost = c;
        mu = Math.max(mu / 10, 1e-12);
        improved = true;
        if (rel < 1e-15) return { p, sse: cost };
      } else {
        mu *= 10;
      }
    }
    if (!improved) break;
  }
  return { p, sse: cost };
}

/** Gunther's normalised quadratic start (needs N = 1 among the points). */
function quadraticStart(ns: readonly number[], xs: readonly number[]): P | null {
  const i1 = ns.findIndex((n) => n === 1);
  if (i1 < 0 || !(xs[i1]! > 0)) return null;
  const x1 = xs[i1]!;
  // y = b·x + a·x², x = N − 1, y = N/C − 1; normal equations of the no-intercept fit.
  let sxx = 0;
  let sx3 = 0;
  let sx4 = 0;
  let sxy = 0;
  let sx2y = 0;
  for (let i = 0; i < ns.length; i++) {
    if (!(xs[i]! > 0)) continue;
    const x = ns[i]! - 1;
    const y = ns[i]! / (xs[i]! / x1) - 1;
    sxx += x * x;
    sx3 += x ** 3;
    sx4 += x ** 4;
    sxy += x * y;
    sx2y += x * x * y;
  }
  const sol = solve(
    [
      [sxx, sx3],
      [sx3, sx4],
    ],
    [sxy, sx2y],
  );
  if (!sol) return null;
  const [b, a] = sol as [number, number];
  const kappa = Math.max(0, a);
  return [Math.max(0, b - kappa), kappa, x1];
}

/**
 * Fits the USL to (N, X) points. Needs at least 3 points with N > 0 (the model has three
 * parameters); returns null otherwise or when X has no spread.
 */
export function fitUsl(nsIn: readonly number[], xsIn: readonly number[]): UslFit | null {
  const ns: number[] = [];
  const xs: number[] = [];
  for (let i = 0; i < Math.min(nsIn.length, xsIn.length); i++) {
    if (nsIn[i]! > 0 && Number.isFinite(xsIn[i]!) && xsIn[i]! >= 0) {
      ns.push(nsIn[i]!);
      xs.push(xsIn[i]!);
    }
  }
  if (ns.length < 3) return null;
  const meanX = xs.reduce((a, b) => a + b, 0) / xs.length;
  const ssTot = xs.reduce((a, x) => a + (x - meanX) ** 2, 0);
  if (ssTot === 0) return null;

  // λ guesses: the best per-unit throughput seen, and the lowest-N point's.
  const lo = ns.indexOf(Math.min(...ns));
  const lambdaMax = Math.max(...xs.map((x, i) => x / ns[i]!));
  const lambdaLow = xs[lo]! / ns[lo]!;
  const starts: P[] = [];
  const q = quadraticStart(ns, xs);
  if (q) starts.push(q);
  for (const sigma of [0, 0.01, 0.1, 0.5]) {
    for (const kappa of [0, 1e-4, 1e-2]) {
      starts.push([sigma, kappa, lambdaMax], [sigma, kappa, lambdaLow]);
    }
  }
  let best: { p: P; sse: number } | null = null;
  for (const s of starts) {
    const r = levenbergMarquardt(ns, xs, s);
    if (Number.isFinite(r.sse) && (!best || r.sse < best.sse)) best = r;
  }
  if (!best) return null;
  const [sigma, kappa, lambda] = best.p;
  const peak = kappa > 0 && sigma < 1 ? Math.sqrt((1 - sigma) / kappa) : null;
  const nMax = Math.max(...ns);
  const contention = sigma * (nMax - 1);
  const coherency = kappa * nMax * (nMax - 1);
  return {
    sigma,
    kappa,
    lambda,
    peakConcurrency: peak,
    peakThroughput: peak === null ? null : uslThroughput(peak, sigma, kappa, lambda),
    r2: 1 - best.sse / ssTot,
    dominant: Math.max(contention, coherency) < 0.01 ? 'none' : contention >= coherency ? 'contention' : 'coherency',
    n: ns.length,
  };
}
