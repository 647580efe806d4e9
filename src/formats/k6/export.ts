/**
 * Plan → k6 script (an ES module for `k6 run`). One k6 scenario per plan scenario, each running its
 * own exported function: open model → `ramping-arrival-rate` (arrivals per second split by weight),
 * closed model → `ramping-vus` (virtual users split by weight). Per-VU setup runs once per VU
 * (module state is per VU in k6). Thresholds are copied (k6 shares the syntax); abort rules become
 * `abortOnFail` thresholds, which k6 evaluates on the whole run so far rather than a sliding window.
 */
import { wantsHttp2 } from '../common/http-version.js';
import type { Plan, RequestStep, Step } from '../../plan/schema.js';
import { durationText, planShape, requestName } from '../common/plan-shape.js';
import { mapStrings, simpleJsonPath, templateParts } from '../common/template.js';
import { grpcCode, protocolModuleCode, protocolPrelude, wsBlock, type K6ProtocolContext } from './protocols.js';

const js = (v: unknown): string => JSON.stringify(v);

/** A plan string as a JS expression: a template literal when it holds templates. */
function strExpr(s: string): string {
  const parts = templateParts(s);
  if (parts.every((p) => p.kind === 'text')) return js(s);
  const body = parts
    .map((p) => {
      switch (p.kind) {
        case 'text':
          return p.text.replace(/[`\\]/g, '\\$&').replace(/\$\{/g, '\\${');
        case 'var':
          return `\${vars[${js(p.name)}]}`;
        case 'randomString':
          return '${randomString(8)}';
        case 'randomInt':
          return `\${randomInt(${p.min}, ${p.max})}`;
        case 'uuid':
          return '${uuidv4()}';
        case 'env':
          return `\${__ENV.${p.name}}`;
      }
    })
    .join('');
  return '`' + body + '`';
}

/** A JSON value with templated strings, as a JS expression. */
function valueExpr(v: unknown): string {
  if (typeof v === 'string') return strExpr(v);
  if (Array.isArray(v)) return `[${v.map(valueExpr).join(', ')}]`;
  if (v && typeof v === 'object') return `{ ${Object.entries(v).map(([k, x]) => `${js(k)}: ${valueExpr(x)}`).join(', ')} }`;
  return js(v);
}

function captureCode(name: string, spec: NonNullable<RequestStep['capture']>[string]): string {
  if (typeof spec === 'string' || 'json' in spec) {
    const path = typeof spec === 'string' ? spec : spec.json;
    const segs = simpleJsonPath(path);
    // k6's res.json(selector) takes a GJSON path: $.a.b[0] → a.b.0
    const sel = segs ? segs.join('.') : path.replace(/^\$\.?/, '');
    return `vars[${js(name)}] = res.json(${js(sel)});`;
  }
  if ('header' in spec) {
    if (spec.regex === undefined) return `vars[${js(name)}] = res.headers[${js(spec.header)}];`;
    return `vars[${js(name)}] = (String(res.headers[${js(spec.header)}] || '').match(new RegExp(${js(spec.regex)})) || [])[${spec.group ?? 1}];`;
  }
  return `vars[${js(name)}] = (String(res.body).match(new RegExp(${js(spec.regex)})) || [])[${spec.group ?? 1}];`;
}

function requestCode(step: RequestStep, indent: string, defaultHeaders: Record<string, string>): string[] {
  const name = requestName(step);
  const headers: Record<string, string> = { ...defaultHeaders, ...(step.headers ?? {}) };
  let body = 'null';
  if (step.json !== undefined) {
    body = `JSON.stringify(${valueExpr(mapStrings(step.json, (s) => s))})`;
    headers['Content-Type'] ??= 'application/json';
  } else if (step.form) body = valueExpr(step.form);
  else if (step.body !== undefined) body = strExpr(step.body);
  const query = step.query ? Object.entries(step.query).map(([k, v]) => `${encodeURIComponent(k)}=${typeof v === 'string' ? v : String(v)}`).join('&') : '';
  const url = strExpr(step.path + (query ? (step.path.includes('?') ? '&' : '?') + query : ''));
  const params: string[] = [`tags: { name: ${js(name)} }`];
  if (Object.keys(headers).length) params.push(`headers: { ${Object.entries(headers).map(([k, v]) => `${js(k)}: ${strExpr(v)}`).join(', ')} }`);
  if (step.timeoutMs) params.push(`timeout: ${js(`${step.timeoutMs}ms`)}`);
  const lines = [`${indent}res = http.request(${js(step.method)}, BASE + ${url}, ${body}, { ${params.join(', ')} });`];
  const e = step.expect;
  if (e) {
    const checks: string[] = [];
    if (e.status !== undefined) {
      const list = Array.isArray(e.status) ? e.status : [e.status];
      checks.push(`${js(`${name}: status ${list.join('|')}`)}: (r) => ${js(list)}.includes(r.status)`);
    }
    if (e.maxDurationMs !== undefined) checks.push(`${js(`${name}: within ${e.maxDurationMs} ms`)}: (r) => r.timings.duration < ${e.maxDurationMs}`);
    if (e.contains !== undefined) checks.push(`${js(`${name}: body contains ${e.contains}`)}: (r) => String(r.body).includes(${js(e.contains)})`);
    for (const [path, want] of Object.entries(e.json ?? {})) {
      const segs = simpleJsonPath(path);
      checks.push(`${js(`${name}: ${path} = ${JSON.stringify(want)}`)}: (r) => JSON.stringify(r.json(${js(segs ? segs.join('.') : path)})) === ${js(JSON.stringify(want))}`);
    }
    if (checks.length) lines.push(`${indent}check(res, { ${checks.join(', ')} });`);
  }
  for (const [k, spec] of Object.entries(step.capture ?? {})) lines.push(`${indent}${captureCode(k, spec)}`);
  return lines;
}

function stepsCode(steps: Step[], indent: string, defaultHeaders: Record<string, string>, px: K6ProtocolContext, timeoutMs: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    if (s.kind === 'think') {
      const { minMs, maxMs } = s.think;
      out.push(minMs === maxMs ? `${indent}sleep(${minMs / 1000});` : `${indent}sleep(${minMs / 1000} + Math.random() * ${(maxMs - minMs) / 1000});`);
    } else if (s.kind === 'loop') {
      if (s.count !== undefined) out.push(`${indent}for (let ${s.as}_index = 0; ${s.as}_index < ${s.count}; ${s.as}_index++) {`);
      else out.push(`${indent}for (const ${s.as} of JSON.parse(vars[${JSON.stringify(s.over)}] || '[]')) {`);
      out.push(...stepsCode(s.steps, `${indent}  `, defaultHeaders, px, timeoutMs), `${indent}}`);
    } else if (s.kind === 'if') {
      out.push(`${indent}// loadproof if ${JSON.stringify(s.if)}: only the then branch is exported`, ...stepsCode(s.then, indent, defaultHeaders, px, timeoutMs));
    } else if (s.kind === 'ws') {
      if (s.op !== 'connect') {
        px.notes.add(`a ws ${s.op} step outside the steps after its connect (e.g. the connect is in setup): not exported, k6/ws runs a socket inside one ws.connect call`);
        out.push(`${indent}// not exported: ws ${s.op} (see the header)`);
        continue;
      }
      const b = wsBlock(steps, i, indent, px, defaultHeaders, timeoutMs);
      out.push(...b.lines, ...stepsCode(b.others, indent, defaultHeaders, px, timeoutMs));
      i = b.next - 1;
    } else if (s.kind === 'grpc') out.push(...grpcCode(s, indent, px, timeoutMs));
    else out.push(...requestCode(s, indent, defaultHeaders));
  }
  return out;
}

const ident = (s: string, i: number): string => {
  const base = s.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(\d)/, '_$1');
  return base ? `scenario_${base}` : `scenario_${i}`;
};

/** The k6 script for a plan. */
export function exportK6(plan: Plan): string {
  const shape = planShape(plan);
  const defaultHeaders = plan.defaults?.headers ?? {};
  const scenarios: Record<string, unknown> = {};
  const fns: string[] = [];
  const timeoutMs = plan.defaults?.timeoutMs ?? 10_000;
  const px: K6ProtocolContext = { protos: [], usesWs: false, notes: new Set(), str: strExpr, value: valueExpr };
  shape.scenarios.forEach(({ scenario, share }, i) => {
    const fn = ident(scenario.name, i);
    const stages = shape.stages.map((s) => ({ duration: durationText(s.durationSec), target: Math.round(s.target * share * 100) / 100 }));
    if (shape.model === 'open') {
      const peak = shape.peak * share;
      scenarios[scenario.name] = {
        executor: 'ramping-arrival-rate',
        exec: fn,
        startRate: 0,
        timeUnit: '1s',
        preAllocatedVUs: Math.max(1, Math.ceil(peak)),
        maxVUs: Math.max(10, Math.ceil(peak * 10), plan.load?.maxInFlight ? Math.ceil(plan.load.maxInFlight * share) : 0),
        stages: stages.map((s) => ({ ...s, target: Math.ceil(s.target) })),
      };
    } else {
      scenarios[scenario.name] = { executor: 'ramping-vus', exec: fn, startVUs: 0, stages: stages.map((s) => ({ ...s, target: Math.round(s.target) })) };
    }
    const body: string[] = [`export function ${fn}() {`, '  let res;'];
    if (scenario.setup?.length) {
      body.push('  // per-VU setup: once per virtual user (module state is per VU in k6)', '  if (!vars.__setupDone) {');
      body.push(...stepsCode(scenario.setup, '    ', defaultHeaders, px, timeoutMs), '    vars.__setupDone = true;', '  }');
    }
    body.push(...stepsCode(scenario.flow, '  ', defaultHeaders, px, timeoutMs), '}');
    fns.push(body.join('\n'));
  });
  const thresholds: Record<string, unknown[]> = {};
  for (const [k, list] of Object.entries(plan.thresholds ?? {})) thresholds[k] = list.map((t) => t.source);
  const negate: Record<string, string> = { '<': '>=', '<=': '>', '>': '<=', '>=': '<', '==': '!=', '!=': '==' };
  for (const [k, list] of Object.entries(plan.abort ?? {})) {
    for (const a of list) {
      // loadproof aborts when the condition holds; a k6 threshold states what must hold.
      const text = a.source.replace(/\s+for\s+\S+$/, '').replace(/(<=|>=|==|!=|<|>)/, (op) => negate[op]!);
      (thresholds[k] ??= []).push({ threshold: text, abortOnFail: true, delayAbortEval: durationText(Math.round(a.forMs / 1000)) });
    }
  }
  const options: Record<string, unknown> = { scenarios, thresholds };
  if (plan.defaults?.insecure) options.insecureSkipTLSVerify = true;
  const usesUuid = JSON.stringify(plan).includes('$uuid(');
  if (px.usesWs) px.notes.add('k6 has no WebSocket message round-trip metric: each reply is a check (ws_session_duration and ws_connecting are k6\'s own timings), and a correlated reply is matched against the last message sent');
  return [
    `// k6 script exported by loadproof from the plan "${plan.name}".`,
    plan.hypothesis ? `// Hypothesis: ${plan.hypothesis.trim().replace(/\s+/g, ' ')}` : undefined,
    `// Run: k6 run ${'<this file>'}`,
    '// Differences from loadproof: abort rules become abortOnFail thresholds evaluated on the whole run',
    '// so far (not a sliding window); k6 measures open-model latency from the actual send, not the',
    '// intended one; think time is sleep() inside the iteration.',
    ...k6Http2Lines(plan),
    "import http from 'k6/http';",
    ...[...px.notes].map((n) => `// Not expressed: ${n}`),
    "import { check, sleep } from 'k6';",
    ...protocolPrelude(px),
    '',
    `const BASE = ${js(plan.target.replace(/\/$/, ''))};`,
    '// per-VU variables (captures); every k6 VU has its own copy of module state',
    'const vars = {};',
    ...protocolModuleCode(px, plan.target),
    '',
    `export const options = ${JSON.stringify(options, null, 2)};`,
    '',
    'function randomString(n) {',
    "  const a = 'abcdefghijklmnopqrstuvwxyz0123456789';",
    "  let s = '';",
    '  for (let i = 0; i < n; i++) s += a[Math.floor(Math.random() * a.length)];',
    '  return s;',
    '}',
    'function randomInt(min, max) {',
    '  return min + Math.floor(Math.random() * (max - min + 1));',
    '}',
    usesUuid
      ? [
          'function uuidv4() {',
          "  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {",
          '    const r = Math.floor(Math.random() * 16);',
          "    return (c === 'x' ? r : (r & 3) | 8).toString(16);",
          '  });',
          '}',
        ].join('\n')
      : undefined,
    '',
    fns.join('\n\n'),
    '',
  ]
    .filter((l) => l !== undefined)
    .join('\n');
}

/** Header lines on HTTP/2: automatic in k6 over TLS (ALPN); k6 has no cleartext h2c. */
function k6Http2Lines(plan: Plan): string[] {
  const want = wantsHttp2(plan);
  if (want === 'tls') return ['// HTTP/2: automatic in k6 (negotiated through ALPN on https, as loadproof does); no option is needed.'];
  if (want === 'h2c') return ['// Not expressed: cleartext HTTP/2 (h2c) — k6 speaks HTTP/2 only over TLS, so this script sends HTTP/1.1.'];
  if (plan.http?.version === '1.1' && /^https:/i.test(plan.target)) {
    return ['// Not expressed: http.version 1.1 — k6 uses HTTP/2 whenever the server offers it (GODEBUG=http2client=0 turns it off).'];
  }
  return [];
}
