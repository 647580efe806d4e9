/**
 * An Artillery script (YAML) → a loadproof plan: `config.target`, `config.phases` (duration,
 * arrivalRate, rampTo, arrivalCount, pause) as open-model stages, `config.defaults.headers`,
 * `config.http.timeout`, `config.ensure` / `config.plugins.ensure` thresholds (p95/p99/max and
 * maxErrorRate), `config.payload` as a `data:` table, and scenarios with their weight and flow:
 * get/post/put/patch/delete with url, headers, qs, json, form, body, capture (json, header, regexp)
 * and expect (statusCode, contentType, hasProperty), think, and loop with count. Artillery's
 * `{{ var }}` templates are loadproof's; `{{ $processEnvironment.X }}` and `{{ $env.X }}` become
 * `{{ $env(X) }}`. Everything else is a note with its line, never dropped silently.
 */
import { LineCounter, isMap, parseDocument, type Node as YamlNode } from 'yaml';
import { badFile } from '../../errors.js';
import type { Conversion, ConvertNote } from '../common/convert.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

/** Converts an Artillery script. Throws a bad-file error (exit 2) when it is not YAML of that shape. */
export function convertArtillery(text: string, file: string): Conversion {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length) throw badFile(`${file}:${lc.linePos(doc.errors[0]!.pos[0]).line}`, `not YAML: ${doc.errors[0]!.message.split('\n')[0]}`, 'convert reads Artillery scripts');
  const notes: ConvertNote[] = [];
  const lineAt = (path: Array<string | number>): number => {
    const n = doc.getIn(path, true) as YamlNode | undefined;
    const range = (n as { range?: number[] } | undefined)?.range;
    if (range) return lc.linePos(range[0]!).line;
    // a key without a node of its own: the parent's line
    return path.length ? lineAt(path.slice(0, -1)) : 1;
  };
  const note = (path: Array<string | number>, message: string): void => {
    notes.push({ line: lineAt(path), message });
  };
  if (!isMap(doc.contents)) throw badFile(`${file}:1`, 'an Artillery script is a mapping with config and scenarios', 'is this an Artillery script?');
  const root = doc.toJS() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const config = (root.config ?? {}) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (!Array.isArray(root.scenarios)) throw badFile(`${file}:1`, 'no scenarios: list', 'is this an Artillery script?');
  for (const k of Object.keys(root)) if (k !== 'config' && k !== 'scenarios') note([k], `${k} is not translated`);

  const tpl = (s: unknown): string =>
    String(s).replace(/\{\{\s*\$(?:processEnvironment|env)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, '{{ $env($1) }}');
  const tplDeep = (v: unknown): unknown => {
    if (typeof v === 'string') return tpl(v);
    if (Array.isArray(v)) return v.map(tplDeep);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tplDeep(x)]));
    return v;
  };

  // phases → open-model stages (Artillery's arrival rates are per second)
  const stages: Array<{ duration: string; target: number }> = [];
  let last = 0;
  (Array.isArray(config.phases) ? config.phases : []).forEach((p: Record<string, unknown>, i: number) => {
    const d = p.duration ?? p.pause;
    const dur = typeof d === 'number' ? `${d}s` : String(d ?? '0s');
    let from: number;
    let to: number;
    if (p.pause !== undefined) from = to = 0;
    else if (p.arrivalCount !== undefined) {
      const sec = typeof d === 'number' ? d : 1;
      from = to = Number(p.arrivalCount) / sec;
      note(['config', 'phases', i, 'arrivalCount'], 'arrivalCount is spread evenly over the phase as a constant rate');
    } else {
      from = Number(p.arrivalRate ?? 0);
      to = p.rampTo !== undefined ? Number(p.rampTo) : from;
    }
    if (p.maxVusers !== undefined) note(['config', 'phases', i, 'maxVusers'], 'maxVusers is not translated (see load.maxInFlight)');
    if (from !== last || stages.length === 0) stages.push({ duration: '0s', target: from });
    stages.push({ duration: dur, target: to });
    last = to;
  });
  if (stages.length === 0) {
    note(['config'], 'no phases: the plan runs 1 arrival/s for 30s');
    stages.push({ duration: '0s', target: 1 }, { duration: '30s', target: 1 });
  }

  const plan: Record<string, unknown> = { name: file.replace(/^.*\//, '').replace(/\.ya?ml$/, '') };
  // thresholds from ensure (Artillery 2: config.plugins.ensure or config.ensure)
  const thresholds: Record<string, string[]> = {};
  const ensure = (config.plugins?.ensure ?? config.ensure) as Record<string, unknown> | undefined;
  if (ensure) {
    const ensurePath = config.plugins?.ensure ? ['config', 'plugins', 'ensure'] : ['config', 'ensure'];
    for (const [k, v] of Object.entries(ensure)) {
      const m = /^(p\d+|max|min|median)$/.exec(k);
      if (m) (thresholds.http_req_duration ??= []).push(k === 'max' ? `max<${v}` : k === 'median' ? `med<${v}` : `p(${k.slice(1)})<${v}`);
      else if (k === 'maxErrorRate') (thresholds.http_req_failed ??= []).push(`rate<${Number(v) / 100}`);
      else if (k === 'thresholds' && Array.isArray(v)) {
        for (const t of v as Array<Record<string, number>>) {
          for (const [metric, limit] of Object.entries(t)) {
            const pm = /^http\.response_time\.(p\d+|max|median)$/.exec(metric);
            if (pm) (thresholds.http_req_duration ??= []).push(pm[1] === 'max' ? `max<${limit}` : pm[1] === 'median' ? `med<${limit}` : `p(${pm[1]!.slice(1)})<${limit}`);
            else note([...ensurePath, k], `ensure threshold ${metric} is not translated`);
          }
        }
      } else note([...ensurePath, k], `ensure ${k} is not translated`);
    }
  }
  if (Object.keys(thresholds).length) plan.hypothesis = `the ensure checks of ${file.replace(/^.*\//, '')} hold: ${Object.entries(thresholds).map(([k, v]) => `${k} ${v.join(', ')}`).join('; ')}`;
  plan.target = typeof config.target === 'string' ? tpl(config.target) : 'http://127.0.0.1:8080';
  if (typeof config.target !== 'string') note(['config'], 'no config.target: the target is http://127.0.0.1:8080; edit it');
  plan.load = { model: 'open', stages };
  if (Object.keys(thresholds).length) plan.thresholds = thresholds;
  const defaults: Record<string, unknown> = {};
  if (config.defaults?.headers) defaults.headers = tplDeep(config.defaults.headers);
  if (config.http?.timeout !== undefined) defaults.timeout = `${config.http.timeout}s`;
  if (config.tls?.rejectUnauthorized === false) defaults.insecure = true;
  if (Object.keys(defaults).length) plan.defaults = defaults;
  for (const k of Object.keys(config)) {
    if (!['target', 'phases', 'defaults', 'http', 'tls', 'ensure', 'plugins', 'payload'].includes(k)) note(['config', k], `config.${k} is not translated`);
  }
  for (const k of Object.keys(config.plugins ?? {})) if (k !== 'ensure' && k !== 'metrics-by-endpoint') note(['config', 'plugins', k], `plugin ${k} is not translated`);
  // payload → data tables (Artillery's CSV has no header by default: the fields name the columns)
  const payloads = Array.isArray(config.payload) ? config.payload : config.payload ? [config.payload] : [];
  const data: Record<string, unknown> = {};
  payloads.forEach((p: Record<string, unknown>, i: number) => {
    const name = payloads.length === 1 ? 'payload' : `payload${i + 1}`;
    data[name] = { file: String(p.path), mode: p.order === 'sequence' ? 'sequential' : 'random' };
    const fields = Array.isArray(p.fields) ? p.fields.join(',') : '';
    note(['config', 'payload'], `payload ${String(p.path)} becomes data ${name}: the file needs a header row${fields ? ` (${fields})` : ''}${p.skipHeader ? '' : ' — Artillery reads it without one'}; its fields are {{ ${name}.<field> }} (the flow's {{ <field> }} must be renamed)`);
  });
  if (payloads.length) plan.data = data;

  const steps = (list: unknown, path: Array<string | number>): Array<Record<string, unknown>> => {
    const out: Array<Record<string, unknown>> = [];
    if (!Array.isArray(list)) return out;
    list.forEach((raw: Record<string, any>, i: number) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      const at = [...path, i];
      const method = METHODS.find((m) => raw[m] !== undefined);
      if (method) {
        const r = raw[method] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        const step: Record<string, unknown> = { [method]: tpl(r.url) };
        if (r.name) step.name = r.name;
        if (r.headers) step.headers = tplDeep(r.headers);
        if (r.qs) step.query = tplDeep(r.qs);
        if (r.json !== undefined) step.json = tplDeep(r.json);
        else if (r.form) step.form = tplDeep(r.form);
        else if (r.body !== undefined) step.body = tpl(r.body);
        const caps = r.capture === undefined ? [] : Array.isArray(r.capture) ? r.capture : [r.capture];
        const capture: Record<string, unknown> = {};
        caps.forEach((c: Record<string, string>, ci: number) => {
          if (!c.as) return note([...at, method, 'capture', ci], 'a capture without as: is not translated');
          if (c.json) capture[c.as] = c.json;
          else if (c.header) capture[c.as] = { header: c.header };
          else if (c.regexp) capture[c.as] = { regex: c.regexp };
          else note([...at, method, 'capture', ci], `capture ${c.as}: only json, header and regexp are translated`);
        });
        if (Object.keys(capture).length) step.capture = capture;
        const expects = r.expect === undefined ? [] : Array.isArray(r.expect) ? r.expect : [r.expect];
        const expect: Record<string, unknown> = {};
        expects.forEach((e: Record<string, unknown>, ei: number) => {
          if (e.statusCode !== undefined) expect.status = e.statusCode;
          else note([...at, method, 'expect', ei], `expect ${Object.keys(e).join(', ')} is not translated (statusCode is)`);
        });
        if (Object.keys(expect).length) step.expect = expect;
        for (const k of Object.keys(r)) {
          if (!['url', 'name', 'headers', 'qs', 'json', 'form', 'body', 'capture', 'expect'].includes(k)) note([...at, method, k], `${method}.${k} is not translated`);
        }
        out.push(step);
      } else if (raw.think !== undefined) {
        out.push({ think: typeof raw.think === 'number' ? `${raw.think}s` : String(raw.think) });
      } else if (raw.loop !== undefined) {
        if (typeof raw.count === 'number') out.push({ loop: { count: raw.count, steps: steps(raw.loop, [...at, 'loop']) } });
        else if (typeof raw.over === 'string') out.push({ loop: { over: raw.over.replace(/^\{\{\s*|\s*\}\}$/g, ''), as: 'item', steps: steps(raw.loop, [...at, 'loop']) } });
        else note(at, 'a loop without count or over (a variable) is not translated');
      } else note(at, `step ${Object.keys(raw).join(', ')} is not translated`);
    });
    return out;
  };

  const scenarios: Array<Record<string, unknown>> = [];
  (root.scenarios as Array<Record<string, any>>).forEach((s, i) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const flow = steps(s.flow, ['scenarios', i, 'flow']);
    for (const k of Object.keys(s)) if (!['name', 'weight', 'flow', 'engine'].includes(k)) note(['scenarios', i, k], `scenario ${k} is not translated`);
    if (s.engine !== undefined && s.engine !== 'http') {
      note(['scenarios', i, 'engine'], `engine ${String(s.engine)} is not translated (HTTP only); the scenario is left out`);
      return;
    }
    if (flow.length === 0) {
      note(['scenarios', i], 'a scenario without translated requests is left out');
      return;
    }
    scenarios.push({ name: s.name ?? `scenario${i + 1}`, ...(s.weight !== undefined ? { weight: s.weight } : {}), flow });
  });
  plan.scenarios = scenarios;
  notes.sort((a, b) => a.line - b.line);
  return { plan, notes };
}
