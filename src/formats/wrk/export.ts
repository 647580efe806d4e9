/**
 * Plan → wrk command line and Lua script, for plans with one scenario of one request. wrk drives a
 * fixed number of connections as fast as they go (wrk2 adds a constant rate, -R); the header says
 * plainly what else the plan asks for that wrk cannot do.
 */
import { http2Cannot } from '../common/http-version.js';
import { requestStepsOf, type Plan, type RequestStep } from '../../plan/schema.js';
import { badFile } from '../../errors.js';
import { planShape } from '../common/plan-shape.js';
import { templateParts } from '../common/template.js';

const lua = (s: string): string => JSON.stringify(s).replace(/\\u([0-9a-f]{4})/gi, (_m, h: string) => `\\u{${h}}`);

/** A plan string as a Lua expression; random templates become Lua calls. */
function luaExpr(s: string, cannot: Set<string>): string {
  const parts = templateParts(s);
  if (parts.every((p) => p.kind === 'text')) return lua(s);
  return parts
    .map((p) => {
      switch (p.kind) {
        case 'text':
          return lua(p.text);
        case 'randomString':
          return 'random_string(8)';
        case 'randomInt':
          return `tostring(math.random(${p.min}, ${p.max}))`;
        case 'uuid':
          return 'uuid()';
        case 'env':
          return `(os.getenv(${lua(p.name)}) or "")`;
        case 'var':
          cannot.add(`captured values ({{ ${p.name} }}): wrk has no per-connection variables here`);
          return lua('');
      }
    })
    .join(' .. ');
}

/**
 * The wrk2 export: the same Lua script, headed by the wrk2 command line (`-R`, the plan's peak rate,
 * latency measured from each request's intended send). wrk2 always paces at a constant rate, so a
 * closed-model plan (virtual users, no rate) cannot be expressed: refused with what to do instead.
 */
export function exportWrk2(plan: Plan, file = 'plan'): string {
  const shape = planShape(plan);
  if (shape.model === 'closed') {
    throw badFile(
      file,
      `wrk2 paces a constant request rate (-R); this plan is closed-model (${Math.ceil(shape.peak)} virtual users) and states no rate`,
      'export it to wrk (connections), or give the plan load.model: open with a target rate',
    );
  }
  return exportWrk(plan, file, true);
}

/** The wrk export: a Lua script whose header holds the command lines and the limits. */
export function exportWrk(plan: Plan, file = 'plan', wrk2 = false): string {
  const shape = planShape(plan);
  const cannot = new Set<string>();
  const requests: RequestStep[] = plan.scenarios.flatMap((s) => requestStepsOf([...(s.setup ?? []), ...s.flow]));
  if (requests.length === 0) throw badFile(file, 'the plan has no request to export to wrk');
  if (plan.scenarios.length > 1) cannot.add(`several scenarios (${plan.scenarios.map((s) => s.name).join(', ')}): only the first scenario's first request is exported`);
  const first = plan.scenarios[0]!;
  if (first.setup?.length) cannot.add('per-VU setup steps (e.g. a login): wrk sends one request shape on every connection');
  const step = requests.find((r) => first.flow.includes(r)) ?? requests[0]!;
  if (first.flow.filter((s) => s.kind === 'request').length > 1) cannot.add('a flow of several requests: only the first is exported');
  if ([...first.flow, ...(first.setup ?? [])].some((s) => s.kind === 'think')) cannot.add('think time: wrk sends the next request as soon as a response arrives');
  if (shape.stages.some((s, i) => s.target !== (i === 0 ? 0 : shape.stages[i - 1]!.target))) cannot.add('ramps and stages: wrk holds one load for the whole run (the duration below is the plan total)');
  if (Object.keys(step.capture ?? {}).length) cannot.add('captures');
  if (step.expect) cannot.add('expectations (checks): wrk only counts responses with status ≥ 400');
  if (plan.thresholds) cannot.add('thresholds: judge them by importing the output (loadproof import wrk.txt)');
  if (plan.abort) cannot.add('abort rules');
  const h2 = http2Cannot(plan, 'wrk');
  if (h2 !== null) cannot.add(h2);

  const headers: Record<string, string> = { ...(plan.defaults?.headers ?? {}), ...(step.headers ?? {}) };
  let body: string | undefined;
  if (step.json !== undefined) {
    headers['Content-Type'] ??= 'application/json';
    body = JSON.stringify(step.json);
  } else if (step.form) {
    headers['Content-Type'] ??= 'application/x-www-form-urlencoded';
    body = new URLSearchParams(Object.entries(step.form).map(([k, v]): [string, string] => [k, String(v)])).toString();
  } else if (step.body !== undefined) body = step.body;
  const query = step.query ? new URLSearchParams(Object.entries(step.query).map(([k, v]): [string, string] => [k, String(v)])).toString() : '';
  const path = step.path + (query ? (step.path.includes('?') ? '&' : '?') + query : '');
  const dynamic = [path, body ?? '', ...Object.values(headers)].some((s) => templateParts(s).some((p) => p.kind !== 'text'));

  const connections = plan.load?.connections ?? Math.max(10, Math.min(1000, Math.ceil(shape.model === 'closed' ? shape.peak : shape.peak / 10)));
  const threads = Math.min(2, connections);
  const base = plan.target.replace(/\/$/, '');
  const requestLines: string[] = [`wrk.method = ${lua(step.method)}`];
  if (!dynamic) {
    requestLines.push(`wrk.path = ${lua(path)}`);
    for (const [k, v] of Object.entries(headers)) requestLines.push(`wrk.headers[${lua(k)}] = ${lua(v)}`);
    if (body !== undefined) requestLines.push(`wrk.body = ${lua(body)}`);
  } else {
    requestLines.push(
      '',
      'local charset = "abcdefghijklmnopqrstuvwxyz0123456789"',
      'function random_string(n)',
      '  local t = {}',
      '  for i = 1, n do local k = math.random(1, #charset); t[i] = charset:sub(k, k) end',
      '  return table.concat(t)',
      'end',
      'function uuid()',
      '  return (string.gsub("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", "[xy]", function (c)',
      '    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)',
      '    return string.format("%x", v)',
      '  end))',
      'end',
      '',
      'request = function()',
      '  local headers = {}',
      ...Object.entries(headers).map(([k, v]) => `  headers[${lua(k)}] = ${luaExpr(v, cannot)}`),
      `  return wrk.format(${lua(step.method)}, ${luaExpr(path, cannot)}, headers, ${body !== undefined ? luaExpr(body, cannot) : 'nil'})`,
      'end',
    );
  }
  if (wrk2) {
    const lines: string[] = [
      `-- wrk2 script exported by loadproof from the plan "${plan.name}".`,
      `-- wrk2 (constant rate, the plan's peak; latency from each request's intended send):`,
      `--   wrk -t${threads} -c${connections} -d${shape.totalSec}s -R${Math.ceil(shape.peak)} --latency -s <this file> ${base}`,
      '-- (wrk2 installs its binary as `wrk`; the -R flag is what only wrk2 has)',
      '-- What wrk2 cannot express from this plan:',
      ...(cannot.size ? [...cannot].map((c) => `--   - ${c.replace(/\bwrk\b/g, 'wrk2')}`) : ['--   - nothing: this plan is a single request at one rate']),
      '',
      ...requestLines,
    ];
    return lines.join('\n') + '\n';
  }
  const lines: string[] = [
    `-- wrk script exported by loadproof from the plan "${plan.name}".`,
    `-- wrk (closed loop, as fast as the connections go):`,
    `--   wrk -t${threads} -c${connections} -d${shape.totalSec}s --latency -s <this file> ${base}`,
    shape.model === 'open'
      ? `-- wrk2 (constant rate, the plan's peak; latency from the intended send):\n--   wrk -t${threads} -c${connections} -d${shape.totalSec}s -R${Math.ceil(shape.peak)} --latency -s <this file> ${base}`
      : `-- the plan is closed-model (${Math.ceil(shape.peak)} virtual users at peak): -c is the closest wrk knob`,
    '-- What wrk cannot express from this plan:',
    ...(cannot.size ? [...cannot].map((c) => `--   - ${c}`) : ['--   - nothing: this plan is a single request at one load']),
    '',
    ...requestLines,
  ];
  return lines.join('\n') + '\n';
}
