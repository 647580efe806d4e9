/**
 * A plan string's templates, split into parts so that each exporter writes them in its tool's
 * idiom: `{{ name }}` (a value captured per virtual user), `{{ $randomString() }}`,
 * `{{ $randomInt(a,b) }}`, `{{ $uuid() }}`, and `${env.NAME}` kept from the plan's text.
 */
export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'var'; name: string }
  | { kind: 'randomString' }
  | { kind: 'randomInt'; min: number; max: number }
  | { kind: 'uuid' }
  | { kind: 'env'; name: string };

const TOKEN = /\{\{\s*([^}]+?)\s*\}\}|\$\{env\.([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Splits a string into literal text and template parts; unknown `{{ … }}` stay literal text. */
export function templateParts(s: string): TemplatePart[] {
  const out: TemplatePart[] = [];
  let last = 0;
  for (const m of s.matchAll(TOKEN)) {
    if (m.index! > last) out.push({ kind: 'text', text: s.slice(last, m.index) });
    last = m.index! + m[0].length;
    if (m[2] !== undefined) {
      out.push({ kind: 'env', name: m[2] });
      continue;
    }
    const expr = m[1]!;
    let r: RegExpExecArray | null;
    if (/^\$randomString\(\s*\)$/.test(expr)) out.push({ kind: 'randomString' });
    else if (/^\$uuid\(\s*\)$/.test(expr)) out.push({ kind: 'uuid' });
    else if ((r = /^\$randomInt\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)$/.exec(expr))) out.push({ kind: 'randomInt', min: Number(r[1]), max: Number(r[2]) });
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(expr)) out.push({ kind: 'var', name: expr });
    else out.push({ kind: 'text', text: m[0] });
  }
  if (last < s.length) out.push({ kind: 'text', text: s.slice(last) });
  return out;
}

/** True when the string holds any template part. */
export function isTemplated(s: string): boolean {
  return templateParts(s).some((p) => p.kind !== 'text');
}

/** Applies `fn` to every string inside a JSON-like value (for templated JSON bodies). */
export function mapStrings(v: unknown, fn: (s: string) => unknown): unknown {
  if (typeof v === 'string') return fn(v);
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, fn));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapStrings(x, fn)]));
  return v;
}

/** `$.a.b[0]` → ['a', 'b', 0]; undefined for JSONPath beyond dotted names and indexes. */
export function simpleJsonPath(path: string): Array<string | number> | undefined {
  if (!/^\$((\.[A-Za-z_][A-Za-z0-9_]*)|(\[\d+\]))*$/.test(path)) return undefined;
  const out: Array<string | number> = [];
  for (const m of path.slice(1).matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/g)) out.push(m[1] !== undefined ? m[1] : Number(m[2]));
  return out;
}
