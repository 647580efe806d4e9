/**
 * The only place that parses human units: durations ("250ms", "30s", "1m30s", "2h") and rates
 * ("100", "100/s", "6000/m"). Everything returned is in the unit named by the function.
 */

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|us|µs|s|m|h)/gy;

/**
 * A duration as a regular-expression source without anchors: a bare number (milliseconds) or
 * number+unit parts (`1m30s`). Matches exactly what `parseDurationMs` accepts (less surrounding
 * whitespace); the JSON Schema uses it so editors flag a bad duration as it is typed.
 */
export const DURATION_SOURCE = '(?:\\d+(?:\\.\\d+)?|(?:\\d+(?:\\.\\d+)?(?:ms|us|µs|s|m|h))+)';
const UNIT_MS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration into milliseconds. A bare number is milliseconds (k6's convention for
 * thresholds). Returns `undefined` when the text is not a duration.
 */
export function parseDurationMs(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  const text = input.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = DURATION_PART.exec(text)) !== null) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed = DURATION_PART.lastIndex;
  }
  return consumed === text.length && consumed > 0 ? total : undefined;
}

/** Formats milliseconds as the shortest readable duration: 250ms, 30s, 1m30s, 2h. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}

/** A think-time or jitter range: "1s..3s" (uniform) or a single "500ms". */
export interface DurationRangeMs {
  minMs: number;
  maxMs: number;
}

export function parseDurationRangeMs(input: string | number): DurationRangeMs | undefined {
  if (typeof input === 'string' && input.includes('..')) {
    const [a, b, ...rest] = input.split('..');
    if (rest.length) return undefined;
    const minMs = parseDurationMs(a!);
    const maxMs = parseDurationMs(b!);
    if (minMs === undefined || maxMs === undefined || maxMs < minMs) return undefined;
    return { minMs, maxMs };
  }
  const ms = parseDurationMs(input);
  return ms === undefined ? undefined : { minMs: ms, maxMs: ms };
}

/** Parses a rate into per-second: 100, "100", "100/s", "6000/m", "360000/h". */
export function parseRatePerSec(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(s|m|h|sec|min|hour))?\s*$/.exec(input);
  if (!m) return undefined;
  const per = m[2] ?? 's';
  const div = per.startsWith('h') ? 3600 : per.startsWith('m') ? 60 : 1;
  return Number(m[1]) / div;
}
