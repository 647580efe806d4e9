/**
 * A k6 script → a loadproof plan, for the common subset of k6 scripts: `options` (vus/duration,
 * stages, scenarios with the ramping/constant VU and arrival-rate executors, thresholds including
 * abortOnFail), `http.get/post/put/patch/del/request` with headers, tags.name, JSON (JSON.stringify),
 * form (object) and raw bodies, `check` on status/body/duration, `sleep`, `group` (inlined), values
 * read from `__ENV` (→ `{{ $env(NAME) }}`) and response values kept in variables (→ captures).
 * The script is parsed with acorn; it is never run. Everything else is listed as a note with its
 * line (`loadproof convert` prints them), never dropped silently.
 *
 * Round trip: what `export --to k6` writes (formats/k6/export.ts) converts back to an equivalent
 * plan: its per-VU setup block, its `vars[...]` captures, its helper functions for random values.
 */
import { parse, type Node } from 'acorn';
import { badFile } from '../../errors.js';
import type { Conversion, ConvertNote } from '../common/convert.js';

type N = Node & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const HTTP_FNS: Record<string, string> = { get: 'get', post: 'post', put: 'put', patch: 'patch', del: 'delete', head: 'head', options: 'options' };
const NO_BODY = new Set(['get', 'head', 'delete', 'options']);
const HELPERS = new Set(['randomString', 'randomInt', 'uuidv4']);

class Unsupported extends Error {}

interface Ctx {
  notes: ConvertNote[];
  /** top-level constants: name → string value */
  consts: Map<string, string>;
  /** the target origin, once found */
  origin: string | null;
  /** the base (origin + path) the BASE constant stands for */
  baseVars: Set<string>;
  /** identifiers bound to captured values → variable names */
  captured: Set<string>;
  /** response variable → the step of the request that set it */
  lastRequest: Map<string, Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const lineOf = (n: N): number => n.loc?.start.line ?? 0;

function note(ctx: Ctx, n: N, message: string): void {
  ctx.notes.push({ line: lineOf(n), message });
}

/** A literal JS value (objects, arrays, strings, numbers, booleans, null, -x); throws Unsupported otherwise. */
function literal(n: N, ctx: Ctx): unknown {
  switch (n.type) {
    case 'Literal':
      return n.value;
    case 'TemplateLiteral':
      if (n.expressions.length === 0) return n.quasis[0].value.cooked;
      throw new Unsupported('a template with expressions');
    case 'UnaryExpression':
      if (n.operator === '-' && n.argument.type === 'Literal' && typeof n.argument.value === 'number') return -n.argument.value;
      throw new Unsupported(`the expression ${n.operator}…`);
    case 'ArrayExpression':
      return n.elements.map((e: N) => literal(e, ctx));
    case 'ObjectExpression': {
      const o: Record<string, unknown> = {};
      for (const p of n.properties as N[]) {
        if (p.type !== 'Property' || p.computed) throw new Unsupported('a spread or computed key');
        o[p.key.type === 'Identifier' ? p.key.name : String(p.key.value)] = literal(p.value, ctx);
      }
      return o;
    }
    case 'Identifier':
      if (ctx.consts.has(n.name)) return ctx.consts.get(n.name);
      throw new Unsupported(`the variable ${n.name}`);
    default:
      throw new Unsupported(`a ${n.type}`);
  }
}

/**
 * A JS expression as a plan template string: string pieces, `__ENV.X` → `{{ $env(X) }}`, captured
 * variables → `{{ name }}`, the exporter's random helpers → template functions.
 */
function template(n: N, ctx: Ctx): string {
  switch (n.type) {
    case 'Literal':
      if (typeof n.value === 'string' || typeof n.value === 'number' || typeof n.value === 'boolean') return String(n.value);
      break;
    case 'TemplateLiteral': {
      let s = '';
      n.quasis.forEach((q: N, i: number) => {
        s += q.value.cooked;
        if (i < n.expressions.length) s += template(n.expressions[i], ctx);
      });
      return s;
    }
    case 'BinaryExpression':
      if (n.operator === '+') return template(n.left, ctx) + template(n.right, ctx);
      break;
    case 'LogicalExpression':
      // __ENV.X || 'default': the environment variable (the default is lost)
      if (n.operator === '||' && isEnv(n.left)) return template(n.left, ctx);
      break;
    case 'MemberExpression': {
      if (isEnv(n)) return `{{ $env(${envName(n)}) }}`;
      const v = varsKey(n);
      if (v !== undefined) return `{{ ${v} }}`;
      break;
    }
    case 'Identifier':
      if (ctx.consts.has(n.name)) return ctx.consts.get(n.name)!;
      if (ctx.captured.has(n.name)) return `{{ ${n.name} }}`;
      break;
    case 'CallExpression':
      if (n.callee.type === 'Identifier' && HELPERS.has(n.callee.name)) {
        if (n.callee.name === 'uuidv4') return '{{ $uuid() }}';
        const args = n.arguments.map((a: N) => literal(a, ctx));
        return n.callee.name === 'randomString' ? `{{ $randomString(${args.join(', ')}) }}` : `{{ $randomInt(${args.join(', ')}) }}`;
      }
      if (n.callee.type === 'Identifier' && n.callee.name === 'String' && n.arguments.length === 1) return template(n.arguments[0], ctx);
      break;
  }
  throw new Unsupported(`a value computed at run time (${n.type})`);
}

function isEnv(n: N): boolean {
  return n.type === 'MemberExpression' && n.object.type === 'Identifier' && n.object.name === '__ENV';
}

function envName(n: N): string {
  return n.computed ? String(n.property.value) : n.property.name;
}

/** `vars["x"]` / `vars.x` → "x" */
function varsKey(n: N): string | undefined {
  if (n.type !== 'MemberExpression' || n.object.type !== 'Identifier' || n.object.name !== 'vars') return undefined;
  return n.computed ? (n.property.type === 'Literal' ? String(n.property.value) : undefined) : n.property.name;
}

/** A JSON body value with templates in its strings. */
function jsonValue(n: N, ctx: Ctx): unknown {
  switch (n.type) {
    case 'ObjectExpression': {
      const o: Record<string, unknown> = {};
      for (const p of n.properties as N[]) {
        if (p.type !== 'Property' || p.computed) throw new Unsupported('a spread or computed key in a body');
        o[p.key.type === 'Identifier' ? p.key.name : String(p.key.value)] = jsonValue(p.value, ctx);
      }
      return o;
    }
    case 'ArrayExpression':
      return n.elements.map((e: N) => jsonValue(e, ctx));
    case 'Literal':
      return n.value;
    case 'UnaryExpression':
      return literal(n, ctx);
    default:
      return template(n, ctx);
  }
}

/** Splits a URL template into the target origin and the path. */
function pathOf(url: string, ctx: Ctx, n: N): string {
  const m = /^(https?:\/\/[^/{}]+)(.*)$/.exec(url);
  if (m) {
    if (ctx.origin === null) ctx.origin = m[1]!;
    else if (ctx.origin !== m[1]) throw new Unsupported(`a request to another origin (${m[1]}; the plan's target is ${ctx.origin})`);
    return m[2] || '/';
  }
  if (url.startsWith('{{ $env(')) {
    // BASE from the environment: the path follows the variable
    const end = url.indexOf('}}') + 2;
    note(ctx, n, `the target comes from the environment (${url.slice(0, end)}); the plan's target is set to ${ctx.origin ?? 'http://127.0.0.1:8080'}: use --target or edit it`);
    return url.slice(end) || '/';
  }
  if (url.startsWith('/')) return url;
  throw new Unsupported(`a URL that is not absolute (${url})`);
}

function requestParams(p: N | undefined, step: Record<string, unknown>, ctx: Ctx): void {
  if (!p || p.type === 'Identifier' && p.name === 'undefined') return;
  if (p.type !== 'ObjectExpression') throw new Unsupported('request params that are not an object literal');
  for (const prop of p.properties as N[]) {
    const key = prop.key?.type === 'Identifier' ? prop.key.name : String(prop.key?.value);
    if (key === 'headers') {
      if (prop.value.type !== 'ObjectExpression') throw new Unsupported('headers that are not an object literal');
      const h: Record<string, string> = {};
      for (const hp of prop.value.properties as N[]) h[hp.key.type === 'Identifier' ? hp.key.name : String(hp.key.value)] = template(hp.value, ctx);
      step.headers = h;
    } else if (key === 'tags') {
      const tags = literal(prop.value, ctx) as Record<string, unknown>;
      if (typeof tags.name === 'string') step.name = tags.name;
      const others = Object.keys(tags).filter((k) => k !== 'name');
      if (others.length) note(ctx, prop, `tags ${others.join(', ')} are not kept (only tags.name, as the endpoint name)`);
    } else if (key === 'timeout') {
      const t = literal(prop.value, ctx);
      step.timeout = typeof t === 'number' ? t : String(t);
    } else note(ctx, prop, `request param ${key} is not translated`);
  }
}

/** An `http.*` call → a request step, or undefined when the call is not one. */
function httpCall(call: N, ctx: Ctx): Record<string, unknown> | undefined {
  const c = call.callee;
  if (c.type !== 'MemberExpression' || c.object.type !== 'Identifier' || c.object.name !== 'http') return undefined;
  const fn = c.property.name as string;
  const args = call.arguments as N[];
  let method: string;
  let urlArg: N;
  let bodyArg: N | undefined;
  let paramsArg: N | undefined;
  if (fn === 'request') {
    method = String(literal(args[0]!, ctx)).toLowerCase();
    [, urlArg, bodyArg, paramsArg] = args as [N, N, N | undefined, N | undefined];
  } else if (HTTP_FNS[fn] !== undefined) {
    method = HTTP_FNS[fn]!;
    urlArg = args[0]!;
    if (NO_BODY.has(method) && fn !== 'del') paramsArg = args[1];
    else [, bodyArg, paramsArg] = args as [N, N | undefined, N | undefined];
  } else throw new Unsupported(`http.${fn}`);
  const step: Record<string, unknown> = {};
  step[method] = pathOf(template(urlArg, ctx), ctx, call);
  if (bodyArg && !(bodyArg.type === 'Literal' && bodyArg.value === null)) {
    if (bodyArg.type === 'CallExpression' && bodyArg.callee.type === 'MemberExpression' && bodyArg.callee.object.name === 'JSON' && bodyArg.callee.property.name === 'stringify') {
      step.json = jsonValue(bodyArg.arguments[0], ctx);
    } else if (bodyArg.type === 'ObjectExpression') {
      step.form = jsonValue(bodyArg, ctx);
    } else step.body = template(bodyArg, ctx);
  }
  requestParams(paramsArg, step, ctx);
  // the exporter names every request; a name equal to the default endpoint name adds nothing
  if (step.name === `${method.toUpperCase()} ${String(step[method])}`) delete step.name;
  if (step.json !== undefined && step.headers) {
    // the exporter writes Content-Type: application/json beside JSON bodies; the plan adds it itself
    const h = step.headers as Record<string, string>;
    for (const k of Object.keys(h)) if (k.toLowerCase() === 'content-type' && h[k] === 'application/json') delete h[k];
    if (Object.keys(h).length === 0) delete step.headers;
  }
  return step;
}

/** One check function `(r) => …` → an expect entry, or Unsupported. */
function checkExpect(fn: N, expect: Record<string, unknown>, ctx: Ctx): void {
  if (fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression') throw new Unsupported('a check that is not a function');
  const r = fn.params[0]?.name as string | undefined;
  let body = fn.body as N;
  if (body.type === 'BlockStatement') {
    if (body.body.length === 1 && body.body[0].type === 'ReturnStatement') body = body.body[0].argument;
    else throw new Unsupported('a check with statements');
  }
  const isStatus = (n: N): boolean => n.type === 'MemberExpression' && n.object.name === r && n.property.name === 'status';
  const isBody = (n: N): boolean =>
    (n.type === 'MemberExpression' && n.object.name === r && n.property.name === 'body') ||
    (n.type === 'CallExpression' && n.callee.name === 'String' && n.arguments.length === 1 && isBody(n.arguments[0]));
  if (body.type === 'BinaryExpression' && (body.operator === '===' || body.operator === '==')) {
    const [a, b] = isStatus(body.left) ? [body.left, body.right] : [body.right, body.left];
    if (isStatus(a)) {
      expect.status = literal(b, ctx);
      return;
    }
  }
  if (body.type === 'BinaryExpression' && (body.operator === '<' || body.operator === '<=')) {
    const l = body.left;
    if (l.type === 'MemberExpression' && l.property.name === 'duration' && l.object.type === 'MemberExpression' && l.object.property.name === 'timings') {
      expect.maxDuration = Number(literal(body.right, ctx));
      return;
    }
  }
  if (body.type === 'CallExpression' && body.callee.type === 'MemberExpression' && body.callee.property.name === 'includes') {
    const obj = body.callee.object;
    if (isBody(obj)) {
      expect.contains = String(literal(body.arguments[0], ctx));
      return;
    }
    if (obj.type === 'ArrayExpression' && isStatus(body.arguments[0])) {
      expect.status = literal(obj, ctx);
      return;
    }
  }
  throw new Unsupported('a check other than on status, body text or duration');
}

/** `res.json("a.b")` (GJSON selector) → "$.a.b" */
function jsonCapture(n: N, ctx: Ctx): string | undefined {
  if (n.type !== 'CallExpression' || n.callee.type !== 'MemberExpression' || n.callee.property.name !== 'json') return undefined;
  if (n.arguments.length === 0) return '$';
  const sel = String(literal(n.arguments[0], ctx));
  return `$.${sel.replace(/\.(\d+)(?=\.|$)/g, '[$1]')}`;
}

function statements(list: N[], ctx: Ctx, out: Array<Record<string, unknown>>, setup: Array<Record<string, unknown>> | null): void {
  for (const st of list) {
    try {
      statement(st, ctx, out, setup);
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      note(ctx, st, `${err.message}: ${snippet(st)}`);
    }
  }
}

let sourceText = '';
function snippet(n: N): string {
  const s = sourceText.slice(n.start, n.end).replace(/\s+/g, ' ');
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function statement(st: N, ctx: Ctx, out: Array<Record<string, unknown>>, setup: Array<Record<string, unknown>> | null): void {
  if (st.type === 'VariableDeclaration') {
    for (const d of st.declarations as N[]) {
      if (!d.init) continue; // `let res;`
      if (d.id.type !== 'Identifier') throw new Unsupported('a destructuring declaration');
      const name = d.id.name as string;
      const step = d.init.type === 'CallExpression' ? httpCall(d.init, ctx) : undefined;
      if (step) {
        out.push(step);
        ctx.lastRequest.set(name, step);
        continue;
      }
      const cap = jsonCapture(d.init, ctx);
      if (cap !== undefined && d.init.callee.object.type === 'Identifier' && ctx.lastRequest.has(d.init.callee.object.name)) {
        const req = ctx.lastRequest.get(d.init.callee.object.name)!;
        req.capture = { ...(req.capture ?? {}), [name]: cap };
        ctx.captured.add(name);
        continue;
      }
      throw new Unsupported('a variable computed at run time');
    }
    return;
  }
  if (st.type === 'ExpressionStatement') {
    const e = st.expression as N;
    if (e.type === 'AssignmentExpression' && e.operator === '=') {
      const target = e.left.type === 'Identifier' ? (e.left.name as string) : varsKey(e.left);
      if (target === '__setupDone') return; // the exporter's setup marker
      const step = e.right.type === 'CallExpression' ? httpCall(e.right, ctx) : undefined;
      if (step && e.left.type === 'Identifier') {
        out.push(step);
        ctx.lastRequest.set(e.left.name, step);
        return;
      }
      const cap = jsonCapture(e.right, ctx);
      const src = e.right.callee?.object;
      if (target !== undefined && cap !== undefined && src?.type === 'Identifier' && ctx.lastRequest.has(src.name)) {
        const req = ctx.lastRequest.get(src.name)!;
        req.capture = { ...(req.capture ?? {}), [target]: cap };
        ctx.captured.add(target);
        return;
      }
      // vars["x"] = res.headers["X"]
      if (target !== undefined && e.right.type === 'MemberExpression' && e.right.object.type === 'MemberExpression' && e.right.object.property.name === 'headers') {
        const res = e.right.object.object.name as string;
        if (ctx.lastRequest.has(res)) {
          const req = ctx.lastRequest.get(res)!;
          req.capture = { ...(req.capture ?? {}), [target]: { header: String(e.right.computed ? e.right.property.value : e.right.property.name) } };
          ctx.captured.add(target);
          return;
        }
      }
      throw new Unsupported('an assignment computed at run time');
    }
    if (e.type === 'CallExpression') {
      const step = httpCall(e, ctx);
      if (step) {
        out.push(step);
        return;
      }
      const callee = e.callee.type === 'Identifier' ? (e.callee.name as string) : undefined;
      if (callee === 'sleep') {
        out.push({ think: sleepText(e.arguments[0], ctx) });
        return;
      }
      if (callee === 'check') {
        const res = e.arguments[0];
        const req = res?.type === 'Identifier' ? ctx.lastRequest.get(res.name) : undefined;
        if (!req) throw new Unsupported('a check on something other than a response');
        if (e.arguments[1]?.type !== 'ObjectExpression') throw new Unsupported('checks that are not an object literal');
        const expect = (req.expect ?? {}) as Record<string, unknown>;
        for (const p of e.arguments[1].properties as N[]) {
          try {
            checkExpect(p.value, expect, ctx);
          } catch (err) {
            if (!(err instanceof Unsupported)) throw err;
            note(ctx, p, `check ${JSON.stringify(p.key.value ?? p.key.name)}: ${err.message}`);
          }
        }
        if (Object.keys(expect).length) req.expect = expect;
        return;
      }
      if (callee === 'group') {
        const fn = e.arguments[1];
        if (!fn || (fn.type !== 'FunctionExpression' && fn.type !== 'ArrowFunctionExpression') || fn.body.type !== 'BlockStatement') throw new Unsupported('a group without a function body');
        statements(fn.body.body, ctx, out, setup);
        return;
      }
    }
    throw new Unsupported('a statement');
  }
  if (st.type === 'IfStatement' && setup !== null && isSetupGuard(st.test)) {
    // the exporter's per-VU setup: `if (!vars.__setupDone) { … }`
    statements(st.consequent.body, ctx, setup, null);
    return;
  }
  throw new Unsupported(`a ${st.type}`);
}

function isSetupGuard(t: N): boolean {
  return t.type === 'UnaryExpression' && t.operator === '!' && varsKey(t.argument) === '__setupDone';
}

/** `sleep(1)` → "1s"; `sleep(a + Math.random() * b)` → "a s..a+b s". */
function sleepText(n: N, ctx: Ctx): string {
  const ms = (x: number): string => `${Math.round(x * 1000)}ms`;
  if (n.type === 'BinaryExpression' && n.operator === '+' && n.right.type === 'BinaryExpression' && n.right.operator === '*') {
    const a = Number(literal(n.left, ctx));
    const r = n.right;
    const isRandom = (x: N): boolean => x.type === 'CallExpression' && x.callee.type === 'MemberExpression' && x.callee.object.name === 'Math' && x.callee.property.name === 'random';
    const b = isRandom(r.left) ? Number(literal(r.right, ctx)) : isRandom(r.right) ? Number(literal(r.left, ctx)) : NaN;
    if (Number.isFinite(a) && Number.isFinite(b)) return `${ms(a)}..${ms(a + b)}`;
  }
  const v = literal(n, ctx);
  if (typeof v !== 'number') throw new Unsupported('a sleep that is not a number of seconds');
  return ms(v);
}

/** Stages from an executor's config; null when the executor is not translated. */
function executorLoad(sc: Record<string, any>, ctx: Ctx, at: N): { model: 'open' | 'closed'; stages: Array<{ duration: string; target: number }> } | null { // eslint-disable-line @typescript-eslint/no-explicit-any
  const unit = sc.timeUnit === undefined ? 1 : secondsOf(String(sc.timeUnit));
  switch (sc.executor) {
    case 'ramping-vus':
      return { model: 'closed', stages: [{ duration: '0s', target: sc.startVUs ?? 0 }, ...sc.stages] };
    case 'constant-vus':
      return { model: 'closed', stages: [{ duration: '0s', target: sc.vus ?? 1 }, { duration: sc.duration, target: sc.vus ?? 1 }] };
    case 'ramping-arrival-rate':
      return { model: 'open', stages: [{ duration: '0s', target: (sc.startRate ?? 0) / unit }, ...sc.stages.map((s: { duration: string; target: number }) => ({ duration: s.duration, target: s.target / unit }))] };
    case 'constant-arrival-rate':
      return { model: 'open', stages: [{ duration: '0s', target: sc.rate / unit }, { duration: sc.duration, target: sc.rate / unit }] };
    default:
      note(ctx, at, `executor ${String(sc.executor)} is not translated (ramping-vus, constant-vus, ramping-arrival-rate, constant-arrival-rate are)`);
      return null;
  }
}

function secondsOf(d: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d);
  if (!m) return 1;
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

const negate: Record<string, string> = { '<': '>=', '<=': '>', '>': '<=', '>=': '<', '==': '!=', '!=': '==' };

/** Converts a k6 script. Throws a bad-file error (exit 2) when it does not parse. */
export function convertK6(text: string, file: string): Conversion {
  let ast: N;
  try {
    ast = parse(text, { ecmaVersion: 'latest', sourceType: 'module', locations: true }) as unknown as N;
  } catch (err) {
    const loc = (err as { loc?: { line: number } }).loc;
    throw badFile(loc ? `${file}:${loc.line}` : file, `not a JavaScript module: ${(err as Error).message.replace(/\s*\(\d+:\d+\)$/, '')}`, 'convert reads k6 scripts (ES modules)');
  }
  sourceText = text;
  const ctx: Ctx = { notes: [], consts: new Map(), origin: null, baseVars: new Set(), captured: new Set(), lastRequest: new Map() };
  let options: Record<string, any> = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
  let optionsNode: N | null = null;
  const functions = new Map<string, N>();
  let defaultFn: N | null = null;

  for (const st of ast.body as N[]) {
    const decl = st.type === 'ExportNamedDeclaration' ? st.declaration : st.type === 'ExportDefaultDeclaration' ? null : st;
    if (st.type === 'ExportDefaultDeclaration') {
      defaultFn = st.declaration;
      continue;
    }
    if (st.type === 'ImportDeclaration') {
      const src = String(st.source.value);
      if (src !== 'k6/http' && src !== 'k6') note(ctx, st, `import from ${src} is not translated`);
      continue;
    }
    if (decl?.type === 'VariableDeclaration') {
      for (const d of decl.declarations as N[]) {
        if (d.id.type !== 'Identifier' || !d.init) continue;
        if (d.id.name === 'options') {
          optionsNode = d.init;
          try {
            options = literal(d.init, ctx) as Record<string, unknown>;
          } catch (err) {
            if (!(err instanceof Unsupported)) throw err;
            note(ctx, d, `options: ${err.message}; only literal options are translated`);
          }
        } else if (d.init.type === 'Literal' && typeof d.init.value === 'string') ctx.consts.set(d.id.name, d.init.value);
        else if (d.init.type === 'LogicalExpression' && isEnv(d.init.left)) {
          // const BASE = __ENV.BASE_URL || 'http://…': the default becomes the target
          try {
            ctx.consts.set(d.id.name, String(literal(d.init.right, ctx)));
            note(ctx, d, `${d.id.name} reads __ENV.${envName(d.init.left)} first; the plan uses its default ${String(literal(d.init.right, ctx))} as the target`);
          } catch {
            note(ctx, d, `${d.id.name}: not translated`);
          }
        } else if (d.id.name !== 'vars' && !(d.init.type === 'ObjectExpression' && d.init.properties.length === 0)) note(ctx, d, `top-level ${d.id.name} is not translated`);
      }
      continue;
    }
    if (decl?.type === 'FunctionDeclaration') {
      const name = decl.id.name as string;
      if (HELPERS.has(name)) continue; // the exporter's random helpers: templates cover them
      if (name === 'setup' || name === 'teardown' || name === 'handleSummary') note(ctx, decl, `${name}() is not translated (loadproof has per-VU setup steps only)`);
      functions.set(name, decl);
      continue;
    }
    note(ctx, st, `top-level ${st.type} is not translated`);
  }

  // scenarios and load
  const scenarioDefs: Array<{ name: string; fn: N | null; load: ReturnType<typeof executorLoad>; at: N }> = [];
  if (options.scenarios && typeof options.scenarios === 'object') {
    for (const [name, sc] of Object.entries(options.scenarios as Record<string, Record<string, unknown>>)) {
      const exec = typeof sc.exec === 'string' ? sc.exec : 'default';
      const fn = exec === 'default' ? defaultFn : (functions.get(exec) ?? null);
      scenarioDefs.push({ name, fn, load: executorLoad(sc, ctx, optionsNode!), at: optionsNode! });
    }
  } else {
    let stages: Array<{ duration: string; target: number }>;
    if (Array.isArray(options.stages)) stages = [{ duration: '0s', target: 0 }, ...options.stages];
    else {
      const vus = Number(options.vus ?? 1);
      stages = [{ duration: '0s', target: vus }, { duration: String(options.duration ?? '30s'), target: vus }];
      if (options.duration === undefined && options.iterations === undefined) note(ctx, optionsNode ?? ast, 'no duration in options: the plan runs 30s');
    }
    if (options.iterations !== undefined) note(ctx, optionsNode ?? ast, 'options.iterations is not translated (loadproof runs for a duration)');
    scenarioDefs.push({ name: 'default', fn: defaultFn, load: { model: 'closed', stages }, at: optionsNode ?? ast });
  }
  for (const k of Object.keys(options)) {
    if (!['scenarios', 'stages', 'vus', 'duration', 'iterations', 'thresholds', 'insecureSkipTLSVerify'].includes(k)) note(ctx, optionsNode ?? ast, `options.${k} is not translated`);
  }

  // One load for the plan: the scenarios' stage targets added up (they must share the stage times),
  // each scenario weighted by its share of the peak.
  const loads = scenarioDefs.filter((s) => s.load !== null);
  const model = loads[0]?.load?.model ?? 'closed';
  let stages = loads[0]?.load?.stages.map((s) => ({ ...s })) ?? [{ duration: '0s', target: 1 }, { duration: '30s', target: 1 }];
  const peaks = new Map<string, number>();
  for (const s of loads) peaks.set(s.name, Math.max(...s.load!.stages.map((x) => Number(x.target))));
  for (const s of loads.slice(1)) {
    const same = s.load!.model === model && s.load!.stages.length === stages.length && s.load!.stages.every((x, i) => secondsOf(String(x.duration)) === secondsOf(String(stages[i]!.duration)));
    if (same) stages = stages.map((x, i) => ({ ...x, target: Number(x.target) + Number(s.load!.stages[i]!.target) }));
    else note(ctx, s.at, `scenario ${s.name}: its executor's stages differ from the first scenario's; the plan runs all scenarios on the first one's stages`);
  }

  const scenarios: Array<Record<string, unknown>> = [];
  for (const s of scenarioDefs) {
    if (s.fn === null) {
      note(ctx, s.at, `scenario ${s.name}: its function was not found`);
      continue;
    }
    const body = s.fn.body?.type === 'BlockStatement' ? (s.fn.body.body as N[]) : [];
    ctx.lastRequest.clear();
    const flow: Array<Record<string, unknown>> = [];
    const setup: Array<Record<string, unknown>> = [];
    statements(body, ctx, flow, setup);
    if (flow.length === 0) {
      note(ctx, s.fn, `scenario ${s.name}: no request was translated; it is left out`);
      continue;
    }
    const sc: Record<string, unknown> = { name: s.name };
    const total = [...peaks.values()].reduce((a, b) => a + b, 0);
    if (scenarioDefs.length > 1 && total > 0) sc.weight = Math.round(((peaks.get(s.name) ?? 0) / total) * 1000) / 1000 || 1;
    if (setup.length) sc.setup = setup;
    sc.flow = flow;
    scenarios.push(sc);
  }

  // thresholds: abortOnFail ones become abort rules (the exporter's inverse)
  const thresholds: Record<string, string[]> = {};
  const abort: Record<string, string[]> = {};
  for (const [metric, list] of Object.entries((options.thresholds ?? {}) as Record<string, unknown[]>)) {
    for (const t of list) {
      if (typeof t === 'string') (thresholds[metric] ??= []).push(t);
      else if (t && typeof t === 'object' && typeof (t as { threshold?: unknown }).threshold === 'string') {
        const o = t as { threshold: string; abortOnFail?: boolean; delayAbortEval?: string };
        if (o.abortOnFail) {
          const cond = o.threshold.replace(/(<=|>=|==|!=|<|>)/, (op) => negate[op]!);
          (abort[metric] ??= []).push(`${cond} for ${o.delayAbortEval ?? '10s'}`);
        } else (thresholds[metric] ??= []).push(o.threshold);
      }
    }
  }

  const plan: Record<string, unknown> = { name: file.replace(/^.*\//, '').replace(/\.[cm]?[jt]s$/, '') };
  if (Object.keys(thresholds).length) {
    plan.hypothesis = `the thresholds of ${file.replace(/^.*\//, '')} hold: ${Object.entries(thresholds).map(([k, v]) => `${k} ${v.join(', ')}`).join('; ')}`;
  }
  plan.target = ctx.origin ?? 'http://127.0.0.1:8080';
  if (ctx.origin === null) note(ctx, ast, 'no absolute URL found: the target is http://127.0.0.1:8080; edit it');
  plan.load = { model, stages };
  if (Object.keys(thresholds).length) plan.thresholds = thresholds;
  if (Object.keys(abort).length) plan.abort = abort;
  if (options.insecureSkipTLSVerify) plan.defaults = { insecure: true };
  plan.scenarios = scenarios;
  ctx.notes.sort((a, b) => a.line - b.line);
  return { plan, notes: ctx.notes };
}
