/**
 * Series labels: the `<label>` part of `process.<label>.cpuPct`. Dots separate the parts of a series
 * name, so a label keeps letters, digits, `_` and `-` and turns anything else into `_`.
 */
export function seriesLabel(raw: string): string {
  const s = raw.replace(/[^A-Za-z0-9_-]/g, '_');
  return s.length > 0 ? s : '_';
}
