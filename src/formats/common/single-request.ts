/**
 * What the one-URL tools (hey, ab, wrk2) can take from a plan: one request — the first scenario's
 * first flow request — with its method, URL, headers and body resolved, and the list of what else
 * the plan asks for that such a tool cannot do. Exporters write that list into their output, so
 * nothing is dropped silently.
 */
import type { Plan, RequestStep } from '../../plan/schema.js';
import { badFile } from '../../errors.js';
import { planShape, type PlanShape } from './plan-shape.js';
import { templateParts, type TemplatePart } from './template.js';
import { http2Cannot, wantsHttp2 } from './http-version.js';

export interface SingleRequest {
  shape: PlanShape;
  step: RequestStep;
  method: string;
  /** base + path + query, as template parts */
  url: TemplatePart[];
  headers: Array<[string, TemplatePart[]]>;
  body?: TemplatePart[];
  contentType?: string;
  /** what the tool cannot express, one sentence each */
  cannot: string[];
}

/** Resolves the request and the common limits; `tool` names the tool in messages. */
export function singleRequest(plan: Plan, tool: string, file = 'plan', opts: { h2OverTls?: boolean } = {}): SingleRequest {
  const shape = planShape(plan);
  const cannot: string[] = [];
  // HTTP/2: a tool with an h2 option over TLS (hey -h2) expresses it there; h2c is beyond all of them
  const h2 = opts.h2OverTls && wantsHttp2(plan) === 'tls' ? null : http2Cannot(plan, tool);
  if (h2 !== null) cannot.push(h2);
  const first = plan.scenarios[0]!;
  const flowRequests = first.flow.filter((s): s is RequestStep => s.kind === 'request');
  const step = flowRequests[0] ?? (first.setup ?? []).find((s): s is RequestStep => s.kind === 'request');
  if (!step) throw badFile(file, `the plan has no request to export to ${tool}`);
  if (plan.scenarios.length > 1) cannot.push(`several scenarios (${plan.scenarios.map((s) => s.name).join(', ')}): only the first scenario's first request is exported`);
  if (first.setup?.length) cannot.push(`per-VU setup steps (e.g. a login): ${tool} sends one request shape`);
  if (flowRequests.length > 1) cannot.push(`a flow of several requests: only the first (${step.method} ${step.path}) is exported`);
  if ([...first.flow, ...(first.setup ?? [])].some((s) => s.kind === 'think')) cannot.push(`think time: ${tool} sends the next request as soon as a response arrives`);
  // a stage ramps from the previous target (the first from 0), as in k6 and wrk's exporter
  if (shape.stages.some((s, i) => s.target !== (i === 0 ? 0 : shape.stages[i - 1]!.target))) {
    cannot.push(`ramps and stages (${shape.stages.map((s) => `${s.durationSec}s→${s.target}`).join(', ')}): ${tool} holds one load for the whole run, the plan's peak for its total duration`);
  }
  if (Object.keys(step.capture ?? {}).length) cannot.push(`captures (${Object.keys(step.capture!).join(', ')})`);
  if (step.expect) cannot.push(`expectations (checks): ${tool} only reports status codes`);
  if (plan.thresholds) cannot.push(`thresholds: judge them by importing ${tool}'s output (loadproof import)`);
  if (plan.abort) cannot.push('abort rules');
  const headers: Record<string, string> = { ...(plan.defaults?.headers ?? {}), ...(step.headers ?? {}) };
  let body: string | undefined;
  let contentType: string | undefined;
  const ctKey = Object.keys(headers).find((k) => k.toLowerCase() === 'content-type');
  if (ctKey) {
    contentType = headers[ctKey];
    delete headers[ctKey];
  }
  if (step.json !== undefined) {
    contentType ??= 'application/json';
    body = JSON.stringify(step.json);
  } else if (step.form) {
    contentType ??= 'application/x-www-form-urlencoded';
    body = new URLSearchParams(Object.entries(step.form).map(([k, v]): [string, string] => [k, String(v)])).toString();
  } else if (step.body !== undefined) body = step.body;
  const query = step.query ? new URLSearchParams(Object.entries(step.query).map(([k, v]): [string, string] => [k, String(v)])).toString() : '';
  const url = plan.target.replace(/\/$/, '') + step.path + (query ? (step.path.includes('?') ? '&' : '?') + query : '');
  const parts = (s: string): TemplatePart[] => templateParts(s);
  const all = [url, body ?? '', ...Object.values(headers), contentType ?? ''].flatMap(parts);
  const dynamic = [...new Set(all.filter((p) => p.kind !== 'text' && p.kind !== 'env').map((p) => (p.kind === 'var' ? `{{ ${p.name} }}` : p.kind === 'randomInt' ? '$randomInt()' : `$${p.kind}()`)))];
  if (dynamic.length) cannot.push(`per-request values (${dynamic.join(', ')}): ${tool} sends the same request every time; one fixed value stands in`);
  return {
    shape,
    step,
    method: step.method,
    url: parts(url),
    headers: Object.entries(headers).map(([k, v]) => [k, parts(v)]),
    body: body === undefined ? undefined : parts(body),
    contentType,
    cannot,
  };
}

/** A fixed stand-in for a per-request template part (the tool sends one request shape). */
function standIn(p: TemplatePart): string {
  switch (p.kind) {
    case 'text':
      return p.text;
    case 'randomString':
      return 'loadproof';
    case 'randomInt':
      return String(p.min);
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    case 'var':
      return '';
    case 'env':
      return '';
  }
}

/**
 * Template parts as one POSIX shell word: literal text single-quoted, `${env.NAME}` as "$NAME"
 * (expanded by the shell at run time), other templates replaced by a fixed stand-in.
 */
export function shellWord(parts: TemplatePart[]): string {
  let out = '';
  let lit = '';
  const flush = (): void => {
    if (lit !== '') out += `'${lit.replace(/'/g, `'\\''`)}'`;
    lit = '';
  };
  for (const p of parts) {
    if (p.kind === 'env') {
      flush();
      out += `"$${p.name}"`;
    } else lit += standIn(p);
  }
  flush();
  return out === '' ? "''" : out;
}

/** A shell word from a plain string. */
export const shellQuote = (s: string): string => shellWord([{ kind: 'text', text: s }]);
