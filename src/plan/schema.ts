/**
 * The plan schema: the single source of truth for what a plan may contain.
 *
 * Written once with zod; `emit-json-schema.ts` turns it into `schema/plan.schema.json` for editors.
 * Parsing normalises human units: every duration becomes `...Ms` milliseconds and every threshold
 * string is also kept parsed, so no later layer parses units again.
 */
import { z } from 'zod';
import { DURATION_SOURCE, parseDurationMs, parseDurationRangeMs, type DurationRangeMs } from './units.js';
import {
  ABORT_PATTERN,
  METRIC_KEY_PATTERN,
  THRESHOLD_SOURCE,
  parseAbortRule,
  parseMetricKey,
  parseThreshold,
  type AbortExpr,
  type MetricKey,
  type MetricType,
  type ThresholdExpr,
} from './thresholds.js';

/*
 * `.meta({...})` entries below are JSON Schema keywords for `schema/plan.schema.json` only: they
 * let editors flag what the zod refinements and transforms check (a bad duration, two methods in
 * one step), which `z.toJSONSchema` cannot derive from code. zod itself ignores them.
 */

/** "30s", "1m30s", "250ms", or a number of milliseconds → milliseconds. */
export const Duration = z
  .union([z.string(), z.number()])
  .describe('a duration: "250ms", "30s", "1m30s", "2h" (a bare number is milliseconds)')
  .meta({ anyOf: [{ type: 'string', pattern: `^${DURATION_SOURCE}$` }, { type: 'number', minimum: 0 }] })
  .transform((v, ctx) => {
    const ms = parseDurationMs(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration`, params: { hint: 'write e.g. 250ms, 30s, 1m30s' } });
      return z.NEVER;
    }
    return ms;
  });

/** "1s..3s" uniform range, or a single duration. */
export const DurationRange = z
  .union([z.string(), z.number()])
  .describe('a duration or a uniform range: "1s..3s"')
  .meta({ anyOf: [{ type: 'string', pattern: `^${DURATION_SOURCE}(?:\\.\\.${DURATION_SOURCE})?$` }, { type: 'number', minimum: 0 }] })
  .transform((v, ctx): DurationRangeMs => {
    const r = parseDurationRangeMs(v);
    if (!r) {
      const [a, b] = typeof v === 'string' ? v.split('..') : [];
      const reversed = a !== undefined && b !== undefined && (parseDurationMs(a) ?? -1) > (parseDurationMs(b) ?? Infinity);
      ctx.addIssue({
        code: 'custom',
        message: reversed ? `"${v}" ends before it starts` : `"${v}" is not a duration or range`,
        params: { hint: reversed ? `write ${b}..${a}` : 'write e.g. 1s..3s or 500ms' },
      });
      return z.NEVER;
    }
    return r;
  });

/**
 * Cross-field checks run even when a field already failed, so that every problem is reported at
 * once (zod skips refinements after an issue by default). They must therefore cope with raw values.
 */
const ALWAYS = { when: () => true };

export const PATTERN_TYPES = ['smoke', 'load', 'stress', 'spike', 'soak', 'breakpoint'] as const;
export type PatternType = (typeof PATTERN_TYPES)[number];

export const PatternSchema = z.strictObject({
  type: z.enum(PATTERN_TYPES).describe('what the experiment tests'),
  peak: z.number().positive().describe('expected peak: requests per second (open model) or virtual users (closed)'),
  duration: Duration.optional().describe('total duration to scale the pattern to (soak: the hold)'),
  peakSource: z.string().optional().describe('where the expected peak comes from (analytics, last incident, ...)'),
}).transform(({ duration, ...rest }) => ({ ...rest, durationMs: duration }));

export const StageSchema = z.strictObject({
  duration: Duration.describe('how long the stage lasts; the target is reached linearly over it'),
  target: z.number().nonnegative().describe('arrival rate per second (open) or virtual users (closed) at the stage end'),
}).transform(({ duration, target }) => ({ durationMs: duration, target }));

export const LoadSchema = z.strictObject({
  model: z.enum(['open', 'closed']).default('open').describe('open: arrival rate; closed: virtual users with think time'),
  stages: z.array(StageSchema).min(1).optional().describe('explicit stages; override the pattern'),
  arrivals: z.enum(['constant', 'poisson']).default('constant').describe('open model: evenly spaced or Poisson arrivals'),
  maxInFlight: z.number().int().positive().optional().describe('open model: cap on concurrent requests; arrivals past it are counted as dropped'),
  connections: z.number().int().positive().optional().describe('size of the connection pool (default: sized by the model)'),
  gracefulStop: Duration.optional().describe('how long in-flight requests may finish after the last stage'),
}).transform(({ gracefulStop, ...rest }) => ({ ...rest, gracefulStopMs: gracefulStop }));

/**
 * Validates `{ metric: expr | [expr] }` maps (thresholds and abort rules) in one pass, so that a bad
 * metric name and a bad expression under another metric are both reported at once.
 */
function exprRecord<T>(parse: (text: string, type: MetricType) => T | string, pattern: string) {
  const expr = { type: 'string', pattern };
  return z
    .record(z.string(), z.union([z.string(), z.array(z.string()).min(1)]))
    .meta({
      propertyNames: { pattern: METRIC_KEY_PATTERN },
      additionalProperties: { anyOf: [expr, { type: 'array', minItems: 1, items: expr }] },
    })
    .superRefine((rec, ctx) => {
      for (const [key, value] of Object.entries(rec)) {
        const mk = parseMetricKey(key);
        if (typeof mk === 'string') {
          ctx.addIssue({ code: 'custom', message: mk, path: [key], params: { key: true } });
          continue;
        }
        const list = Array.isArray(value) ? value : [value];
        list.forEach((text, i) => {
          const expr = parse(text, mk.type);
          if (typeof expr === 'string') ctx.addIssue({ code: 'custom', message: expr, path: Array.isArray(value) ? [key, i] : [key] });
        });
      }
    })
    .transform((rec) => {
      const out: Record<string, T[]> = {};
      for (const [key, value] of Object.entries(rec)) {
        const type = (parseMetricKey(key) as MetricKey).type;
        out[key] = (Array.isArray(value) ? value : [value]).map((text) => parse(text, type) as T);
      }
      return out;
    });
}

/** `{ http_req_duration: ["p(95)<200"] }` — each expression parsed (k6 syntax). */
export const ThresholdsSchema = exprRecord<ThresholdExpr>(parseThreshold, `^${THRESHOLD_SOURCE}$`).describe('metric → k6-syntax expressions, e.g. p(95)<200');

/** `{ http_req_failed: "rate>0.05 for 10s" }` — live incident-guard rules. */
export const AbortSchema = exprRecord<AbortExpr>(parseAbortRule, ABORT_PATTERN).describe('metric → "<expression> for <duration>"');

/** A capture: `"$.token"` (JSONPath), or `{json}`, `{regex, group?}`, `{header}`. */
export const CaptureSpecSchema = z.union([
  z.string().describe('a JSONPath into the response body, e.g. $.token'),
  z.strictObject({ json: z.string() }),
  z.strictObject({ regex: z.string(), group: z.number().int().nonnegative().optional() }),
  z.strictObject({ header: z.string() }),
]);

export const ExpectSchema = z.strictObject({
  status: z.union([z.number().int(), z.array(z.number().int()).min(1)]).optional().describe('expected status code(s)'),
  maxDuration: Duration.optional().describe('the response must complete within this'),
  contains: z.string().optional().describe('the body must contain this text'),
  json: z.record(z.string(), z.unknown()).optional().describe('JSONPath → expected value'),
}).transform(({ maxDuration, ...rest }) => ({ ...rest, maxDurationMs: maxDuration }));

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;
export type HttpMethodKey = (typeof HTTP_METHODS)[number];

const StepShape = {
  get: z.string().optional(),
  post: z.string().optional(),
  put: z.string().optional(),
  patch: z.string().optional(),
  delete: z.string().optional(),
  head: z.string().optional(),
  options: z.string().optional(),
  think: DurationRange.optional().describe('pause, e.g. 1s..3s (uniform)'),
  name: z.string().optional().describe('endpoint name in results (default: METHOD path)'),
  headers: z.record(z.string(), z.string()).optional(),
  query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  json: z.unknown().optional().describe('JSON body (templated)'),
  form: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional().describe('form body'),
  body: z.string().optional().describe('raw body'),
  capture: z.record(z.string(), CaptureSpecSchema).optional().describe('values to capture into per-VU variables'),
  expect: ExpectSchema.optional().describe('checks, counted in `checks` without failing the request'),
  timeout: Duration.optional(),
};

/** A request step (exactly one of get/post/...) or a think step. */
export const StepSchema = z
  .strictObject(StepShape)
  .meta({ oneOf: [...HTTP_METHODS, 'think'].map((k) => ({ required: [k] })) })
  .superRefine((s, ctx) => {
    if (typeof s !== 'object' || s === null) return; // not a mapping: already reported (ALWAYS runs on raw values)
    const methods = HTTP_METHODS.filter((m) => s[m] !== undefined);
    const kinds = methods.length + (s.think !== undefined ? 1 : 0);
    if (kinds !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds === 0
            ? 'a step needs a request (get/post/put/patch/delete/head/options: path) or think'
            : `a step has one request or one think, found ${[...methods, ...(s.think ? ['think'] : [])].join(', ')}`,
        params:
          kinds === 0
            ? { hint: 'write e.g. `- get: /items` or `- think: 1s..3s`', missing: { up: 0, names: [...HTTP_METHODS, 'think'] } }
            : { hint: 'split it into several steps' },
      });
    }
    const bodies = ['json', 'form', 'body'].filter((k) => s[k as 'json' | 'form' | 'body'] !== undefined);
    if (bodies.length > 1) ctx.addIssue({ code: 'custom', message: `a request has one body, found ${bodies.join(', ')}` });
  }, ALWAYS)
  .transform((s) => {
    if (s.think !== undefined) return { kind: 'think' as const, think: s.think };
    const method = HTTP_METHODS.find((m) => s[m] !== undefined)!;
    return {
      kind: 'request' as const,
      method: method.toUpperCase() as Uppercase<HttpMethodKey>,
      path: s[method]!,
      name: s.name,
      headers: s.headers,
      query: s.query,
      json: s.json,
      form: s.form,
      body: s.body,
      capture: s.capture,
      expect: s.expect,
      timeoutMs: s.timeout,
    };
  });

export const ScenarioSchema = z.strictObject({
  name: z.string().min(1),
  weight: z.number().positive().default(1).describe('relative share of iterations'),
  setup: z.array(StepSchema).optional().describe('once per virtual user, before its first iteration'),
  flow: z.array(StepSchema).min(1),
});

const label = z.string().optional().describe('name of the series (default derived from the target)');
const interval = Duration.optional().describe('sampling interval (default 1s)');

export const WATCH_KINDS = ['process', 'postgres', 'prometheus', 'eventLoop', 'dependency'] as const;
export type WatchKind = (typeof WATCH_KINDS)[number];

export const WatchItemSchema = z
  .strictObject({
    process: z
      .strictObject({
        pid: z.number().int().positive().optional(),
        port: z.number().int().min(1).max(65535).optional(),
        name: z.string().optional().describe('every process whose name matches, summed'),
        role: z.enum(['app', 'db', 'dependency', 'other']).optional().describe('what the process is, for diagnosis'),
        label,
      })
      .meta({ oneOf: [{ required: ['pid'] }, { required: ['port'] }, { required: ['name'] }] })
      .refine((p) => [p.pid, p.port, p.name].filter((v) => v !== undefined).length === 1, {
        message: 'process needs exactly one of pid, port, name',
      })
      .optional(),
    postgres: z.strictObject({ url: z.string(), label }).optional(),
    prometheus: z.strictObject({ url: z.string(), match: z.array(z.string()).optional(), label }).optional(),
    eventLoop: z.strictObject({ url: z.string(), label }).optional(),
    dependency: z
      .strictObject({
        name: z.string(),
        url: z.string(),
        ratePerSec: z.number().positive().default(1),
        timeout: Duration.optional(),
      })
      .transform(({ timeout, ...rest }) => ({ ...rest, timeoutMs: timeout }))
      .optional(),
    interval,
  })
  .meta({ oneOf: WATCH_KINDS.map((k) => ({ required: [k] })) })
  .superRefine((w, ctx) => {
    if (typeof w !== 'object' || w === null) return; // not a mapping: already reported
    const kinds = WATCH_KINDS.filter((k) => w[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: kinds.length === 0 ? `a watch entry needs one of ${WATCH_KINDS.join(', ')}` : `one watcher per entry, found ${kinds.join(', ')}`,
        params: kinds.length === 0 ? { missing: { up: 0, names: WATCH_KINDS } } : { hint: 'write one list item per watcher' },
      });
    }
  }, ALWAYS)
  .transform(({ interval, ...rest }) => ({ ...rest, intervalMs: interval }));

export const DefaultsSchema = z.strictObject({
  timeout: Duration.default(10_000).describe('request timeout'),
  headers: z.record(z.string(), z.string()).optional(),
  think: DurationRange.optional().describe('closed model: think time after each iteration when the flow has none'),
  insecure: z.boolean().optional().describe('accept any TLS certificate (test environments)'),
}).transform(({ timeout, ...rest }) => ({ ...rest, timeoutMs: timeout }));

/** `distributed: { segments: N }`: the experiment is meant to run from N generators (README "Distributed runs"). */
export const DistributedSchema = z.strictObject({
  segments: z.number().int().min(1).max(10_000).describe('number of generator processes (segments) the load is split between; run each with --segment i'),
});

export const PlanSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().min(1).describe('what is tested'),
    description: z.string().optional(),
    hypothesis: z.string().min(1).optional().describe('what you expect to hold, with numbers'),
    target: z.string().describe('base URL, e.g. http://127.0.0.1:3000'),
    pattern: PatternSchema.optional(),
    load: LoadSchema.optional(),
    thresholds: ThresholdsSchema.optional(),
    abort: AbortSchema.optional(),
    defaults: DefaultsSchema.optional(),
    scenarios: z.array(ScenarioSchema).min(1),
    watch: z.array(WatchItemSchema).optional(),
    distributed: DistributedSchema.optional(),
  })
  .meta({ anyOf: [{ required: ['pattern'] }, { required: ['load'], properties: { load: { required: ['stages'] } } }] })
  .superRefine((plan, ctx) => {
    // Runs even when fields failed (ALWAYS), so the values may be raw input: check types first.
    if (typeof plan !== 'object' || plan === null) return;
    const p = plan as unknown as { pattern?: unknown; load?: unknown; target?: unknown; scenarios?: unknown };
    const stagesGiven = typeof p.load === 'object' && p.load !== null && (p.load as { stages?: unknown }).stages !== undefined;
    if (p.pattern === undefined && (p.load === undefined || (typeof p.load === 'object' && !stagesGiven))) {
      ctx.addIssue({
        code: 'custom',
        path: ['pattern'],
        message: 'the plan needs a load pattern or explicit load.stages',
        params: { hint: 'add e.g. `pattern: { type: load, peak: 100 }`', missing: { up: 1, names: ['pattern', 'load'] } },
      });
    }
    if (typeof p.target === 'string') {
      let url: URL | undefined;
      try {
        url = new URL(p.target);
      } catch {
        ctx.addIssue({ code: 'custom', path: ['target'], message: `"${p.target}" is not a URL`, params: { hint: 'write e.g. http://127.0.0.1:3000' } });
      }
      if (url && url.protocol !== 'http:' && url.protocol !== 'https:') {
        // `localhost:3000` parses as protocol "localhost:"; the user meant http://localhost:3000.
        const hint = /^[a-z0-9.-]+:\d+/i.test(p.target) ? `write http://${p.target}` : 'use http:// or https://';
        ctx.addIssue({ code: 'custom', path: ['target'], message: `unsupported protocol ${url.protocol}`, params: { hint } });
      }
    }
    if (Array.isArray(p.scenarios)) {
      const names = new Set<string>();
      p.scenarios.forEach((s: unknown, i) => {
        const name = (s as { name?: unknown } | null)?.name;
        if (typeof name !== 'string') return;
        if (names.has(name)) {
          ctx.addIssue({ code: 'custom', path: ['scenarios', i, 'name'], message: `duplicate scenario name "${name}"`, params: { hint: 'give each scenario its own name' } });
        }
        names.add(name);
      });
    }
  }, ALWAYS);

export type PlanInput = z.input<typeof PlanSchema>;
export type Plan = z.output<typeof PlanSchema>;
export type Pattern = z.output<typeof PatternSchema>;
export type Stage = z.output<typeof StageSchema>;
export type LoadConfig = z.output<typeof LoadSchema>;
export type Scenario = z.output<typeof ScenarioSchema>;
export type Step = z.output<typeof StepSchema>;
export type RequestStep = Extract<Step, { kind: 'request' }>;
export type ThinkStep = Extract<Step, { kind: 'think' }>;
export type CaptureSpec = z.output<typeof CaptureSpecSchema>;
export type Expect = z.output<typeof ExpectSchema>;
export type WatchItem = z.output<typeof WatchItemSchema>;
export type Defaults = z.output<typeof DefaultsSchema>;
