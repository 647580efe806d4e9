/**
 * `init`: the Step 1 questions and the plan they produce.
 *
 * Pure: the questions (with their defaults and answer parsers) and `renderInitPlan(answers)`,
 * which writes plan YAML with comments and the `yaml-language-server` `$schema` line. The CLI
 * (src/cli/commands/init.ts) asks the questions on a terminal, reads piped answers, or takes flags.
 */
import { HTTP_METHODS, PATTERN_TYPES, type PatternType } from './schema.js';
import { loopbackPort } from './design.js';

export interface Endpoint {
  method: Uppercase<(typeof HTTP_METHODS)[number]>;
  path: string;
}

/** Everything `init` needs; optional criteria are left out of the plan when absent. */
export interface InitAnswers {
  target: string;
  endpoints: Endpoint[];
  p95Ms: number | null;
  p99Ms: number | null;
  /** a fraction, 0..1 */
  errorRate: number | null;
  /** completed requests per second over the whole run */
  throughputRps: number | null;
  pattern: PatternType;
  peak: number;
  peakSource: string;
  model: 'open' | 'closed';
  name: string;
  hypothesis: string;
}

/** One line per pattern: what it tests (shown when asking, and in `init --help`). */
export const PATTERN_HELP: Readonly<Record<PatternType, string>> = {
  smoke: 'minimal load for 30s: does it work at all?',
  load: 'ramp to the expected peak, hold, ramp down: does it hold at the peak it will see?',
  stress: 'steps to 150% and 200% of the peak: how does it degrade past it?',
  spike: 'a sudden 10x jump, hold, drop: does it survive a surge and recover?',
  soak: 'the peak held 30 minutes or more: does anything leak or drift?',
  breakpoint: 'steps up until errors or latency trip a stop rule: where is the capacity?',
};

export const MODEL_HELP = {
  open: 'arrivals at a set rate whatever the target does (APIs with many independent users)',
  closed: 'a fixed number of virtual users, each waiting for its answer (a known user pool, batch clients)',
} as const;

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(message: string): Parsed<T> => ({ ok: false, message });

/** A Step 1 question: its answer text is parsed; an empty answer takes the default. */
export interface InitQuestion<K extends keyof InitAnswers = keyof InitAnswers> {
  key: K;
  prompt: string;
  /** extra lines shown before the prompt on a terminal */
  help?: string[];
  /** the default as text, from the answers so far */
  defaultText(so: Partial<InitAnswers>): string;
  parse(text: string, so: Partial<InitAnswers>): Parsed<InitAnswers[K]>;
}

/** "GET /items" or "/items" (GET) → an endpoint. */
export function parseEndpoint(text: string): Endpoint | string {
  const m = /^\s*(?:([A-Za-z]+)\s+)?(\S+)\s*$/.exec(text);
  if (!m) return `"${text}" is not an endpoint (write e.g. "GET /items")`;
  const method = (m[1] ?? 'GET').toLowerCase();
  if (!(HTTP_METHODS as readonly string[]).includes(method)) return `unknown method "${m[1]}" (use ${HTTP_METHODS.map((x) => x.toUpperCase()).join(', ')})`;
  let path = m[2]!;
  if (/^https?:\/\//.test(path)) {
    const u = new URL(path);
    path = `${u.pathname}${u.search}`;
  }
  if (!path.startsWith('/')) return `"${path}" is not a path (it should start with /)`;
  return { method: method.toUpperCase() as Endpoint['method'], path };
}

/** "1%", "0.01", "1 %" → 0.01. */
export function parseErrorRate(text: string): number | string {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%)?\s*$/.exec(text);
  if (!m) return `"${text}" is not an error rate (write e.g. 1% or 0.01)`;
  const v = m[2] ? Number(m[1]) / 100 : Number(m[1]);
  if (v < 0 || v > 1) return `an error rate is between 0% and 100%, got ${text.trim()}`;
  return v;
}

const NONE = /^\s*(none|no|-|off)\s*$/i;

function positiveNumber(what: string, allowNone: boolean) {
  return (text: string): Parsed<number | null> => {
    if (allowNone && NONE.test(text)) return ok(null);
    const v = Number(text.trim().replace(/\s*(ms|req\/s|\/s|rps|vus?)$/i, ''));
    if (!Number.isFinite(v) || v <= 0) return bad(`${what} must be a positive number${allowNone ? ' (or "none")' : ''}, got "${text.trim()}"`);
    return ok(v);
  };
}

function hostOf(target: string): string {
  try {
    return new URL(target).host;
  } catch {
    return target;
  }
}

const unitOf = (model: 'open' | 'closed' | undefined): string => (model === 'closed' ? 'virtual users' : 'req/s');

/** The Step 1 questions, in the order they are asked (and piped answers are read). */
export const INIT_QUESTIONS: readonly InitQuestion[] = [
  {
    key: 'target',
    prompt: 'What is tested? Base URL of the target',
    defaultText: () => 'http://127.0.0.1:3000',
    parse: (text) => {
      try {
        const u = new URL(text.trim());
        if (u.protocol !== 'http:' && u.protocol !== 'https:') return bad(`use an http:// or https:// URL, got ${u.protocol}`);
        return ok(text.trim().replace(/\/+$/, ''));
      } catch {
        return bad(`"${text.trim()}" is not a URL (write e.g. http://127.0.0.1:3000)`);
      }
    },
  },
  {
    key: 'endpoints',
    prompt: 'Which endpoints? (comma-separated, e.g. GET /items, POST /items)',
    defaultText: () => 'GET /',
    parse: (text) => {
      const list: Endpoint[] = [];
      for (const part of text.split(',').filter((p) => p.trim())) {
        const e = parseEndpoint(part);
        if (typeof e === 'string') return bad(e);
        list.push(e);
      }
      return list.length ? ok(list) : bad('name at least one endpoint, e.g. GET /items');
    },
  },
  {
    key: 'p95Ms',
    prompt: 'Success criterion: p95 latency must stay below (ms, or "none")',
    defaultText: () => '200',
    parse: positiveNumber('the p95 limit', true),
  },
  {
    key: 'p99Ms',
    prompt: 'Success criterion: p99 latency must stay below (ms, or "none")',
    defaultText: (so) => (so.p95Ms ? String(so.p95Ms * 2.5) : '500'),
    parse: positiveNumber('the p99 limit', true),
  },
  {
    key: 'errorRate',
    prompt: 'Success criterion: error rate must stay below (e.g. 1%, or "none")',
    defaultText: () => '1%',
    parse: (text) => {
      if (NONE.test(text)) return ok(null);
      const v = parseErrorRate(text);
      return typeof v === 'string' ? bad(v) : ok(v);
    },
  },
  {
    key: 'throughputRps',
    prompt: 'Success criterion: throughput over the whole run, ramps included, at least (req/s, or "none")',
    defaultText: () => 'none',
    parse: positiveNumber('the throughput', true),
  },
  {
    key: 'pattern',
    prompt: `Which pattern represents reality? (${PATTERN_TYPES.join(', ')})`,
    help: PATTERN_TYPES.map((p) => `  ${p.padEnd(11)}${PATTERN_HELP[p]}`),
    defaultText: () => 'load',
    parse: (text) => {
      const t = text.trim().toLowerCase();
      return (PATTERN_TYPES as readonly string[]).includes(t) ? ok(t as PatternType) : bad(`"${text.trim()}" is not a pattern (${PATTERN_TYPES.join(', ')})`);
    },
  },
  {
    key: 'model',
    prompt: 'Load model: open (arrival rate) or closed (virtual users)?',
    help: [`  open    ${MODEL_HELP.open}`, `  closed  ${MODEL_HELP.closed}`],
    defaultText: () => 'open',
    parse: (text) => {
      const t = text.trim().toLowerCase();
      return t === 'open' || t === 'closed' ? ok(t) : bad(`"${text.trim()}" is not a model (open or closed)`);
    },
  },
  {
    key: 'peak',
    prompt: 'Expected peak (req/s for open, virtual users for closed)',
    defaultText: () => '100',
    parse: (text) => {
      const r = positiveNumber('the peak', false)(text);
      return r.ok ? ok(r.value!) : r;
    },
  },
  {
    key: 'peakSource',
    prompt: 'Where does that peak come from? (analytics, last incident, a guess ...)',
    defaultText: () => 'an estimate',
    parse: (text) => ok(text.trim()),
  },
  {
    key: 'name',
    prompt: 'A name for this plan',
    defaultText: (so) => defaultName(so),
    parse: (text) => (text.trim() ? ok(text.trim()) : bad('the name cannot be empty')),
  },
  {
    key: 'hypothesis',
    prompt: 'Hypothesis (what you expect to hold, with numbers)',
    defaultText: (so) => defaultHypothesis(so),
    parse: (text) => (text.trim() ? ok(text.trim()) : bad('the hypothesis cannot be empty')),
  },
];

/** "GET /items, POST /items on 127.0.0.1:3000" */
export function defaultName(so: Partial<InitAnswers>): string {
  const eps = (so.endpoints ?? []).map((e) => `${e.method} ${e.path}`);
  const shown = eps.length > 3 ? [...eps.slice(0, 3), `${eps.length - 3} more`] : eps;
  return `${shown.join(', ') || 'the API'} on ${hostOf(so.target ?? 'http://127.0.0.1:3000')}`;
}

/** A hypothesis sentence from the numbers, shaped by the pattern. */
export function defaultHypothesis(so: Partial<InitAnswers>): string {
  const what = (so.endpoints ?? []).length > 1 ? 'the mix of these endpoints' : `${so.endpoints?.[0] ? `${so.endpoints[0].method} ${so.endpoints[0].path}` : 'the API'}`;
  const peak = so.peak ?? 100;
  const unit = unitOf(so.model);
  const load = `${fmt(peak)} ${unit}`;
  const limits: string[] = [];
  if (so.p95Ms) limits.push(`p95 < ${fmt(so.p95Ms)} ms`);
  if (so.p99Ms) limits.push(`p99 < ${fmt(so.p99Ms)} ms`);
  const latency = limits.length ? ` at ${limits.join(' and ')}` : '';
  const errors = so.errorRate !== null && so.errorRate !== undefined ? ` with under ${fmt(so.errorRate * 100)}% errors` : '';
  const slo = `${latency}${errors}`;
  const from = so.peakSource && so.peakSource !== 'an estimate' ? ` (the expected peak, from ${so.peakSource})` : ' (the expected peak)';
  switch (so.pattern ?? 'load') {
    case 'smoke':
      return `${cap(what)} answers every request without errors at minimal load.`;
    case 'load':
      return `${cap(what)} sustains ${load}${from}${slo}.`;
    case 'stress':
      return `${cap(what)} sustains ${load}${from}${slo}, and past it, up to ${fmt(peak * 2)} ${unit}, degrades gracefully rather than collapsing.`;
    case 'spike':
      return `${cap(what)} absorbs a sudden jump to ${fmt(peak * 2)} ${unit} and returns to its baseline latency${errors} within the recovery window.`;
    case 'soak':
      return `${cap(what)} sustains ${load} for 30 minutes${slo}, with no growth in memory or latency.`;
    case 'breakpoint':
      return `${cap(what)} sustains at least ${load}${from}${slo}: its capacity, where errors pass 5% or latency breaks away, lies above that.`;
  }
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
/** A number without float noise: 0.005 → "0.005", 0.1 * 3 → "0.3". */
const fmt = (n: number): string => String(Number(n.toPrecision(10)));

/** Fills every answer not given with its default (the `--yes` path). */
export function completeAnswers(given: Partial<InitAnswers>): InitAnswers {
  const so: Partial<InitAnswers> = { ...given };
  for (const q of INIT_QUESTIONS) {
    if (so[q.key] !== undefined) continue;
    const r = q.parse(q.defaultText(so), so);
    if (!r.ok) throw new Error(`init: the default for ${q.key} does not parse: ${r.message}`);
    (so as Record<string, unknown>)[q.key] = r.value;
  }
  return so as InitAnswers;
}

/** Scenario name from an endpoint: "GET /items/{id}" → "get-items-id". */
function scenarioName(e: Endpoint, taken: Set<string>): string {
  const base = `${e.method.toLowerCase()}-${e.path.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'root'}`;
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}


const q = (s: string): string => JSON.stringify(s);

export interface RenderInitOptions {
  /** the `$schema` reference for editors, relative to the plan file or a URL */
  schemaRef?: string;
}

/** The plan as YAML, with a comment on every section. */
export function renderInitPlan(a: InitAnswers, opts: RenderInitOptions = {}): string {
  const L: string[] = [];
  const schemaRef = opts.schemaRef ?? './node_modules/loadproof/schema/plan.schema.json';
  L.push(`# yaml-language-server: $schema=${schemaRef}`);
  L.push('# A loadproof plan, written by `loadproof init`. Check it with `loadproof design <this file>`,');
  L.push('# run it with `loadproof run <this file>`.');
  L.push(`name: ${q(a.name)}`);
  L.push(`hypothesis: ${q(a.hypothesis)}`);
  L.push(`target: ${q(a.target)}`);
  L.push('');
  L.push(`# ${a.pattern}: ${PATTERN_HELP[a.pattern]}`);
  L.push('pattern:');
  L.push(`${`  type: ${a.pattern}`.padEnd(22)}# smoke | load | stress | spike | soak | breakpoint`);
  L.push(`${`  peak: ${fmt(a.peak)}`.padEnd(22)}# expected peak, ${unitOf(a.model)}`);
  L.push(`  peakSource: ${q(a.peakSource)}`);
  L.push('');
  L.push('load:');
  L.push(`${`  model: ${a.model}`.padEnd(22)}# ${MODEL_HELP[a.model]}`);
  L.push('');

  const thresholds: string[] = [];
  const latency = [a.p95Ms && `p(95)<${fmt(a.p95Ms)}`, a.p99Ms && `p(99)<${fmt(a.p99Ms)}`].filter((x): x is string => Boolean(x));
  if (latency.length) thresholds.push(`  http_req_duration: [${latency.map(q).join(', ')}]   # ms`);
  if (a.errorRate !== null) thresholds.push(`  http_req_failed: [${q(`rate<${fmt(a.errorRate)}`)}]   # share of failed requests`);
  if (a.throughputRps !== null) thresholds.push(`  http_reqs: [${q(`rate>=${fmt(a.throughputRps)}`)}]   # req/s over the whole run, ramps included`);
  if (thresholds.length) {
    L.push('# Success criteria (k6 syntax): the run fails (exit 1) when one is not met.');
    L.push('thresholds:', ...thresholds);
  } else {
    L.push('# No success criteria given: `run` refuses a plan without them (a smoke test excepted).');
    L.push('# thresholds:');
    L.push('#   http_req_duration: ["p(95)<200"]');
  }
  L.push('');
  if (a.pattern === 'breakpoint') {
    L.push('# The breakpoint pattern adds its own stop rules (errors > 5%, p95 far past the SLO).');
  } else if (a.pattern !== 'smoke') {
    L.push('# Incident guard: stop early (exit 3) if the target is clearly failing.');
    L.push('abort:');
    L.push(`  http_req_failed: ${q('rate>0.05 for 10s')}`);
  }
  L.push('');
  L.push('defaults:');
  L.push('  timeout: 10s');
  L.push('');
  L.push('# The request mix: one scenario per endpoint, equal weights. Add setup steps (e.g. a login');
  L.push('# with `capture: { token: "$.token" }`), headers and `expect:` checks as your API needs.');
  L.push('scenarios:');
  const taken = new Set<string>();
  for (const e of a.endpoints) {
    L.push(`  - name: ${q(scenarioName(e, taken))}`);
    L.push('    weight: 1');
    L.push('    flow:');
    L.push(`      - ${e.method.toLowerCase()}: ${q(e.path)}`);
    if (['POST', 'PUT', 'PATCH'].includes(e.method)) L.push('        json: {}          # the request body your API expects');
  }
  L.push('');
  L.push('# What to watch on the target while it runs (see `loadproof design` for what this pattern needs).');
  const port = loopbackPort(a.target);
  if (port !== undefined) {
    L.push('watch:');
    L.push(`  - process: { port: ${port} }     # CPU and memory of whatever listens there`);
  } else {
    L.push('# The target is not on this machine, so its CPU and memory cannot be read from here;');
    L.push('# run loadproof beside it, or watch what it exports:');
    L.push('# watch:');
    L.push('#   - process: { port: 3000 }');
  }
  const more = port !== undefined ? '  # - ' : '#   - ';
  L.push(`${more}eventLoop: { url: ${a.target}/__loadproof/metrics }   # a Node target serving loadproof/probe`);
  L.push(`${more}postgres: { url: "postgres://USER@127.0.0.1:5432/DB" }`);
  return `${L.join('\n')}\n`;
}
