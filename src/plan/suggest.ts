/**
 * "Did you mean ...?" hints: the nearest known name within a small edit distance.
 * The vocabulary is read off the zod schema itself, so it never drifts from what is accepted.
 */
import { PlanSchema } from './schema.js';
import { METRICS } from './thresholds.js';
import { nearest } from './nearest.js';

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

/**
 * The closest candidate to `word`, or undefined when none is close (distance ≤ max(2, len/3)).
 * `kind` picks the candidate list: schema field names, metric names, or the given values.
 */
export function suggest(word: string, kind: 'field' | 'metric' | 'value' = 'field', values?: string[]): string | undefined {
  const candidates = kind === 'metric' ? Object.keys(METRICS) : kind === 'value' ? (values ?? []) : schemaKeys();
  return nearest(word, candidates);
}
