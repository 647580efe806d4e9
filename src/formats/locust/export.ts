/**
 * Plan → locustfile (Locust 2.x). One `HttpUser` with one `@task(weight)` per scenario; per-VU setup
 * in `on_start`; think steps inside a flow become sleeps, a flow's last think step becomes
 * `wait_time = between(a, b)`; the stages become a `LoadTestShape`. Locust has no open model: an
 * open plan's arrival rate becomes that many users, each paced to one iteration per second by
 * `constant_throughput(1)` (close to the rate while an iteration takes under a second).
 * Expectations mark the request failed (Locust has no checks), so they count as errors there.
 */
import { notExportedNote, protocolStepText, protocolStepsOf } from '../common/protocol-steps.js';
import { http2Cannot } from '../common/http-version.js';
import type { Plan, RequestStep, Scenario, Step } from '../../plan/schema.js';
import { planShape, requestName } from '../common/plan-shape.js';
import { templateParts } from '../common/template.js';

const py = (v: unknown): string => {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(py).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${JSON.stringify(k)}: ${py(x)}`).join(', ')}}`;
};

/** A plan string as a Python expression: an f-string when it holds templates. */
function strExpr(s: string): string {
  const parts = templateParts(s);
  if (parts.every((p) => p.kind === 'text')) return JSON.stringify(s);
  const body = parts
    .map((p) => {
      switch (p.kind) {
        case 'text':
          return JSON.stringify(p.text).slice(1, -1).replace(/\{/g, '{{').replace(/\}/g, '}}');
        case 'var':
          // single quotes inside the f-string: Python before 3.12 cannot reuse the outer quote
          return `{self.vars['${p.name}']}`;
        case 'randomString':
          return '{random_string(8)}';
        case 'randomInt':
          return `{random.randint(${p.min}, ${p.max})}`;
        case 'uuid':
          return '{uuid.uuid4()}';
        case 'env':
          return `{os.environ['${p.name}']}`;
      }
    })
    .join('');
  return `f"${body}"`;
}

function valueExpr(v: unknown): string {
  if (typeof v === 'string') return strExpr(v);
  if (Array.isArray(v)) return `[${v.map(valueExpr).join(', ')}]`;
  if (v && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${valueExpr(x)}`).join(', ')}}`;
  return py(v);
}

function requestCode(step: RequestStep, ind: string): string[] {
  const name = requestName(step);
  const args: string[] = [JSON.stringify(step.method), strExpr(step.path), `name=${JSON.stringify(name)}`];
  if (step.headers) args.push(`headers=${valueExpr(step.headers)}`);
  if (step.query) args.push(`params=${valueExpr(step.query)}`);
  if (step.json !== undefined) args.push(`json=${valueExpr(step.json)}`);
  else if (step.form) args.push(`data=${valueExpr(step.form)}`);
  else if (step.body !== undefined) args.push(`data=${strExpr(step.body)}`);
  if (step.timeoutMs) args.push(`timeout=${step.timeoutMs / 1000}`);
  const e = step.expect;
  const captures = Object.entries(step.capture ?? {});
  if (!e && captures.length === 0) return [`${ind}self.client.request(${args.join(', ')})`];
  const lines = [`${ind}with self.client.request(${args.join(', ')}, catch_response=True) as r:`];
  const i2 = ind + '    ';
  if (e?.status !== undefined) {
    const list = Array.isArray(e.status) ? e.status : [e.status];
    lines.push(`${i2}if r.status_code not in ${py(list)}:`, `${i2}    r.failure(f"expected status ${list.join('|')}, got {r.status_code}")`);
  }
  if (e?.maxDurationMs !== undefined) {
    lines.push(`${i2}if r.elapsed.total_seconds() * 1000 >= ${e.maxDurationMs}:`, `${i2}    r.failure("slower than ${e.maxDurationMs} ms")`);
  }
  if (e?.contains !== undefined) lines.push(`${i2}if ${JSON.stringify(e.contains)} not in r.text:`, `${i2}    r.failure(${JSON.stringify(`body lacks ${e.contains}`)})`);
  for (const [path, want] of Object.entries(e?.json ?? {})) {
    lines.push(`${i2}if json_path(r, ${JSON.stringify(path)}) != ${py(want)}:`, `${i2}    r.failure(${JSON.stringify(`${path} is not ${JSON.stringify(want)}`)})`);
  }
  for (const [k, spec] of captures) {
    if (typeof spec === 'string' || 'json' in spec) lines.push(`${i2}self.vars[${JSON.stringify(k)}] = json_path(r, ${JSON.stringify(typeof spec === 'string' ? spec : spec.json)})`);
    else if ('header' in spec && spec.regex === undefined) lines.push(`${i2}self.vars[${JSON.stringify(k)}] = r.headers.get(${JSON.stringify(spec.header)})`);
    else {
      const text = 'header' in spec ? `r.headers.get(${JSON.stringify(spec.header)}, "")` : 'r.text';
      lines.push(`${i2}m = re.search(${JSON.stringify(spec.regex)}, ${text})`, `${i2}self.vars[${JSON.stringify(k)}] = m.group(${spec.group ?? 1}) if m else None`);
    }
  }
  lines.push(`${i2}pass`);
  return lines;
}

function stepsCode(steps: Step[], ind: string): string[] {
  return steps.flatMap((s) => {
    if (s.kind === 'think') {
      return [s.think.minMs === s.think.maxMs ? `${ind}time.sleep(${s.think.minMs / 1000})` : `${ind}time.sleep(random.uniform(${s.think.minMs / 1000}, ${s.think.maxMs / 1000}))`];
    }
    if (s.kind === 'loop') {
      const head = s.count !== undefined ? `${ind}for ${s.as}_index in range(${s.count}):` : `${ind}for ${s.as} in json.loads(self.vars.get(${JSON.stringify(s.over)}, "[]")):`;
      return [head, ...stepsCode(s.steps, `${ind}    `), `${ind}    pass`];
    }
    if (s.kind === 'if') return [`${ind}# loadproof if ${JSON.stringify(s.if)}: only the then branch is exported`, ...stepsCode(s.then, ind)];
    if (s.kind === 'ws' || s.kind === 'grpc') return [`${ind}# not exported: ${protocolStepText(s)} (see the notes above)`];
    return requestCode(s, ind);
  });
}

const pyIdent = (s: string, i: number): string => `task_${s.replace(/[^A-Za-z0-9_]/g, '_') || i}`;

/** The locustfile for a plan. */
export function exportLocust(plan: Plan): string {
  const shape = planShape(plan);
  // wait_time: an open plan paces each user to one iteration per second; a closed plan waits the
  // flows' trailing think time (or the defaults' think), else nothing.
  const trailing = (s: Scenario): Step | undefined => (s.flow[s.flow.length - 1]?.kind === 'think' ? s.flow[s.flow.length - 1] : undefined);
  const thinks = plan.scenarios.map(trailing).filter((s): s is Extract<Step, { kind: 'think' }> => s !== undefined);
  let waitTime: string;
  const notes: string[] = protocolStepsOf(plan).map(({ scenario, step }) => notExportedNote('the Locust', scenario, step));
  const h2 = http2Cannot(plan, "Locust's HttpUser (python-requests)");
  if (h2) notes.push(`Not expressed: ${h2}.`);
  if (shape.model === 'open') {
    waitTime = 'constant_throughput(1)';
    notes.push('Locust has no open model: each stage target (arrivals per second) becomes that many users, each paced to one iteration per second.');
  } else if (thinks.length) {
    const min = Math.min(...thinks.map((t) => t.think.minMs)) / 1000;
    const max = Math.max(...thinks.map((t) => t.think.maxMs)) / 1000;
    waitTime = `between(${min}, ${max})`;
  } else if (plan.defaults?.think) waitTime = `between(${plan.defaults.think.minMs / 1000}, ${plan.defaults.think.maxMs / 1000})`;
  else waitTime = 'constant(0)';
  const dropTrailing = shape.model === 'closed' && thinks.length > 0;
  const setups = new Map<string, Step[]>();
  for (const s of plan.scenarios) if (s.setup?.length) setups.set(JSON.stringify(s.setup), s.setup);
  if (setups.size > 1) notes.push("Locust's on_start runs once per user: the setups of all scenarios run there, one after another.");
  notes.push('Expectations mark the request failed (Locust has no checks), so they count as failures.');
  if (plan.thresholds) notes.push(`Locust has no thresholds; the plan's are: ${Object.entries(plan.thresholds).map(([k, l]) => `${k} ${l.map((t) => t.source).join(', ')}`).join('; ')}.`);

  // LoadTestShape: linear ramps within each stage, as loadproof runs them.
  const stageRows = shape.stages.map((s) => `        (${s.durationSec}, ${Math.round(s.target)}),`);
  const tasks = shape.scenarios.map(({ scenario }, i) => {
    const flow = dropTrailing && trailing(scenario) ? scenario.flow.slice(0, -1) : scenario.flow;
    return [`    @task(${scenario.weight})`, `    def ${pyIdent(scenario.name, i)}(self):`, `        # scenario "${scenario.name}"`, ...stepsCode(flow, '        '), ''].join('\n');
  });
  const headers = plan.defaults?.headers;
  return [
    `# locustfile exported by loadproof from the plan "${plan.name}".`,
    plan.hypothesis ? `# Hypothesis: ${plan.hypothesis.trim().replace(/\s+/g, ' ')}` : undefined,
    `# Run: locust -f <this file> --headless -H ${plan.target}`,
    ...notes.map((n) => `# ${n}`),
    'import os',
    'import json',
    'import random',
    'import re',
    'import string',
    'import time',
    'import uuid',
    '',
    'from locust import HttpUser, LoadTestShape, between, constant, constant_throughput, task',
    '',
    '',
    'def random_string(n):',
    '    return "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(n))',
    '',
    '',
    'def json_path(response, path):',
    '    """A dotted JSONPath ($.a.b[0]) into a response body; None when absent."""',
    '    value = response.json()',
    '    for key, index in re.findall(r"\\.([A-Za-z_][A-Za-z0-9_]*)|\\[(\\d+)\\]", path):',
    '        try:',
    '            value = value[key] if key else value[int(index)]',
    '        except (KeyError, IndexError, TypeError):',
    '            return None',
    '    return value',
    '',
    '',
    'class PlanUser(HttpUser):',
    `    host = ${JSON.stringify(plan.target)}`,
    `    wait_time = ${waitTime}`,
    '',
    '    def on_start(self):',
    '        self.vars = {}',
    headers ? `        self.client.headers.update(${valueExpr(headers)})` : undefined,
    ...[...setups.values()].flatMap((steps) => stepsCode(steps, '        ')),
    '',
    ...tasks,
    '',
    'class PlanShape(LoadTestShape):',
    `    """The plan's stages (${shape.model === 'open' ? 'arrivals per second as users' : 'virtual users'}): each ramps linearly from the previous target."""`,
    '',
    '    stages = [',
    ...stageRows,
    '    ]',
    '',
    '    def tick(self):',
    '        t = self.get_run_time()',
    '        start, previous = 0, 0',
    '        for duration, target in self.stages:',
    '            if t < start + duration:',
    '                users = round(previous + (target - previous) * (t - start) / duration)',
    '                spawn_rate = max(1, abs(target - previous) / duration)',
    '                return (users, spawn_rate)',
    '            start, previous = start + duration, target',
    '        return None',
    '',
  ]
    .filter((l) => l !== undefined)
    .join('\n');
}
