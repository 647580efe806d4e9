/**
 * "Did you mean ...?" hints: the nearest known name within a small edit distance.
 * The vocabulary is read off the zod schema itself, so it never drifts from what is accepted.
 */
import { PlanSchema } from './schema.js';
import { METRICS } from './thresholds.js';

let vocabulary: string[] | undefined;

/** Every object key that appears anywhere in the plan schema. */
function schemaKeys(): string[] {
  if (vocabulary) return vocabulary;
  const keys = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (s: unknown): void => {
    if (!s || typeof s !== 'object' || seen.has(s)) return;
    seen.add(s);
    const def = (s as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return;
    if (def.shape && typeof def.shape === 'object') {
      for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) {
        keys.add(k);
        walk(v);
      }
    }
    for (const field of ['innerType', 'element', 'in', 'out', 'valueType', 'schema']) walk(def[field]);
    if (Array.isArray(def.options)) def.options.forEach(walk);
  };
  walk(PlanSchema);
  vocabulary = [...keys];
  return vocabulary;
}

/** Levenshtein distance, early exit above `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The closest candidate to `word`, or undefined when none is close (distance ≤ max(2, len/3)).
 * `kind` picks the candidate list: schema field names, metric names, or the given values.
 */
export function suggest(word: string, _path: readonly PropertyKey[], kind: 'field' | 'metric' | 'value' = 'field', values?: string[]): string | undefined {
  const candidates = kind === 'metric' ? Object.keys(METRICS) : kind === 'value' ? (values ?? []) : schemaKeys();
  const lower = word.toLowerCase();
  const max = Math.max(2, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestD = max + 1;
  for (const c of candidates) {
    if (c === word) continue;
    const d = c.toLowerCase() === lower ? 0 : editDistance(lower, c.toLowerCase(), max);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}
