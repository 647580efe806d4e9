/**
 * JSONPath for captures (`capture: { token: "$.token" }`) and checks (`expect.json`).
 *
 * Two evaluators behind one compiled query, chosen at plan load:
 * - Definite paths — `$.a.b[0]`, `$.a.0`, `$['x y']`, `$["k"][2]` (names and non-negative indexes only) —
 *   compile to a segment list walked directly. These are nearly all real captures.
 * - Everything else — `$..a`, `[*]`, slices, filters `[?(@.ok)]`, unions — goes to `jsonpath-plus`
 *   (maintained, broad syntax; filters run in its "safe" evaluator, never `eval`).
 *
 * Why both: measured on this machine (bench-style loop, Node 20), jsonpath-plus takes ≈2.5 µs for
 * `$.token` and ≈15–37 µs for `[*]`/`..` on a 20-item document, while the segment walk takes
 * ≈0.04–0.1 µs. wrk spends ≈8.5 µs of CPU on a whole request (MEASURED.md), so 2.5 µs per capture on
 * every request would be a visible tax; the library stays for the expressive forms, where users
 * pay for what they ask. Semantics agree on the definite subset: own properties of objects, in-range
 * indexes of arrays, nothing else (so `$.list.length` does not read an array's length).
 */
import { createRequire } from 'node:module';
import { ExitCode, LoadproofError } from '../../errors.js';

type JsonPathFn = (typeof import('jsonpath-plus'))['JSONPath'];
let jsonPathPlus: JsonPathFn | null = null;

/**
 * jsonpath-plus, loaded when the first non-definite path is compiled: most plans have none, and
 * the load worker then starts without it (its CommonJS build, loaded synchronously).
 */
function libraryJsonPath(): JsonPathFn {
  jsonPathPlus ??= (createRequire(import.meta.url)('jsonpath-plus') as { JSONPath: JsonPathFn }).JSONPath;
  return jsonPathPlus;
}

/** A compiled JSONPath query. */
export interface JsonPathQuery {
  /** the path as written */
  readonly source: string;
  /** true when the path names at most one value (no wildcard, descent, slice, filter or union) */
  readonly definite: boolean;
  /** every match, in document order ([] when none) */
  all(doc: unknown): unknown[];
  /** the first match, or undefined when there is none */
  first(doc: unknown): unknown;
}

type Segment = string | number;

const hasOwn = Object.prototype.hasOwnProperty;

function walkDefinite(doc: unknown, segments: readonly Segment[]): unknown {
  let cur = doc;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (typeof seg === 'number') {
      if (!Array.isArray(cur) || seg >= cur.length) return undefined;
      cur = cur[seg];
    } else {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !hasOwn.call(cur, seg)) return undefined;
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  return cur;
}

/**
 * Parses a definite path into segments, or returns undefined when the path uses anything beyond
 * `.name`, `['name']`, `["name"]` and `[N]`.
 */
function parseDefinite(path: string): Segment[] | undefined {
  if (path[0] !== '$') return undefined;
  const segments: Segment[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      const m = /^(?:[A-Za-z_$][A-Za-z0-9_$-]*|\d+)/.exec(path.slice(i + 1));
      if (!m) return undefined; // `..`, `.*`, `.` at the end
      // `.0` is an index, as in jsonpath-plus
      segments.push(/^\d/.test(m[0]) ? Number(m[0]) : m[0]);
      i += 1 + m[0].length;
    } else if (c === '[') {
      const rest = path.slice(i);
      const idx = /^\[\s*(\d+)\s*\]/.exec(rest);
      const quoted = /^\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]/.exec(rest);
      if (idx) {
        segments.push(Number(idx[1]));
        i += idx[0].length;
      } else if (quoted) {
        segments.push((quoted[1] ?? quoted[2]!).replace(/\\(.)/g, '$1'));
        i += quoted[0].length;
      } else {
        return undefined;
      }
    } else {
      return undefined;
    }
  }
  return segments;
}

function invalid(path: string, where: string | undefined, why: string): LoadproofError {
  return new LoadproofError('LP_PLAN_INVALID', `"${path}" is not a JSONPath: ${why}`, {
    where,
    hint: 'write e.g. $.token, $.items[0].id, $..id or $.items[*].name',
    exitCode: ExitCode.badInput,
  });
}

/** Checks what jsonpath-plus would silently accept: a leading `$`, balanced brackets and quotes. */
function checkSyntax(path: string, where: string | undefined): void {
  if (!path.startsWith('$')) throw invalid(path, where, 'it must start with $');
  let depth = 0;
  let quote: string | null = null;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') {
      depth--;
      if (depth < 0) throw invalid(path, where, `unexpected "${c}" at character ${i + 1}`);
    }
  }
  if (quote) throw invalid(path, where, 'unclosed quote');
  if (depth !== 0) throw invalid(path, where, 'unclosed bracket');
  if (/\.$/.test(path) && !path.endsWith('..')) throw invalid(path, where, 'it ends with "."');
}

/** Compiles a JSONPath; a bad path throws a plan error (exit 2) naming `where`. */
export function compileJsonPath(path: string, where?: string): JsonPathQuery {
  const source = path.trim();
  checkSyntax(source, where);
  const segments = parseDefinite(source);
  if (segments) {
    return {
      source,
      definite: true,
      all(doc) {
        const v = walkDefinite(doc, segments);
        return v === undefined ? [] : [v];
      },
      first: (doc) => walkDefinite(doc, segments),
    };
  }
  // jsonpath-plus caches the parsed form of each path string, so evaluation does not re-parse it.
  const JSONPath = libraryJsonPath();
  const all = (doc: unknown): unknown[] => {
    if (doc === null || typeof doc !== 'object') return [];
    try {
      const out = JSONPath({ path: source, json: doc as object, wrap: true }) as unknown[] | undefined;
      return out ?? [];
    } catch {
      // A filter that throws on this document (e.g. a property of null) matches nothing here.
      return [];
    }
  };
  return { source, definite: false, all, first: (doc) => all(doc)[0] };
}
