/**
 * Bounds on the time a foreign file may span. Importers build per-second timelines; one absurd
 * timestamp in a garbled file (`1e12`, a year far in the future) would otherwise stretch a run
 * across decades and make the timeline walk billions of empty seconds (issue 17: `import` hung).
 * A span beyond the bound is bad input (exit 2) located at the record that stretched it.
 */
import { fileError, type SourceFile } from './source-file.js';

/** The longest run loadproof imports: 7 days (604,800 one-second intervals). */
export const MAX_RUN_SPAN_MS = 7 * 86_400_000;
/** Wall-clock timestamps are accepted from 1990 to 2200 (epoch ms). */
const MIN_EPOCH_MS = Date.UTC(1990, 0, 1);
const MAX_EPOCH_MS = Date.UTC(2200, 0, 1);

const days = (ms: number): string => {
  const d = ms / 86_400_000;
  return Number.isFinite(d) && d < 1e6 ? `${Math.round(d * 10) / 10} days` : 'an absurd length';
};

/** Fails when `spanMs` (a run length, or how far one record lies from the others) exceeds the bound. */
export function checkSpan(file: SourceFile, line: number | string | undefined, spanMs: number, what: string): void {
  if (Number.isFinite(spanMs) && Math.abs(spanMs) <= MAX_RUN_SPAN_MS) return;
  throw fileError(
    file,
    line,
    `${what} would make the run span ${days(Math.abs(spanMs))}; loadproof imports runs up to ${days(MAX_RUN_SPAN_MS)} long`,
    'the timestamp looks garbled: check this record',
  );
}

/** Fails unless `ms` is a wall-clock time between 1990 and 2200. */
export function checkEpochMs(file: SourceFile, line: number | string | undefined, ms: number, what: string): void {
  if (Number.isFinite(ms) && ms >= MIN_EPOCH_MS && ms < MAX_EPOCH_MS) return;
  const shown = Number.isFinite(ms) ? String(ms) : String(ms);
  throw fileError(file, line, `expected ${what} in epoch milliseconds between 1990 and 2200, found ${shown}`, 'the timestamp looks garbled: check this record');
}
