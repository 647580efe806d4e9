/**
 * Number formatting for every report, in one place, so the Markdown, the HTML, the JUnit messages
 * and the terminal summary say the same thing the same way.
 *
 * Precision follows what the measurement can support: HdrHistogram keeps 3 significant digits, so
 * latencies never show more than 3 (0.42 ms, 4.21 ms, 42.1 ms, 421 ms, 4,210 ms). Rates are whole
 * requests per second above 10 req/s. Ratios are shown as percentages.
 *
 * Output is plain ASCII apart from the thin forms used by callers; grouping is done by hand so it
 * does not depend on the ICU data the Node.js build carries.
 */
import { formatDurationMs } from '../plan/units.js';

/** "—" for a value that was not recorded. */
export const NONE = '—';

/** 1234567 → "1,234,567" (integers; other values are rounded first). */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return NONE;
  const neg = n < 0;
  const digits = String(Math.round(Math.abs(n)));
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return neg ? `-${grouped}` : grouped;
}

/** A number with `decimals` decimals, grouped above 1,000. */
function grouped(n: number, decimals: number): string {
  const fixed = Math.abs(n).toFixed(decimals);
  const [int, frac] = fixed.split('.');
  const g = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 ? '-' : ''}${g}${frac !== undefined ? `.${frac}` : ''}`;
}

/** Latency value without unit, 3 significant digits at most: 0.42, 4.21, 42.1, 421, 4,210. */
export function formatMsValue(ms: number): string {
  if (!Number.isFinite(ms)) return NONE;
  const a = Math.abs(ms);
  if (a === 0) return '0';
  if (a < 10) return grouped(ms, 2);
  if (a < 100) return grouped(ms, 1);
  return grouped(ms, 0);
}

/** "2.30" → "2.3", "30.0" → "30", "1,200" unchanged. */
export function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** Latency with unit: "42.1 ms". */
export function formatMs(ms: number | null | undefined): string {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? NONE : `${formatMsValue(ms)} ms`;
}

/** Rate value without unit: 1 decimal below 10 req/s, whole numbers above. */
export function formatRateValue(perSec: number): string {
  if (!Number.isFinite(perSec)) return NONE;
  return Math.abs(perSec) < 10 && perSec !== 0 && !Number.isInteger(perSec) ? grouped(perSec, 1) : grouped(perSec, 0);
}

/** Requests per second with unit: "225 req/s". */
export function formatRps(perSec: number | null | undefined): string {
  return perSec === null || perSec === undefined || !Number.isFinite(perSec) ? NONE : `${formatRateValue(perSec)} req/s`;
}

/**
 * A ratio (0..1) as a percentage: "0%", "0.12%", "2.3%", "45.2%", "30%", "99.97%", "100%".
 * Two decimals below 10% (a 1% error budget needs them), one above; exact 0 and 1 stay short.
 * Non-zero values that would round to 0.00% show as "<0.01%" so they never read as zero.
 */
export function formatPct(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return NONE;
  const pct = ratio * 100;
  if (pct === 0) return '0%';
  if (pct === 100) return '100%';
  if (Math.abs(pct) < 0.005) return '<0.01%';
  // Near 100% the complement matters (99.97% of checks passed is not 100%): two decimals there,
  // and a value that would still round to 100 says so.
  if (pct > 99 && pct < 100) return pct > 99.995 ? '>99.99%' : `${trimZeros(pct.toFixed(2))}%`;
  // Trailing zeros say nothing: 30% not 30.0%, 2.3% not 2.30%.
  return `${trimZeros(grouped(pct, Math.abs(pct) < 10 ? 2 : 1))}%`;
}

/** A plain number with up to `significant` significant digits (USL coefficients, r²). */
export function formatNumber(n: number | null | undefined, significant = 3): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return NONE;
  if (n === 0) return '0';
  const a = Math.abs(n);
  if (a >= 10 ** significant) return grouped(n, 0);
  // toPrecision may use exponent form for tiny values; keep it for those (e.g. 2.1e-5) as it is exact.
  const s = n.toPrecision(significant);
  return s.includes('e') ? s : String(Number(s));
}

/** Bytes in binary units: "512 B", "48.2 MiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return NONE;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)} ${units[i]}`;
}

/** Seconds as a readable duration: "45s", "1m50s" (the plan's own unit formatter). */
export function formatSeconds(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec)) return NONE;
  return formatDurationMs(sec * 1000);
}

/** A value in a watched series' unit, for tables and evidence: "%", "bytes", "ms", "/s", or a count. */
export function formatSeriesValue(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NONE;
  switch (unit) {
    case '%':
      return `${formatNumber(value, 3)}%`;
    case 'bytes':
      return formatBytes(value);
    case 'ms':
      return formatMs(value);
    case '/s':
      return `${formatNumber(value, 3)}/s`;
    case 'ratio':
      return formatPct(value);
    case 'count':
    case '':
      return formatNumber(value, 3);
    default:
      return unit ? `${formatNumber(value, 3)} ${unit}` : formatNumber(value, 3);
  }
}

/** An ISO 8601 time as "2025-06-14 09:30 UTC" (reports read the same wherever they are opened). */
export function formatTimestamp(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

/** The date part of an ISO 8601 time, "2025-06-14" (UTC), for titles. */
export function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 10);
}
