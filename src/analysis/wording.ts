/**
 * How numbers read in the analysis's sentences (evidence, notes, statements): one place, so every
 * finding says "480 ms", "250 req/s", "3.2%" the same way. Reports format their own tables.
 */

/** Rounds to `digits` decimals (whole numbers from 100 up) and drops trailing zeros. */
export function num(x: number, digits = 1): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 100) return String(Math.round(x));
  const f = 10 ** digits;
  return String(Math.round(x * f) / f);
}

/** 2.3 ms, 480 ms, 1.25 s */
export function ms(x: number): string {
  if (x >= 1000) return `${num(x / 1000, 2)} s`;
  return x < 10 ? `${num(x, 1)} ms` : `${Math.round(x)} ms`;
}

/** 0.5 req/s, 250 req/s */
export function rps(x: number): string {
  return `${x < 10 ? num(x, 1) : Math.round(x)} req/s`;
}

/** a load figure on the curve's axis: req/s or VUs */
export function load(x: number, unit: string): string {
  return unit === 'VUs' ? `${num(x, 1)} VUs` : rps(x);
}

/** a fraction as a percentage: 0.032 → 3.2% */
export function pct(f: number): string {
  const p = f * 100;
  return `${p < 1 && p > 0 ? num(p, 2) : num(p, 1)}%`;
}

/** bytes in MiB/GiB: 84.5 MB, 1.2 GB (binary units, as RSS is reported) */
export function bytes(b: number): string {
  const mb = b / (1024 * 1024);
  return mb >= 1024 ? `${num(mb / 1024, 2)} GB` : `${num(mb, 1)} MB`;
}

/** a duration in seconds: 45 s, 12 min, 3.5 h */
export function duration(sec: number): string {
  if (sec < 120) return `${Math.round(sec)} s`;
  if (sec < 7200) return `${Math.round(sec / 60)} min`;
  return `${num(sec / 3600, 1)} h`;
}

/** a ratio: 2.5× */
export function times(x: number): string {
  return `${x >= 10 ? Math.round(x) : num(x, 1)}×`;
}
