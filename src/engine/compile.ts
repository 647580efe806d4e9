/**
 * A plan's scenarios compiled for the engine: each request step compiled once (scenario/request.ts:
 * templates, captures, checks), given its endpoint index, and, when static, its request bytes
 * encoded once. The main thread compiles too, to list the endpoints and to report template errors
 * (exit 2) before any worker starts; the endpoint order is the same in every thread.
 */
import type { Plan, Step } from '../plan/schema.js';
import type { EndpointInfo } from '../metrics/timeline.js';
import { compileRequest, type CompiledRequest } from './scenario/request.js';
import type { TemplateOptions } from './scenario/template.js';
import { encodeRequest } from './http/request-bytes.js';

export interface RequestExec {
  kind: 'request';
  req: CompiledRequest;
  /** index into the run's endpoint list */
  endpoint: number;
  isHead: boolean;
  /** a capture or check reads the body */
  keepBody: boolean;
  /** a capture reads a header */
  keepHeaders: boolean;
  /** the request bytes, when the request is static */
  staticBytes: Buffer | null;
}

export interface ThinkExec {
  kind: 'think';
  minMs: number;
  maxMs: number;
}

export type ExecStep = RequestExec | ThinkExec;

export interface EngineScenario {
  name: string;
  weight: number;
  setup: ExecStep[];
  flow: ExecStep[];
  /** the flow has a think step of its own (closed model: no default think is added) */
  flowThinks: boolean;
}

export interface CompiledPlan {
  scenarios: EngineScenario[];
  endpoints: EndpointInfo[];
  /** secret header values known before the run (for redaction) */
  staticSecrets: string[];
}

function needsBody(step: Extract<Step, { kind: 'request' }>): boolean {
  const caps = Object.values(step.capture ?? {});
  const capBody = caps.some((c) => typeof c === 'string' || 'json' in c || ('regex' in c && !('header' in c)));
  const e = step.expect;
  return capBody || (e !== undefined && (e.contains !== undefined || e.json !== undefined));
}

function needsHeaders(step: Extract<Step, { kind: 'request' }>): boolean {
  return Object.values(step.capture ?? {}).some((c) => typeof c !== 'string' && 'header' in c);
}

/** Compiles the plan's scenarios for `target` (the plan's own target unless overridden). */
export function compilePlan(plan: Plan, opts: { target?: URL; templates?: TemplateOptions; encode?: boolean } = {}): CompiledPlan {
  const target = opts.target ?? new URL(plan.target);
  const host = target.host;
  const endpoints: EndpointInfo[] = [];
  const index = new Map<string, number>();
  const staticSecrets = new Set<string>();
  const compileSteps = (steps: Step[], scenario: string, where: string): ExecStep[] =>
    steps.map((step, i) => {
      if (step.kind === 'think') return { kind: 'think', minMs: step.think.minMs, maxMs: step.think.maxMs };
      const req = compileRequest(step, { target, defaults: plan.defaults, scenario, where: `${where}.${i}`, templates: opts.templates });
      for (const s of req.staticSecrets) staticSecrets.add(s);
      // endpoints are per scenario: `{name:browse}` thresholds select a scenario's requests
      const key = `${scenario}\u0000${req.endpoint}`;
      let e = index.get(key);
      if (e === undefined) {
        e = endpoints.length;
        index.set(key, e);
        endpoints.push({ name: req.endpoint, method: req.method, scenario, path: req.pathTemplate });
      }
      let staticBytes: Buffer | null = null;
      if (req.isStatic && opts.encode !== false) staticBytes = encodeRequest(req.build({ get: () => undefined }), host);
      return {
        kind: 'request',
        req,
        endpoint: e,
        isHead: req.method === 'HEAD',
        keepBody: needsBody(step),
        keepHeaders: needsHeaders(step),
        staticBytes,
      };
    });
  const scenarios = plan.scenarios.map((s, si) => {
    const setup = compileSteps(s.setup ?? [], s.name, `scenarios.${si}.setup`);
    const flow = compileSteps(s.flow, s.name, `scenarios.${si}.flow`);
    return { name: s.name, weight: s.weight, setup, flow, flowThinks: flow.some((x) => x.kind === 'think') };
  });
  return { scenarios, endpoints, staticSecrets: [...staticSecrets] };
}
