/**
 * `expect` checks: each condition is one check, counted in the `checks` metric (passes / fails).
 * A failed check never fails the request (k6's `check()`): the request's error status is decided
 * by the HTTP client alone.
 *
 *   expect:
 *     status: 200            (or [200, 201])   "status is 200" / "status in [200, 201]"
 *     maxDuration: 200ms                       "duration <= 200ms"  (the engine's latency figure)
 *     contains: '"ok":true'                    'body contains "\"ok\":true"'
 *     json: { "$.ok": true, "$.items[*].id": [1, 2] }   "$.ok equals true"
 *
 * JSONPath checks compare with deep equality. A definite path (`$.a.b[0]`) compares the one value
 * it names; any other path (`$..id`, `[*]`, filters) compares the list of all its matches, so
 * `"$.items[*].id": [1, 2]` means "exactly these ids, in this order". A body that is not JSON
 * fails every JSONPath check.
 *
 * Check names are stable (they do not contain observed values) so that failures can be counted per
 * name across millions of requests.
 */
import type { Expect } from '../../plan/schema.js';
import { compileJsonPath } from './jsonpath.js';
import { NOT_JSON, bodyJson, bodyText, type ResponseView } from './response.js';

export type { Expect } from '../../plan/schema.js';

/** An `expect` block as the schema produces it, or written by hand (every condition optional). */
export type ExpectSpec = Partial<Expect>;

export interface CheckOutcome {
  passes: number;
  fails: number;
  /** names of the failed checks, e.g. `status is 200` */
  failed: string[];
}

interface Check {
  name: string;
  run(res: ResponseView): boolean;
}

/** Checks compiled at plan load. */
export interface CompiledExpect {
  /** every check's name, in evaluation order */
  readonly names: readonly string[];
  run(res: ResponseView): CheckOutcome;
}

/** Deep equality of JSON values (objects compared by own keys, regardless of key order). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  for (const k of keys) if (!Object.prototype.hasOwnProperty.call(bo, k) || !jsonEqual(ao[k], bo[k])) return false;
  return true;
}

function formatMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Compiles an `expect` block; `where` is its field path (JSONPath errors name `where.json.<path>`). */
export function compileExpect(expect: ExpectSpec, where?: string): CompiledExpect {
  const checks: Check[] = [];
  if (expect.status !== undefined) {
    const list = Array.isArray(expect.status) ? expect.status : [expect.status];
    if (list.length === 1) {
      const want = list[0]!;
      checks.push({ name: `status is ${want}`, run: (res) => res.status === want });
    } else {
      const set = new Set(list);
      checks.push({ name: `status in [${list.join(', ')}]`, run: (res) => set.has(res.status) });
    }
  }
  if (expect.maxDurationMs !== undefined) {
    const max = expect.maxDurationMs;
    checks.push({ name: `duration <= ${formatMs(max)}`, run: (res) => res.durationMs <= max });
  }
  if (expect.contains !== undefined) {
    const needle = expect.contains;
    checks.push({ name: `body contains ${JSON.stringify(needle)}`, run: (res) => bodyText(res).includes(needle) });
  }
  for (const [path, want] of Object.entries(expect.json ?? {})) {
    const q = compileJsonPath(path, where === undefined ? undefined : `${where}.json.${path}`);
    checks.push({
      name: `${q.source} equals ${JSON.stringify(want)}`,
      run(res) {
        const doc = bodyJson(res);
        if (doc === NOT_JSON) return false;
        return jsonEqual(q.definite ? q.first(doc) : q.all(doc), want);
      },
    });
  }
  const names = checks.map((c) => c.name);
  return {
    names,
    run(res) {
      let passes = 0;
      const failed: string[] = [];
      for (const c of checks) {
        if (c.run(res)) passes++;
        else failed.push(c.name);
      }
      return { passes, fails: failed.length, failed };
    },
  };
}

const compiledByExpect = new WeakMap<ExpectSpec, CompiledExpect>();

function isCompiled(x: ExpectSpec | CompiledExpect): x is CompiledExpect {
  return typeof (x as CompiledExpect).run === 'function';
}

/**
 * Runs the checks of an `expect` block on a response. Accepts compiled checks (the fast path) or
 * the plan's `expect` object (compiled on first use and cached per object).
 */
export function runChecks(expect: ExpectSpec | CompiledExpect, res: ResponseView): CheckOutcome {
  if (isCompiled(expect)) return expect.run(res);
  let c = compiledByExpect.get(expect);
  if (!c) {
    c = compileExpect(expect);
    compiledByExpect.set(expect, c);
  }
  return c.run(res);
}
