/**
 * Captures: values taken from a response into the VU's variables, for later `{{ name }}` use.
 *
 *   capture:
 *     token: "$.token"                          JSONPath into the JSON body (the first match)
 *     id:    { json: "$.items[0].id" }          the same, spelled out
 *     csrf:  { regex: 'name="csrf" value="([^"]+)"' }   group 1 by default; 0 when the regex has no group
 *     loc:   { header: Location }               a response header (case-insensitive)
 *
 * Values are text: a captured number is stored as its JSON text (`42`), an object or array as its
 * JSON, `null` as `null`. A capture that finds nothing is reported in `missing` and leaves the
 * variable as it was (a token captured in setup stays usable when a later response lacks it).
 *
 * Everything is compiled at plan load (`compileCaptures`): JSONPaths parsed, regexes built once.
 * `applyCaptures` also accepts the raw plan specs and compiles them once per specs object.
 */
import { ExitCode, LoadproofError } from '../../errors.js';
import type { CaptureSpec } from '../../plan/schema.js';
import { compileJsonPath } from './jsonpath.js';
import { NOT_JSON, bodyJson, bodyText, type ResponseView } from './response.js';
import type { Vars } from './template.js';

export type { CaptureSpec } from '../../plan/schema.js';

export interface CaptureOutcome {
  /** names whose value was set from this response */
  captured: string[];
  /** names whose source was not found in this response */
  missing: string[];
}

/** Learns captured values so they can be scrubbed from output (see engine/redact.ts). */
export interface SecretSink {
  learn(value: string): void;
}

interface Extractor {
  name: string;
  extract(res: ResponseView): string | undefined;
}

/** Captures compiled at plan load. */
export interface CompiledCaptures {
  readonly names: readonly string[];
  apply(res: ResponseView, vars: Vars, secrets?: SecretSink): CaptureOutcome;
}

function asText(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function compileOne(name: string, spec: CaptureSpec, where: string | undefined): Extractor {
  if (typeof spec === 'string' || 'json' in spec) {
    const q = compileJsonPath(typeof spec === 'string' ? spec : spec.json, where);
    return {
      name,
      extract(res) {
        const doc = bodyJson(res);
        return doc === NOT_JSON ? undefined : asText(q.first(doc));
      },
    };
  }
  const header = 'header' in spec ? spec.header.toLowerCase() : null;
  if ('header' in spec && spec.regex === undefined) return { name, extract: (res) => res.headers[header!] };
  const source = spec.regex!;
  const compiled = compileRegex(source, spec.group, where);
  return {
    name,
    extract(res) {
      const text = header === null ? bodyText(res) : res.headers[header];
      if (text === undefined) return undefined;
      const m = compiled.re.exec(text);
      return m ? m[compiled.group] : undefined;
    },
  };
}

/** A capture's regular expression and the group it reads (the first group when there is one). */
function compileRegex(source: string, groupAsked: number | undefined, where: string | undefined): { re: RegExp; group: number } {
  const spec = { regex: source, group: groupAsked };
  let re: RegExp;
  try {
    re = new RegExp(spec.regex);
  } catch (err) {
    throw new LoadproofError('LP_PLAN_INVALID', `invalid regex /${spec.regex}/: ${(err as Error).message}`, {
      where,
      hint: 'write a JavaScript regular expression, e.g. token=([a-z0-9]+)',
      exitCode: ExitCode.badInput,
    });
  }
  // Number of capturing groups: an alternation with the empty string always matches "".
  const groups = new RegExp(`${spec.regex}|`).exec('')!.length - 1;
  const group = spec.group ?? (groups > 0 ? 1 : 0);
  if (group > groups) {
    throw new LoadproofError('LP_PLAN_INVALID', `group ${group} does not exist: /${spec.regex}/ has ${groups} group${groups === 1 ? '' : 's'}`, {
      where,
      hint: groups ? `use a group from 0 to ${groups}` : 'add a group with ( ) or use group 0 for the whole match',
      exitCode: ExitCode.badInput,
    });
  }
  return { re, group };
}

/** Compiles `capture:` specs; `where` is the field path of the `capture` map (errors name `where.name`). */
export function compileCaptures(specs: Record<string, CaptureSpec>, where?: string): CompiledCaptures {
  const extractors = Object.entries(specs).map(([name, spec]) => compileOne(name, spec, where === undefined ? undefined : `${where}.${name}`));
  return {
    names: extractors.map((e) => e.name),
    apply(res, vars, secrets) {
      const captured: string[] = [];
      const missing: string[] = [];
      for (const e of extractors) {
        const v = e.extract(res);
        if (v === undefined) {
          missing.push(e.name);
        } else {
          vars.set(e.name, v);
          secrets?.learn(v);
          captured.push(e.name);
        }
      }
      return { captured, missing };
    },
  };
}

const compiledBySpecs = new WeakMap<Record<string, CaptureSpec>, CompiledCaptures>();

function isCompiled(x: Record<string, CaptureSpec> | CompiledCaptures): x is CompiledCaptures {
  return typeof (x as CompiledCaptures).apply === 'function' && Array.isArray((x as CompiledCaptures).names);
}

/**
 * Applies captures to a response, setting `vars`. Accepts compiled captures (the fast path) or the
 * plan's specs (compiled on first use and cached per specs object). Captured values are passed to
 * `secrets` so that they can be redacted from output.
 */
export function applyCaptures(
  specs: Record<string, CaptureSpec> | CompiledCaptures,
  res: ResponseView,
  vars: Vars,
  secrets?: SecretSink,
): CaptureOutcome {
  if (isCompiled(specs)) return specs.apply(res, vars, secrets);
  let c = compiledBySpecs.get(specs);
  if (!c) {
    c = compileCaptures(specs);
    compiledBySpecs.set(specs, c);
  }
  return c.apply(res, vars, secrets);
}
