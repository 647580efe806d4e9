/**
 * A script scenario's file compiled once, on the main thread, before any load: esbuild turns the
 * TypeScript (or JavaScript) into one ESM module (its relative imports bundled in, node builtins
 * and packages left as imports), and the module text is handed to every load worker, which loads it
 * once. Nothing is compiled per request or per iteration.
 *
 * Endpoints: results are grouped by endpoint, and the list of endpoints is fixed before the run
 * (every worker and the main thread agree on it). The compiled code is scanned with acorn for
 * calls `x.get('/path', …)`, `x.post(…)`, … and `x.request('PUT', '/path', …)`: each call with a
 * literal path, or with a literal `name:` in its options, declares the endpoint `METHOD /path`
 * (the query left out) or that name. A request whose endpoint was not declared that way (a path
 * built at run time and no `name`) is recorded under the scenario's "other requests" endpoint.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type * as Acorn from 'acorn';
import type { Node } from 'acorn';
import type * as Esbuild from 'esbuild';
import type { Message } from 'esbuild';
import { ExitCode, LoadproofError } from '../../errors.js';

export interface ScriptEndpoint {
  key: string;
  method: string;
  path: string;
}

export interface CompiledScript {
  file: string;
  code: string;
  endpoints: ScriptEndpoint[];
}

// esbuild and acorn are loaded when a script is compiled (main thread, before the run): load workers
// import this module for endpointKey only, and should not load them in every worker thread
const require = createRequire(import.meta.url);
let esbuildLib: typeof Esbuild | null = null;
let acornLib: typeof Acorn | null = null;

const METHODS: Record<string, string> = { get: 'GET', post: 'POST', put: 'PUT', patch: 'PATCH', delete: 'DELETE', head: 'HEAD', options: 'OPTIONS' };

function where(file: string, m: Message): string {
  return m.location ? `${m.location.file || file}:${m.location.line}:${m.location.column + 1}` : file;
}

/** Compiles a script file (TypeScript or JavaScript). Syntax errors are plan errors with file:line:col (exit 2). */
export function compileScript(file: string): CompiledScript {
  if (!existsSync(file)) throw new LoadproofError('LP_BAD_FILE', 'no such file', { where: file, hint: 'check the script path (relative to the plan file)', exitCode: ExitCode.badInput });
  let code: string;
  try {
    const out = (esbuildLib ??= require('esbuild') as typeof Esbuild).buildSync({
      entryPoints: [file],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      write: false,
      logLevel: 'silent',
      absWorkingDir: dirname(file),
    });
    code = out.outputFiles[0]!.text;
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    const first = errors?.[0];
    throw new LoadproofError('LP_PLAN_INVALID', first ? first.text : String(err), {
      where: first ? where(file, first) : file,
      hint: 'fix the script; it is compiled with esbuild (TypeScript or JavaScript, ESM)',
      exitCode: ExitCode.badInput,
    });
  }
  return { file, code, endpoints: scanEndpoints(code) };
}

type AnyNode = Node & Record<string, unknown>;

function literalString(n: AnyNode | undefined): string | undefined {
  if (!n) return undefined;
  if (n.type === 'Literal' && typeof n.value === 'string') return n.value;
  if (n.type === 'TemplateLiteral' && (n.expressions as unknown[]).length === 0) {
    return ((n.quasis as Array<{ value: { cooked: string } }>)[0]!).value.cooked;
  }
  return undefined;
}

function nameOption(n: AnyNode | undefined): string | undefined {
  if (!n || n.type !== 'ObjectExpression') return undefined;
  for (const p of n.properties as AnyNode[]) {
    if (p.type !== 'Property') continue;
    const k = p.key as AnyNode;
    const key = k.type === 'Identifier' ? (k.name as string) : literalString(k);
    if (key === 'name') return literalString(p.value as AnyNode);
  }
  return undefined;
}

/** The endpoint key of a request: its name, else `METHOD path` without the query. */
export function endpointKey(method: string, path: string, name: string | undefined): string {
  if (name !== undefined) return name;
  const q = path.indexOf('?');
  return `${method} ${q < 0 ? path : path.slice(0, q)}`;
}

/** Endpoints declared by literal paths or names in the code, in order of appearance. */
export function scanEndpoints(code: string): ScriptEndpoint[] {
  const ast = (acornLib ??= require('acorn') as typeof Acorn).parse(code, { ecmaVersion: 'latest', sourceType: 'module' }) as unknown as AnyNode;
  const found = new Map<string, ScriptEndpoint>();
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) {
      for (const x of n) visit(x);
      return;
    }
    if (n === null || typeof n !== 'object' || typeof (n as AnyNode).type !== 'string') return;
    const node = n as AnyNode;
    if (node.type === 'CallExpression') {
      const callee = node.callee as AnyNode;
      const args = node.arguments as AnyNode[];
      if (callee.type === 'MemberExpression' && !callee.computed && (callee.property as AnyNode).type === 'Identifier') {
        const prop = (callee.property as AnyNode).name as string;
        let method: string | undefined;
        let path: string | undefined;
        let name: string | undefined;
        if (METHODS[prop] !== undefined) {
          method = METHODS[prop];
          path = literalString(args[0]);
          name = nameOption(args[1]);
        } else if (prop === 'request') {
          const m = literalString(args[0]);
          method = m !== undefined && METHODS[m.toLowerCase()] !== undefined ? m.toUpperCase() : undefined;
          path = literalString(args[1]);
          name = nameOption(args[2]);
        }
        if (method !== undefined && (name !== undefined || (path !== undefined && path.startsWith('/')))) {
          const key = endpointKey(method, path ?? '', name);
          if (!found.has(key)) found.set(key, { key, method, path: path ?? key });
        }
      }
    }
    for (const k of Object.keys(node)) {
      if (k === 'type' || k === 'start' || k === 'end' || k === 'loc' || k === 'range') continue;
      visit(node[k]);
    }
  };
  visit(ast);
  return [...found.values()];
}
