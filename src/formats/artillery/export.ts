/**
 * Plan → Artillery 2 script (YAML). Each stage becomes a phase (`arrivalRate`, `rampTo` when the
 * target changes), scenarios keep their weights, per-VU setup steps open each flow (an Artillery
 * virtual user runs its flow once), captures use `capture`, and status/body expectations use the
 * bundled `expect` plugin. Artillery's arrivals are scenario starts, as in loadproof's open model.
 */
import { stringify } from 'yaml';
import { requestStepsOf, type Plan, type RequestStep, type Step } from '../../plan/schema.js';
import { planShape, requestName } from '../common/plan-shape.js';
import { mapStrings, templateParts } from '../common/template.js';
import { notExportedNote, protocolStepsOf } from '../common/protocol-steps.js';
import { http2Cannot } from '../common/http-version.js';

/** A plan string in Artillery's template idiom. */
function str(s: string, notes: Set<string>): string {
  return templateParts(s)
    .map((p) => {
      switch (p.kind) {
        case 'text':
          return p.text;
        case 'var':
          return `{{ ${p.name} }}`;
        case 'randomString':
          return '{{ $randomString() }}';
        case 'randomInt':
          return `{{ $randomNumber(${p.min}, ${p.max}) }}`;
        case 'uuid':
          notes.add('$uuid() has no Artillery template; it is written as $randomString()');
          return '{{ $randomString() }}';
        case 'env':
          return `{{ $processEnvironment.${p.name} }}`;
      }
    })
    .join('');
}

function request(step: RequestStep, notes: Set<string>): Record<string, unknown> {
  const r: Record<string, unknown> = { url: str(step.path, notes), name: requestName(step) };
  if (step.headers) r.headers = mapStrings(step.headers, (s) => str(s, notes));
  if (step.query) r.qs = mapStrings(step.query, (s) => str(s, notes));
  if (step.json !== undefined) r.json = mapStrings(step.json, (s) => str(s, notes));
  else if (step.form) r.form = mapStrings(step.form, (s) => str(s, notes));
  else if (step.body !== undefined) r.body = str(step.body, notes);
  if (step.timeoutMs) r.timeout = step.timeoutMs / 1000;
  const captures = Object.entries(step.capture ?? {}).map(([as, spec]) => {
    if (typeof spec === 'string') return { json: spec, as };
    if ('json' in spec) return { json: spec.json, as };
    if ('header' in spec) {
      if (spec.regex !== undefined) notes.add(`the capture ${as} applies a regex to header ${spec.header}: Artillery captures the whole header value`);
      return { header: spec.header.toLowerCase(), as };
    }
    return { regexp: spec.regex, group: spec.group ?? 1, as };
  });
  if (captures.length) r.capture = captures.length === 1 ? captures[0] : captures;
  const e = step.expect;
  const expects: Array<Record<string, unknown>> = [];
  if (e?.status !== undefined) expects.push({ statusCode: Array.isArray(e.status) ? e.status : e.status });
  if (e?.contains !== undefined) expects.push({ matchesRegexp: e.contains.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') });
  for (const [path, want] of Object.entries(e?.json ?? {})) expects.push({ equals: [`{{ ${path.replace(/^\$\.?/, '')} }}`, String(want)] });
  if (e?.json) notes.add('JSON expectations are written as `equals` on captured-style paths; check them in Artillery');
  if (e?.maxDurationMs !== undefined) notes.add('the expect plugin has no per-request duration check: maxDuration is not exported');
  if (expects.length) r.expect = expects;
  return { [step.method.toLowerCase()]: r };
}

function steps(list: Step[], notes: Set<string>): Array<Record<string, unknown>> {
  return list.flatMap((s) => {
    if (s.kind === 'request') return [request(s, notes)];
    if (s.kind === 'ws' || s.kind === 'grpc') return []; // listed in the notes by exportArtillery
    if (s.kind === 'loop') {
      if (s.count !== undefined) return [{ loop: steps(s.steps, notes), count: s.count }];
      notes.add(`a loop over ${s.over} is exported as its body once: Artillery's loop over takes a literal list or a variable`);
      return steps(s.steps, notes);
    }
    if (s.kind === 'if') {
      notes.add('if steps are not exported (Artillery has no branch in YAML): the then branch is exported unconditionally');
      return steps(s.then, notes);
    }
    if (s.think.minMs !== s.think.maxMs) notes.add('Artillery thinks a fixed time: think ranges use their midpoint');
    return [{ think: Math.round((s.think.minMs + s.think.maxMs) / 2) / 1000 }];
  });
}

/** The Artillery script for a plan. */
export function exportArtillery(plan: Plan): string {
  const shape = planShape(plan);
  const notes = new Set<string>();
  for (const { scenario, step } of protocolStepsOf(plan)) notes.add(notExportedNote('the Artillery', scenario, step));
  const h2 = http2Cannot(plan, 'this Artillery script');
  if (h2) notes.add(`not expressed: ${h2}`);
  if (shape.model === 'closed') {
    notes.add('Artillery has no closed model (virtual users looping): each stage target is written as arrivals per second');
  }
  let previous = 0;
  const phases = shape.stages.map((s, i) => {
    const p: Record<string, unknown> = { duration: s.durationSec, arrivalRate: previous, name: `stage ${i + 1}` };
    if (s.target !== previous) p.rampTo = s.target;
    previous = s.target;
    return p;
  });
  const config: Record<string, unknown> = { target: plan.target.replace(/\/$/, ''), phases };
  const hasExpect = plan.scenarios.some((s) => requestStepsOf([...(s.setup ?? []), ...s.flow]).some((st) => st.expect));
  const plugins: Record<string, unknown> = {};
  if (hasExpect) plugins.expect = { outputFormat: 'silent', reportFailuresAsErrors: false };
  // thresholds → the ensure plugin where Artillery has the metric
  const ensure: Array<Record<string, number>> = [];
  for (const t of plan.thresholds?.http_req_duration ?? []) {
    const a = t.aggregation;
    const key = a.kind === 'percentile' && [50, 75, 90, 95, 99].includes(a.p) ? `http.response_time.p${a.p}` : a.kind === 'max' ? 'http.response_time.max' : a.kind === 'avg' ? 'http.response_time.mean' : undefined;
    if (key && (t.op === '<' || t.op === '<=')) ensure.push({ [key]: t.value });
    else notes.add(`threshold http_req_duration ${t.source} has no Artillery ensure equivalent`);
  }
  for (const [k, list] of Object.entries(plan.thresholds ?? {})) {
    if (k !== 'http_req_duration') notes.add(`threshold ${k} ${list.map((t) => t.source).join(', ')} has no Artillery ensure equivalent`);
  }
  if (ensure.length) {
    plugins.ensure = {};
    config.ensure = { thresholds: ensure };
  }
  if (Object.keys(plugins).length) config.plugins = plugins;
  if (plan.defaults?.timeoutMs) config.http = { timeout: plan.defaults.timeoutMs / 1000 };
  if (plan.defaults?.headers) config.defaults = { headers: plan.defaults.headers };
  if (plan.abort) notes.add('Artillery has no live abort rules: the plan\'s abort conditions are not exported');
  const scenarios = plan.scenarios.map((s) => ({ name: s.name, weight: s.weight, flow: steps([...(s.setup ?? []), ...s.flow], notes) }));
  const doc = stringify({ config, scenarios }, { lineWidth: 0 });
  const header = [
    `# Artillery script exported by loadproof from the plan "${plan.name}".`,
    plan.hypothesis ? `# Hypothesis: ${plan.hypothesis.trim().replace(/\s+/g, ' ')}` : undefined,
    '# Run: npx artillery run <this file>',
    ...[...notes].map((n) => `# Note: ${n}.`),
  ].filter((l) => l !== undefined);
  return header.join('\n') + '\n' + doc;
}
