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
import { protocolStepSchemas, toGrpcStep, toWsStep, type GrpcStep, type WsStep } from './protocols.js';

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

/**
 * A relative precision: `5%` or the fraction 0.05, between 0.1% and 50%; parsed to the fraction.
 */
const Precision = z
  .union([z.string().regex(/^\s*\d+(?:\.\d+)?\s*%\s*$/, { message: 'a precision is a percentage, e.g. 5%' }), z.number()])
  .transform((v, ctx) => {
    const f = typeof v === 'number' ? v : Number(v.trim().replace(/\s*%$/, '')) / 100;
    if (!(f >= 0.001 && f <= 0.5)) {
      ctx.addIssue({ code: 'custom', message: `precision ${typeof v === 'number' ? v : v.trim()} is outside 0.1%..50% (a number is a fraction: 0.05 is 5%)`, params: { hint: 'write e.g. precision: 5%' } });
      return z.NEVER;
    }
    return f;
  })
  .meta({ anyOf: [{ type: 'string', pattern: '^\\s*\\d+(?:\\.\\d+)?\\s*%\\s*$' }, { type: 'number', minimum: 0.001, maximum: 0.5 }] });

export const PATTERN_TYPES = ['smoke', 'load', 'stress', 'spike', 'soak', 'breakpoint'] as const;
export type PatternType = (typeof PATTERN_TYPES)[number];

export const PatternSchema = z.strictObject({
  type: z.enum(PATTERN_TYPES).describe('what the experiment tests'),
  peak: z.number().positive().describe('expected peak: requests per second (open model) or virtual users (closed); the pattern\'s stages are scaled from it'),
  duration: Duration.optional().describe('total duration to scale the pattern to (soak: the hold)'),
  peakSource: z.string().optional().describe('where the expected peak comes from (analytics, last incident, ...): shown by design and in reports'),
  precision: Precision.optional().describe(
    'breakpoint: refine the capacity until the bracket [last rate that met the SLO, first that did not] is at most this wide, relative to its lower end (default 5%)',
  ),
}).transform(({ duration, precision, ...rest }, ctx) => {
  if (precision !== undefined && rest.type !== 'breakpoint') {
    ctx.addIssue({ code: 'custom', path: ['precision'], message: `precision refines a breakpoint's capacity; a ${rest.type} pattern has none to refine`, params: { hint: 'remove precision, or use type: breakpoint' } });
  }
  return { ...rest, durationMs: duration, precision };
});

export const StageSchema = z.strictObject({
  duration: Duration.describe('how long the stage lasts; the target is reached linearly over it'),
  target: z.number().nonnegative().describe('arrival rate per second (open) or virtual users (closed) at the stage end'),
}).transform(({ duration, target }) => ({ durationMs: duration, target }));

export const LoadSchema = z.strictObject({
  model: z.enum(['open', 'closed']).default('open').describe('open: arrivals at a set rate, latency measured from the intended send time (no coordinated omission); closed: virtual users looping their scenario with think time'),
  stages: z.array(StageSchema).min(1).optional().describe('explicit [{duration, target}]; each stage moves linearly from the previous target (0 before the first) to its own; they override the pattern\'s stages'),
  arrivals: z.enum(['constant', 'poisson']).default('constant').describe('open model: evenly spaced or Poisson arrivals'),
  maxInFlight: z.number().int().positive().optional().describe('open model: cap on concurrent iterations (default 10,000); arrivals past it are counted as dropped'),
  connections: z.number().int().positive().optional().describe('size of the connection pool; it grows on demand up to this (default: sized by the model; open model: maxInFlight)'),
  gracefulStop: Duration.optional().describe('how long in-flight requests may finish after the last stage (default: the longest request timeout, at most 30s)'),
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

/**
 * A capture: `"$.token"` (JSONPath), or `{json}`, `{regex, group?}` (on the body), `{header}`, or
 * `{header, regex, group?}` (a regular expression on that header's value, e.g. a cookie out of
 * `Set-Cookie`).
 */
export const CaptureSpecSchema = z.union([
  z.string().describe('a JSONPath into the response body, e.g. $.token'),
  z.strictObject({ json: z.string().describe('a JSONPath into the response body (first match)') }),
  z.strictObject({ regex: z.string().describe('a regular expression on the body'), group: z.number().int().nonnegative().optional().describe('the group kept (default 1, or 0 when the regex has none)') }),
  z.strictObject({
    header: z.string().describe('a response header; its value, or with regex a part of it'),
    regex: z.string().optional().describe('a regular expression on the header\'s value'),
    group: z.number().int().nonnegative().optional().describe('the group kept (default 1, or 0 when the regex has none)'),
  }),
]);

export const ExpectSchema = z.strictObject({
  status: z.union([z.number().int(), z.array(z.number().int()).min(1)]).optional().describe('expected status code, or a list of them'),
  maxDuration: Duration.optional().describe('the response must complete within this'),
  contains: z.string().optional().describe('the body must contain this text'),
  json: z.record(z.string(), z.unknown()).optional().describe('JSONPath → expected value (deep equality; a path with *, .. or a filter compares the list of all its matches)'),
}).transform(({ maxDuration, ...rest }) => ({ ...rest, maxDurationMs: maxDuration }));

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;
export type HttpMethodKey = (typeof HTTP_METHODS)[number];

/** A file part of a multipart body: read once at load. */
export const MultipartFileSchema = z.strictObject({
  file: z.string().describe('path of the file to upload (relative to the plan file)'),
  contentType: z.string().optional().describe('default application/octet-stream'),
  filename: z.string().optional().describe('file name sent (default: the file\'s base name)'),
});

/** `loop:` — exactly one of count / over. */
export const LoopSchema = z
  .strictObject({
    count: z.number().int().nonnegative().optional().describe('repeat this many times'),
    over: z.string().optional().describe('a captured variable holding a JSON array, or a data column written table.column'),
    as: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('item').describe('variable holding the current element (default item); its index is {{ <as>_index }}'),
    steps: z.array(z.lazy((): z.ZodType<Step, unknown> => StepSchema)).min(1).describe('the steps repeated'),
  })
  .superRefine((l, ctx) => {
    if (typeof l !== 'object' || l === null) return;
    if ((l.count === undefined) === (l.over === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a loop has one of count or over', params: { hint: 'write `count: 3` or `over: items`' } });
    }
  }, ALWAYS);

/** `if:` — on the previous response's status, or on a variable (a capture or a data cell). */
export const ConditionSchema = z
  .strictObject({
    status: z.union([z.number().int(), z.array(z.number().int()).min(1)]).optional().describe('the previous response had this status (one of these)'),
    var: z.string().optional().describe('a variable name: a capture, or table.column'),
    equals: z.union([z.string(), z.number(), z.boolean()]).optional().describe('the value equals this'),
    in: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1).optional().describe('the value is one of these'),
    matches: z.string().optional().describe('a regular expression the value matches'),
    exists: z.boolean().optional().describe('the variable is set and not empty (the default test)'),
  })
  .superRefine((c, ctx) => {
    if (typeof c !== 'object' || c === null) return;
    if ((c.status === undefined) === (c.var === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a condition tests one of status or var', params: { hint: 'write `if: { status: 404 }` or `if: { var: role, equals: admin }`' } });
    }
    const tests = [c.equals, c.in, c.matches, c.exists].filter((t) => t !== undefined).length;
    if (tests > 1) ctx.addIssue({ code: 'custom', message: 'a condition has at most one of equals, in, matches, exists' });
    if (c.status !== undefined && tests > 0) ctx.addIssue({ code: 'custom', message: 'equals/in/matches/exists go with var, not status' });
    if (c.matches !== undefined) {
      try {
        new RegExp(c.matches);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['matches'], message: `invalid regex: ${(err as Error).message}` });
      }
    }
  }, ALWAYS);

const { WsStepSchema, GrpcStepSchema } = protocolStepSchemas(Duration);

const StepShape = {
  get: z.string().optional().describe('a GET request to this path (relative to target; templated)'),
  post: z.string().optional().describe('a POST request to this path'),
  put: z.string().optional().describe('a PUT request to this path'),
  patch: z.string().optional().describe('a PATCH request to this path'),
  delete: z.string().optional().describe('a DELETE request to this path'),
  head: z.string().optional().describe('a HEAD request to this path'),
  options: z.string().optional().describe('an OPTIONS request to this path'),
  think: DurationRange.optional().describe('pause, e.g. 1s..3s (uniform)'),
  name: z.string().optional().describe('endpoint name in results (default: METHOD path)'),
  headers: z.record(z.string(), z.string()).optional().describe('request headers (templated), added to defaults.headers'),
  query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional().describe('query parameters (templated)'),
  json: z.unknown().optional().describe('JSON body (templated)'),
  form: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional().describe('form body'),
  body: z.string().optional().describe('raw body'),
  multipart: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean(), MultipartFileSchema]))
    .optional()
    .describe('multipart/form-data body: text fields (templated) and files ({ file: path })'),
  capture: z.record(z.string(), CaptureSpecSchema).optional().describe('values to capture into per-VU variables, for later steps: a JSONPath, or {json}, {regex, group} (on the body), {header}, {header, regex, group}'),
  expect: ExpectSchema.optional().describe('checks, counted in `checks` without failing the request'),
  timeout: Duration.optional().describe('request timeout of this step (default: defaults.timeout)'),
  loop: LoopSchema.optional().describe('repeat steps: count times, over a captured JSON array, or over a data column'),
  if: ConditionSchema.optional().describe('run `then` when the condition holds, else `else`'),
  then: z.array(z.lazy((): z.ZodType<Step, unknown> => StepSchema)).optional().describe('steps run when the if condition holds'),
  else: z.array(z.lazy((): z.ZodType<Step, unknown> => StepSchema)).optional().describe('steps run when it does not'),
  ws: WsStepSchema.optional().describe('a WebSocket step: connect, send, expect, hold or close (docs/protocols.md)'),
  grpc: GrpcStepSchema.optional().describe('a gRPC unary call (docs/protocols.md)'),
};

/** A request step (exactly one of get/post/...) or a think step. */
export const StepSchema = z
  .strictObject(StepShape)
  .meta({ oneOf: [...HTTP_METHODS, 'think', 'loop', 'if', 'ws', 'grpc'].map((k) => ({ required: [k] })) })
  .superRefine((s, ctx) => {
    if (typeof s !== 'object' || s === null) return; // not a mapping: already reported (ALWAYS runs on raw values)
    const methods = HTTP_METHODS.filter((m) => s[m] !== undefined);
    const others = (['think', 'loop', 'if', 'ws', 'grpc'] as const).filter((k) => s[k] !== undefined);
    const kinds = methods.length + others.length;
    if (kinds !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds === 0
            ? 'a step needs a request (get/post/put/patch/delete/head/options: path), think, loop or if'
            : `a step has one request or one think, found ${[...methods, ...others].join(', ')}`,
        params:
          kinds === 0
            ? { hint: 'write e.g. `- get: /items` or `- think: 1s..3s`', missing: { up: 0, names: [...HTTP_METHODS, 'think', 'loop', 'if'] } }
            : { hint: 'split it into several steps' },
      });
    }
    if (s.if !== undefined && s.then === undefined) ctx.addIssue({ code: 'custom', message: 'an if step needs then:', params: { hint: 'write `then: [ ... ]` under the if' } });
    if (s.if === undefined && (s.then !== undefined || s.else !== undefined)) ctx.addIssue({ code: 'custom', message: 'then/else belong to an if step' });
    const bodies = ['json', 'form', 'body', 'multipart'].filter((k) => s[k as 'json' | 'form' | 'body' | 'multipart'] !== undefined);
    if (bodies.length > 1) ctx.addIssue({ code: 'custom', message: `a request has one body, found ${bodies.join(', ')}` });
  }, ALWAYS)
  .transform((s): Step => {
    if (s.think !== undefined) return { kind: 'think' as const, think: s.think };
    if (s.loop !== undefined) return { kind: 'loop' as const, ...s.loop };
    if (s.if !== undefined) return { kind: 'if' as const, if: s.if, then: s.then ?? [], else: s.else ?? [] };
    if (s.ws !== undefined) return toWsStep(s.ws);
    if (s.grpc !== undefined) return toGrpcStep(s.grpc);
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
      multipart: s.multipart,
      capture: s.capture,
      expect: s.expect,
      timeoutMs: s.timeout,
    };
  });

export const ScenarioSchema = z
  .strictObject({
    name: z.string().min(1).describe('the scenario\'s name, unique in the plan'),
    weight: z.number().positive().default(1).describe('relative share of iterations'),
    setup: z.array(StepSchema).optional().describe('once per virtual user, before its first iteration'),
    flow: z.array(StepSchema).min(1).optional().describe('the steps of one iteration'),
    script: z.string().optional().describe('a .ts or .js file whose default export is async (vu) => { ... }, run once per iteration'),
  })
  .meta({ oneOf: [{ required: ['flow'] }, { required: ['script'] }] })
  .superRefine((s, ctx) => {
    if (typeof s !== 'object' || s === null) return;
    if ((s.flow === undefined) === (s.script === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: s.flow === undefined ? 'a scenario needs a flow or a script' : 'a scenario has a flow or a script, not both',
        params: s.flow === undefined ? { hint: 'write `flow: [ - get: / ]` or `script: ./flow.ts`', missing: { up: 0, names: ['flow', 'script'] } } : {},
      });
    }
    if (s.script !== undefined && s.setup !== undefined) ctx.addIssue({ code: 'custom', path: ['setup'], message: 'a script scenario has no setup steps', params: { hint: 'do the setup in the script (e.g. when vu.iteration is 0)' } });
    if (typeof s.script === 'string' && !/\.(?:[cm]?js|[cm]?ts)$/.test(s.script)) ctx.addIssue({ code: 'custom', path: ['script'], message: `"${s.script}" is not a .ts or .js file` });
  }, ALWAYS)
  .transform(({ flow, ...rest }) => ({ ...rest, flow: flow ?? [] }));

/** A data file (`data:` entries): a path, or the path with how rows are handed out. */
export const DataSourceSchema = z
  .union([
    z.string().describe('a CSV (with a header row) or JSON-array file; rows handed out in order'),
    z.strictObject({
      file: z.string().describe('a CSV (with a header row) or JSON-array file, relative to the plan file'),
      mode: z.enum(['sequential', 'random', 'unique', 'per-vu']).default('sequential').describe('how rows are handed out'),
      per: z.enum(['iteration', 'vu']).optional().describe('a new row each iteration (default) or one per VU (default for per-vu)'),
      onExhausted: z.enum(['error', 'recycle']).default('error').describe('unique: when every row is used, fail the iteration or start over'),
    }),
  ])
  .transform((v) => {
    const o = typeof v === 'string' ? { file: v, mode: 'sequential' as const, onExhausted: 'error' as const, per: undefined } : v;
    return { ...o, per: o.per ?? (o.mode === 'per-vu' ? ('vu' as const) : ('iteration' as const)) };
  });

const label = z.string().optional().describe('name of the series (default derived from the target)');
const interval = Duration.optional().describe('sampling interval (default 1s)');

export const WATCH_KINDS = ['process', 'postgres', 'prometheus', 'eventLoop', 'dependency'] as const;
export type WatchKind = (typeof WATCH_KINDS)[number];

export const WatchItemSchema = z
  .strictObject({
    process: z
      .strictObject({
        pid: z.number().int().positive().optional().describe('the process with this id'),
        port: z.number().int().min(1).max(65535).optional().describe('the process listening on this TCP port (re-resolved when it restarts)'),
        name: z.string().optional().describe('every process whose name matches, summed'),
        role: z.enum(['app', 'db', 'dependency', 'other']).optional().describe('what the process is, for diagnosis'),
        label,
      })
      .meta({ oneOf: [{ required: ['pid'] }, { required: ['port'] }, { required: ['name'] }] })
      .refine((p) => [p.pid, p.port, p.name].filter((v) => v !== undefined).length === 1, {
        message: 'process needs exactly one of pid, port, name',
      })
      .optional()
      .describe('a process on this machine (Linux /proc): CPU, RSS, open descriptors, threads'),
    postgres: z.strictObject({ url: z.string().describe('postgres:// connection URL'), label }).optional().describe('PostgreSQL connections by state, lock waits, scans and commits per second'),
    prometheus: z
      .strictObject({ url: z.string().describe('URL of a Prometheus text exposition'), match: z.array(z.string()).optional().describe('regular expressions; families whose name fully matches one are kept (all when absent, at most 500 series)'), label })
      .optional()
      .describe('any Prometheus /metrics endpoint: counters as rates, histograms as p50/p95/p99'),
    eventLoop: z.strictObject({ url: z.string().describe('URL of the loadproof/probe handler in a Node service'), label }).optional().describe('a Node service\'s event loop delay, utilisation, heap, GC and gauges'),
    dependency: z
      .strictObject({
        name: z.string().describe('the dependency\'s name in series and findings'),
        url: z.string().describe('a URL to GET, e.g. its health endpoint'),
        ratePerSec: z.number().positive().default(1).describe('GETs per second, on the watcher\'s own timer'),
        timeout: Duration.optional().describe('timeout of each GET'),
      })
      .transform(({ timeout, ...rest }) => ({ ...rest, timeoutMs: timeout }))
      .optional()
      .describe('a dependency of the target, probed at a low fixed rate: latency, errors, 429/503 share'),
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
  timeout: Duration.default(10_000).describe('request timeout (default 10s)'),
  headers: z.record(z.string(), z.string()).optional().describe('headers sent with every request'),
  think: DurationRange.optional().describe('closed model: think time after each iteration when the flow has none'),
  insecure: z.boolean().optional().describe('accept any TLS certificate (test environments)'),
  cookies: z.boolean().optional().describe('keep a cookie jar per VU (Set-Cookie honoured, Cookie sent); default true'),
}).transform(({ timeout, ...rest }) => ({ ...rest, timeoutMs: timeout }));

/**
 * When a run counts as having tested the service at all. Past this share of failed requests the
 * verdict is `invalid` whatever the criteria say: a test in which the service mostly answered with
 * errors (a wrong password, a wrong URL) did not test the hypothesis.
 */
export const ValiditySchema = z.strictObject({
  maxErrorRate: z
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe('share of failed requests (0..1) above which the run did not test the service: verdict invalid (default 0.5)'),
});

/**
 * `http: {version, h2c}`: which HTTP the client speaks. `auto` offers h2 and http/1.1 through ALPN
 * on https targets and uses what the server picks (http/1.1 on http targets, unless `h2c`); `2`
 * insists on HTTP/2 (ALPN on https; cleartext h2c with prior knowledge on http); `1.1` never
 * offers h2. YAML's `2` and `1.1` are numbers: both spellings are accepted.
 */
export const HttpSchema = z.strictObject({
  version: z
    .union([z.enum(['auto', '1.1', '2']), z.literal(1.1), z.literal(2)])
    .default('auto')
    .transform((v) => String(v) as 'auto' | '1.1' | '2')
    .describe('auto (h2 through ALPN when an https server offers it), 1.1, or 2 (HTTP/2 only)'),
  h2c: z.boolean().optional().describe('http:// targets: speak cleartext HTTP/2 with prior knowledge (implied by version 2)'),
});
export type HttpSettings = z.output<typeof HttpSchema>;

/** `distributed: { segments: N }`: the experiment is meant to run from N generators (docs/distributed.md). */
export const DistributedSchema = z.strictObject({
  segments: z.number().int().min(1).max(10_000).describe('number of generator processes (segments) the load is split between; run each with --segment i'),
});

export const PlanSchema = z
  .strictObject({
    $schema: z.string().optional().describe('the JSON Schema of plans, for editors (loadproof init writes it)'),
    name: z.string().min(1).describe('what is tested'),
    description: z.string().optional().describe('free text'),
    hypothesis: z.string().min(1).optional().describe('what you expect to hold, with numbers; run refuses a plan without one (a smoke test excepted)'),
    target: z.string().describe('base URL (http:// or https://), e.g. http://127.0.0.1:3000; request paths are relative to it'),
    pattern: PatternSchema.optional().describe('the load pattern: its type and the expected peak; expands into stages (patterns.md)'),
    load: LoadSchema.optional().describe('how the load is applied: model, explicit stages, caps'),
    thresholds: ThresholdsSchema.optional().describe('success criteria over the whole run, k6 syntax: metric → expression or list of expressions, e.g. http_req_duration: ["p(95)<200"]'),
    abort: AbortSchema.optional().describe('the incident guard, live over a sliding window: metric → "<expression> for <duration>", e.g. http_req_failed: "rate>0.05 for 10s"; when one trips the run stops (exit 3) and is still analysed'),
    defaults: DefaultsSchema.optional().describe('settings for every request'),
    http: HttpSchema.optional().describe('HTTP version: auto (h2 through ALPN on https), 1.1 or 2; h2c for cleartext HTTP/2'),
    validity: ValiditySchema.optional().describe('when a run counts as having tested the service'),
    data: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), DataSourceSchema).optional().describe('test data: name → file; rows in templates as {{ name.column }}'),
    scenarios: z.array(ScenarioSchema).min(1).describe('weighted flows of requests; each iteration runs one, picked by weight'),
    watch: z.array(WatchItemSchema).optional().describe('what to watch on the target, one watcher per entry'),
    distributed: DistributedSchema.optional().describe('the experiment is meant to run from several generators (distributed.md)'),
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
export type DataSource = z.output<typeof DataSourceSchema>;
export type MultipartFile = z.output<typeof MultipartFileSchema>;
export type Condition = z.output<typeof ConditionSchema>;

/** A request step, parsed (one HTTP request). */
export interface RequestStep {
  kind: 'request';
  method: Uppercase<HttpMethodKey>;
  path: string;
  name?: string | undefined;
  headers?: Record<string, string> | undefined;
  query?: Record<string, string | number | boolean> | undefined;
  json?: unknown;
  form?: Record<string, string | number | boolean> | undefined;
  body?: string | undefined;
  multipart?: Record<string, string | number | boolean | MultipartFile> | undefined;
  capture?: Record<string, CaptureSpec> | undefined;
  expect?: Expect | undefined;
  timeoutMs?: number | undefined;
}
export interface ThinkStep {
  kind: 'think';
  think: DurationRangeMs;
}
export interface LoopStep {
  kind: 'loop';
  count?: number | undefined;
  over?: string | undefined;
  as: string;
  steps: Step[];
}
export interface IfStep {
  kind: 'if';
  if: Condition;
  then: Step[];
  else: Step[];
}
/** A step of a flow, parsed. */
export type Step = RequestStep | ThinkStep | LoopStep | IfStep | WsStep | GrpcStep;
export type { WsStep, GrpcStep } from './protocols.js';
export type CaptureSpec = z.output<typeof CaptureSpecSchema>;
export type Expect = z.output<typeof ExpectSchema>;
export type WatchItem = z.output<typeof WatchItemSchema>;
export type Defaults = z.output<typeof DefaultsSchema>;

/** Every request step of a list, in order, including those inside loops and if branches. */
export function requestStepsOf(steps: readonly Step[]): RequestStep[] {
  const out: RequestStep[] = [];
  const walk = (list: readonly Step[]): void => {
    for (const s of list) {
      if (s.kind === 'request') out.push(s);
      else if (s.kind === 'loop') walk(s.steps);
      else if (s.kind === 'if') {
        walk(s.then);
        walk(s.else);
      }
    }
  };
  walk(steps);
  return out;
}
