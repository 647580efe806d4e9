/**
 * Templates in plan strings: `{{ name }}` and `{{ $fn(args) }}`, compiled once at plan load.
 *
 *   {{ token }}               a per-VU variable (set by a capture). Unset at render time → renders
 *                             as "" and its name is pushed to the caller's `missing` array.
 *   {{ $randomString() }}     10 alphanumeric characters; `$randomString(16)` for 16
 *   {{ $randomInt(a, b) }}    an integer in [a, b], both inclusive
 *   {{ $uuid() }}             crypto.randomUUID()
 *   {{ $timestamp() }}        milliseconds since the Unix epoch
 *   {{ $env(NAME) }}          an environment variable, read once at compile time (unset → error)
 *
 * `${env.NAME}` is substituted earlier, at plan parse (src/plan/parse.ts), so it never reaches here.
 * Bad syntax and unknown functions throw a `LoadproofError` (LP_PLAN_INVALID, exit 2) naming the
 * plan field path given as `where`.
 *
 * Missing variables: `render(vars, missing?)` pushes each unset name it meets onto `missing` (when
 * given) rather than returning a pair, so the common path allocates nothing. The engine passes one
 * reusable array per VU, checks its length after building a request, and counts the names.
 */
import { randomUUID } from 'node:crypto';
import { ExitCode, LoadproofError } from '../../errors.js';
import { nearest } from '../../plan/nearest.js';
import type { Rng } from '../rng.js';

/** Read access to per-VU variables. */
export interface VarScope {
  get(name: string): string | undefined;
}

/** Where `table.column` names are looked up when the VU has no variable of that name (engine/data.ts). */
export interface RowScope {
  get(name: string): string | undefined;
}

/** A VU's variables: captured values by name. One instance per VU, reused across iterations. */
export class Vars implements VarScope {
  private readonly map = new Map<string, string>();
  /** the VU's data rows (`{{ table.column }}`); null when the plan has no `data:` */
  rows: RowScope | null = null;

  get(name: string): string | undefined {
    const v = this.map.get(name);
    // a variable of its own wins; data rows are looked up only for names it lacks
    if (v !== undefined || this.rows === null) return v;
    return this.rows.get(name);
  }

  set(name: string, value: string): void {
    this.map.set(name, value);
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  delete(name: string): boolean {
    return this.map.delete(name);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }

  names(): string[] {
    return [...this.map.keys()];
  }
}

/** A compiled template. */
export interface Template {
  /** the text as written in the plan */
  readonly source: string;
  /** no `{{ }}` expression that changes between renders: `render` returns the same string each time */
  readonly isStatic: boolean;
  /** variable names the template reads, in order of first use */
  readonly names: readonly string[];
  /**
   * The whole text is one expression that yields an integer (`$randomInt`, `$timestamp`); a JSON
   * body renders such a string value as a number (see `compileJsonTemplate`).
   */
  readonly numeric: boolean;
  /** Renders with `vars`; each unset variable renders as "" and its name is pushed onto `missing`. */
  render(vars: VarScope, missing?: string[]): string;
}

export interface TemplateOptions {
  /** source of randomness for $randomString / $randomInt (default Math.random) */
  rng?: Rng;
  /** environment for $env(NAME) (default process.env) */
  env?: Record<string, string | undefined>;
}

/** A compiled `{{ }}` expression. */
type Piece = (vars: VarScope, missing: string[] | undefined) => string;

const FUNCTIONS = ['randomString', 'randomInt', 'uuid', 'timestamp', 'env'] as const;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const CALL = /^\$([A-Za-z_][A-Za-z0-9_]*)\s*\(([^()]*)\)$/;
const INTEGER = /^-?\d+$/;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const DEFAULT_RANDOM_STRING_LENGTH = 10;
const MAX_RANDOM_STRING_LENGTH = 65_536;

/** True when the text contains a `{{` (cheap pre-check before compiling). */
export function hasTemplate(text: string): boolean {
  return text.includes('{{');
}

function planError(where: string | undefined, message: string, hint: string): LoadproofError {
  return new LoadproofError('LP_PLAN_INVALID', message, { where, hint, exitCode: ExitCode.badInput });
}

function randomString(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALNUM[(rng() * 62) | 0];
  return s;
}

/** Splits `a, "b", 3` into trimmed arguments (quotes around an argument are optional). */
function splitArgs(text: string): string[] {
  if (text.trim() === '') return [];
  return text.split(',').map((a) => {
    const t = a.trim();
    return t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0] ? t.slice(1, -1) : t;
  });
}

interface CompiledExpr {
  /** constant value known at compile time ($env) */
  constant?: string;
  piece?: Piece;
  variable?: string;
  numeric: boolean;
}

function compileExpr(expr: string, where: string | undefined, opts: TemplateOptions): CompiledExpr {
  if (VARIABLE.test(expr)) {
    const name = expr;
    return {
      variable: name,
      numeric: false,
      piece: (vars, missing) => {
        const v = vars.get(name);
        if (v !== undefined) return v;
        missing?.push(name);
        return '';
      },
    };
  }
  const call = CALL.exec(expr);
  if (!call) {
    throw planError(where, `"{{ ${expr} }}" is not a template expression`, 'write {{ name }} for a captured variable or {{ $randomString() }}, {{ $randomInt(1,100) }}, {{ $uuid() }}');
  }
  const fn = call[1]!;
  const args = splitArgs(call[2]!);
  const rng = opts.rng ?? Math.random;
  const arity = (min: number, max: number): void => {
    if (args.length < min || args.length > max) {
      const want = min === max ? `${min}` : `${min} to ${max}`;
      throw planError(where, `$${fn}() takes ${want} argument${max === 1 ? '' : 's'}, got ${args.length}`, `e.g. {{ ${USAGE[fn as keyof typeof USAGE]} }}`);
    }
  };
  const integerArg = (i: number): number => {
    const a = args[i]!;
    if (!INTEGER.test(a) || !Number.isSafeInteger(Number(a))) {
      throw planError(where, `$${fn}() argument ${i + 1} must be an integer, got "${a}"`, `e.g. {{ ${USAGE[fn as keyof typeof USAGE]} }}`);
    }
    return Number(a);
  };
  switch (fn) {
    case 'randomString': {
      arity(0, 1);
      const length = args.length ? integerArg(0) : DEFAULT_RANDOM_STRING_LENGTH;
      if (length < 1 || length > MAX_RANDOM_STRING_LENGTH) {
        throw planError(where, `$randomString() length must be 1..${MAX_RANDOM_STRING_LENGTH}, got ${length}`, 'e.g. {{ $randomString(16) }}');
      }
      return { numeric: false, piece: () => randomString(rng, length) };
    }
    case 'randomInt': {
      arity(2, 2);
      const min = integerArg(0);
      const max = integerArg(1);
      if (max < min) throw planError(where, `$randomInt(${min}, ${max}): the first bound must not exceed the second`, `write {{ $randomInt(${max}, ${min}) }}`);
      const span = max - min + 1;
      return { numeric: true, piece: () => String(min + Math.floor(rng() * span)) };
    }
    case 'uuid':
      arity(0, 0);
      return { numeric: false, piece: () => randomUUID() };
    case 'timestamp':
      arity(0, 0);
      return { numeric: true, piece: () => String(Date.now()) };
    case 'env': {
      arity(1, 1);
      const name = args[0]!;
      const value = (opts.env ?? process.env)[name];
      if (value === undefined) {
        throw new LoadproofError('LP_ENV_MISSING', `environment variable ${name} is not set`, {
          where,
          hint: `export ${name}=... before running, or remove {{ $env(${name}) }}`,
          exitCode: ExitCode.badInput,
        });
      }
      return { numeric: false, constant: value };
    }
    default: {
      const near = nearest(fn, FUNCTIONS);
      throw planError(
        where,
        `unknown template function $${fn}()`,
        near ? `did you mean $${near}()?` : `functions: ${FUNCTIONS.map((f) => `$${f}()`).join(', ')}`,
      );
    }
  }
}

const USAGE = {
  randomString: '$randomString(16)',
  randomInt: '$randomInt(1, 100)',
  uuid: '$uuid()',
  timestamp: '$timestamp()',
  env: '$env(NAME)',
} as const;

/**
 * Compiles a plan string. `where` is the plan field path used in error messages
 * (e.g. `scenarios.1.flow.0.json.name`).
 */
export function compileTemplate(text: string, where?: string, opts: TemplateOptions = {}): Template {
  // Literal text and pieces alternate: literals[0] piece[0] literals[1] piece[1] ... literals[n].
  const literals: string[] = [];
  const pieces: Piece[] = [];
  const names: string[] = [];
  let numeric = false;
  let pending = '';
  let pos = 0;
  let exprCount = 0;
  while (pos < text.length) {
    const open = text.indexOf('{{', pos);
    if (open < 0) break;
    const close = text.indexOf('}}', open + 2);
    if (close < 0) {
      throw planError(where, `unclosed "{{" at character ${open + 1} of "${text}"`, 'close it with }} (e.g. {{ token }})');
    }
    const expr = text.slice(open + 2, close).trim();
    if (expr.includes('{{')) {
      throw planError(where, `templates do not nest: "{{" inside an expression in "${text}"`, 'write one expression per {{ }}, e.g. {{ token }}');
    }
    exprCount++;
    pending += text.slice(pos, open);
    const c = compileExpr(expr, where, opts);
    if (c.constant !== undefined) {
      pending += c.constant;
    } else {
      literals.push(pending);
      pending = '';
      pieces.push(c.piece!);
      if (c.variable !== undefined && !names.includes(c.variable)) names.push(c.variable);
      numeric = c.numeric;
    }
    pos = close + 2;
  }
  pending += text.slice(pos);
  literals.push(pending);

  const isStatic = pieces.length === 0;
  // numeric: the whole text is exactly one integer-valued expression, nothing around it.
  const isNumeric = !isStatic && exprCount === 1 && pieces.length === 1 && literals[0] === '' && literals[1] === '' && numeric;
  let render: Template['render'];
  if (isStatic) {
    const value = literals[0]!;
    render = () => value;
  } else if (pieces.length === 1) {
    const [before, after] = literals as [string, string];
    const piece = pieces[0]!;
    render = (vars, missing) => before + piece(vars, missing) + after;
  } else {
    render = (vars, missing) => {
      let s = literals[0]!;
      for (let i = 0; i < pieces.length; i++) s += pieces[i]!(vars, missing) + literals[i + 1]!;
      return s;
    };
  }
  return { source: text, isStatic, names, numeric: isNumeric, render };
}

/** A compiled JSON body: renders to JSON text. */
export interface JsonTemplate {
  readonly isStatic: boolean;
  /** variable names read anywhere in the value */
  readonly names: readonly string[];
  render(vars: VarScope, missing?: string[]): string;
}

/**
 * Compiles a JSON body whose string values (and keys) may hold templates.
 *
 * Numbers: a string value that is exactly one integer-valued expression — `"{{ $randomInt(1,9) }}"`
 * or `"{{ $timestamp() }}"`, nothing around it — renders as a JSON number (`7`, not `"7"`), which
 * is what a body like `{ value: "{{ $randomInt(1,100) }}" }` means. Everything else, including a
 * captured variable alone (`"{{ id }}"`), renders as a JSON string: captures are text.
 *
 * The value is serialised once at compile time into alternating JSON fragments and holes, so a
 * render is one string concatenation per templated value; a value without templates is static.
 */
export function compileJsonTemplate(value: unknown, where?: string, opts: TemplateOptions = {}): JsonTemplate {
  const fragments: string[] = [];
  const holes: Array<(vars: VarScope, missing: string[] | undefined) => string> = [];
  const names: string[] = [];
  let pending = '';

  const addString = (s: string, at: string | undefined, isKey: boolean): void => {
    if (!hasTemplate(s)) {
      pending += JSON.stringify(s);
      return;
    }
    const t = compileTemplate(s, at, opts);
    for (const n of t.names) if (!names.includes(n)) names.push(n);
    if (t.isStatic) {
      pending += JSON.stringify(t.render(EMPTY_SCOPE));
      return;
    }
    fragments.push(pending);
    pending = '';
    holes.push(t.numeric && !isKey ? (vars, missing) => t.render(vars, missing) : (vars, missing) => JSON.stringify(t.render(vars, missing)));
  };

  const walk = (v: unknown, at: string | undefined): void => {
    if (typeof v === 'string') return addString(v, at, false);
    if (v === null || typeof v === 'number' || typeof v === 'boolean') {
      pending += JSON.stringify(v);
      return;
    }
    if (Array.isArray(v)) {
      pending += '[';
      v.forEach((item, i) => {
        if (i) pending += ',';
        walk(item, at === undefined ? undefined : `${at}.${i}`);
      });
      pending += ']';
      return;
    }
    if (typeof v === 'object') {
      pending += '{';
      let first = true;
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        if (item === undefined) continue; // as JSON.stringify does
        if (!first) pending += ',';
        first = false;
        const path = at === undefined ? undefined : `${at}.${k}`;
        addString(k, path, true);
        pending += ':';
        walk(item, path);
      }
      pending += '}';
      return;
    }
    throw planError(at, `a JSON body cannot hold a ${typeof v}`, 'use strings, numbers, booleans, null, arrays and objects');
  };
  walk(value, where);
  fragments.push(pending);

  if (holes.length === 0) {
    const text = fragments[0]!;
    return { isStatic: true, names, render: () => text };
  }
  return {
    isStatic: false,
    names,
    render: (vars, missing) => {
      let s = fragments[0]!;
      for (let i = 0; i < holes.length; i++) s += holes[i]!(vars, missing) + fragments[i + 1]!;
      return s;
    },
  };
}

/** A scope with no variables (renders static templates). */
export const EMPTY_SCOPE: VarScope = { get: () => undefined };
