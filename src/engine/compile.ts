/**
 * A plan's scenarios compiled for the engine: each request step compiled once (scenario/request.ts:
 * templates, captures, checks), given its endpoint index, and, when static, its request bytes
 * encoded once. The main thread compiles too, to list the endpoints and to report template errors
 * (exit 2) before any worker starts; the endpoint order is the same in every thread.
 */
import type { Condition, Plan, RequestStep, Step } from '../plan/schema.js';
import type { EndpointInfo } from '../metrics/timeline.js';
import { compileRequest, type CompiledRequest } from './scenario/request.js';
import { EMPTY_SCOPE, type TemplateOptions, type VarScope } from './scenario/template.js';
import { encodeRequest } from './http/request-bytes.js';
import { ExitCode, LoadproofError } from '../errors.js';
import { checkDataReference, DataTable, type SharedTable } from './data.js';
import type { CompiledScript } from './script/compile.js';
import { compileWsStep, type WsCompileContext, type WsExec } from './ws/compile.js';
import { compileGrpcStep, type GrpcExec } from './grpc/compile.js';

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

/**
 * Flow control is compiled to jumps over one flat list of steps, so that a flow without loops or
 * ifs runs exactly as before (the runner only meets request and think steps).
 *
 *   loop:  [loop-init → exit]  body…  [loop-next → body start]   (exit: the step after loop-next)
 *   if:    [branch → else start]  then…  [jump → end]  else…
 */
export interface LoopInitExec {
  kind: 'loop-init';
  /** index of the runner's loop state for this loop */
  slot: number;
  /** count loop: how many times */
  count: number;
  /** over loop: a data column, or the name of a variable holding a JSON array */
  overData: { table: number; col: number } | null;
  overVar: string | null;
  as: string;
  asIndex: string;
  /** first step after the loop */
  exit: number;
}

export interface LoopNextExec {
  kind: 'loop-next';
  slot: number;
  /** first step of the body */
  body: number;
}

export interface BranchExec {
  kind: 'branch';
  /** the condition, given the previous response's status and the VU's variables */
  test: (lastStatus: number, vars: VarScope) => boolean;
  /** where to go when it does not hold */
  otherwise: number;
}

export interface JumpExec {
  kind: 'jump';
  to: number;
}

export type ExecStep = RequestExec | ThinkExec | LoopInitExec | LoopNextExec | BranchExec | JumpExec | WsExec | GrpcExec;
export type { WsExec, GrpcExec };

/** A script scenario's compiled module and the endpoints found in it (see engine/script). */
export interface ScriptExec {
  /** the module's JavaScript, compiled from TypeScript by esbuild once on the main thread */
  code: string;
  file: string;
  /** endpoint key (name, or `METHOD path`) → endpoint index */
  endpoints: Map<string, number>;
  /** the scenario's endpoint for requests whose key was not found in the script */
  otherEndpoint: number;
  /** the plan's defaults.headers (sent with every request) */
  defaultHeaders: Array<[string, string]>;
  timeoutMs: number;
  /** the target's base path ('' or `/api`) */
  basePath: string;
}

export interface EngineScenario {
  name: string;
  weight: number;
  setup: ExecStep[];
  flow: ExecStep[];
  /** the flow has a think step of its own (closed model: no default think is added) */
  flowThinks: boolean;
  /** loop states a runner needs */
  loopSlots: number;
  /** data tables the scenario's templates read (indexes into the run's tables) */
  dataUsed: number[];
  /** a script scenario: run the script instead of the steps */
  script: ScriptExec | null;
}

export interface CompiledPlan {
  scenarios: EngineScenario[];
  endpoints: EndpointInfo[];
  /** secret header values known before the run (for redaction) */
  staticSecrets: string[];
  /** the run's data tables, by index */
  data: DataTable[];
}

function needsBody(step: RequestStep): boolean {
  const caps = Object.values(step.capture ?? {});
  const capBody = caps.some((c) => typeof c === 'string' || 'json' in c || ('regex' in c && !('header' in c)));
  const e = step.expect;
  return capBody || (e !== undefined && (e.contains !== undefined || e.json !== undefined));
}

function needsHeaders(step: RequestStep): boolean {
  return Object.values(step.capture ?? {}).some((c) => typeof c !== 'string' && 'header' in c);
}

export interface CompileOptions {
  target?: URL;
  templates?: TemplateOptions;
  encode?: boolean;
  /** the run's data tables (loaded once by the runner); templates may read `{{ table.column }}` */
  data?: readonly SharedTable[];
  /** compiled scripts by scenario index (script scenarios) */
  scripts?: ReadonlyMap<number, CompiledScript>;
}

function conditionTest(c: Condition): BranchExec['test'] {
  if (c.status !== undefined) {
    const set = Array.isArray(c.status) ? c.status : [c.status];
    if (set.length === 1) {
      const only = set[0]!;
      return (status) => status === only;
    }
    return (status) => set.includes(status);
  }
  const name = c.var!;
  if (c.equals !== undefined) {
    const want = String(c.equals);
    return (_s, vars) => vars.get(name) === want;
  }
  if (c.in !== undefined) {
    const set = new Set(c.in.map(String));
    return (_s, vars) => {
      const v = vars.get(name);
      return v !== undefined && set.has(v);
    };
  }
  if (c.matches !== undefined) {
    const re = new RegExp(c.matches);
    return (_s, vars) => {
      const v = vars.get(name);
      return v !== undefined && re.test(v);
    };
  }
  const exists = c.exists ?? true;
  return (_s, vars) => {
    const v = vars.get(name);
    return (v !== undefined && v !== '') === exists;
  };
}

/** Compiles the plan's scenarios for `target` (the plan's own target unless overridden). */
export function compilePlan(plan: Plan, opts: CompileOptions = {}): CompiledPlan {
  const target = opts.target ?? new URL(plan.target);
  const host = target.host;
  const endpoints: EndpointInfo[] = [];
  const index = new Map<string, number>();
  const staticSecrets = new Set<string>();
  const data = (opts.data ?? []).map((t) => new DataTable(t));
  const tables = new Map(data.map((t) => [t.name, t]));
  const tableIndex = new Map(data.map((t, i) => [t.name, i]));
  const endpointOf = (scenario: string, name: string, method: string, path: string): number => {
    // endpoints are per scenario: `{name:browse}` thresholds select a scenario's requests
    const key = `${scenario}\u0000${name}`;
    let e = index.get(key);
    if (e === undefined) {
      e = endpoints.length;
      index.set(key, e);
      endpoints.push({ name, method, scenario, path });
    }
    return e;
  };

  const compileSteps = (steps: Step[], scenario: string, where: string, used: Set<number>, slots: { n: number }, ws: { socket: WsCompileContext['socket'] } = { socket: null }): ExecStep[] => {
    const out: ExecStep[] = [];
    const useVar = (v: string, at: string): void => {
      checkDataReference(tables, v, at);
      const dot = v.indexOf('.');
      const t = dot > 0 ? tableIndex.get(v.slice(0, dot)) : undefined;
      if (t !== undefined) used.add(t);
    };
    const emit = (list: Step[], at: string): void => {
      list.forEach((step, i) => {
        const w = `${at}.${i}`;
        if (step.kind === 'think') {
          out.push({ kind: 'think', minMs: step.think.minMs, maxMs: step.think.maxMs });
          return;
        }
        if (step.kind === 'loop') {
          const slot = slots.n++;
          let overData: LoopInitExec['overData'] = null;
          let overVar: string | null = null;
          if (step.over !== undefined) {
            const dot = step.over.indexOf('.');
            const t = dot > 0 ? tables.get(step.over.slice(0, dot)) : undefined;
            if (t) {
              const col = t.column(step.over.slice(dot + 1));
              if (col < 0) checkDataReference(tables, step.over, `${w}.loop.over`);
              overData = { table: tableIndex.get(t.name)!, col };
            } else overVar = step.over;
          }
          const init: LoopInitExec = { kind: 'loop-init', slot, count: step.count ?? 0, overData, overVar, as: step.as, asIndex: `${step.as}_index`, exit: -1 };
          out.push(init);
          const body = out.length;
          emit(step.steps, `${w}.loop.steps`);
          out.push({ kind: 'loop-next', slot, body });
          init.exit = out.length;
          return;
        }
        if (step.kind === 'if') {
          if (step.if.var !== undefined) useVar(step.if.var, `${w}.if.var`);
          const branch: BranchExec = { kind: 'branch', test: conditionTest(step.if), otherwise: -1 };
          out.push(branch);
          emit(step.then, `${w}.then`);
          if (step.else.length) {
            const jump: JumpExec = { kind: 'jump', to: -1 };
            out.push(jump);
            branch.otherwise = out.length;
            emit(step.else, `${w}.else`);
            jump.to = out.length;
          } else branch.otherwise = out.length;
          return;
        }
        if (step.kind === 'ws') {
          const c = compileWsStep(step, {
            defaults: plan.defaults,
            where: w,
            templates: opts.templates,
            inSetup: where.endsWith('.setup'),
            endpointOf: (name, method, path) => endpointOf(scenario, name, method, path),
            socket: ws.socket,
          });
          ws.socket = c.socket;
          for (const v of c.exec.variables) useVar(v, w);
          out.push(c.exec);
          return;
        }
        if (step.kind === 'grpc') {
          const g = compileGrpcStep(step, { defaults: plan.defaults, where: w, templates: opts.templates, endpointOf: (name, method, path) => endpointOf(scenario, name, method, path) });
          for (const v of g.variables) useVar(v, w);
          out.push(g);
          return;
        }
        const req = compileRequest(step, { target, defaults: plan.defaults, scenario, where: w, templates: opts.templates });
        for (const s of req.staticSecrets) staticSecrets.add(s);
        for (const v of req.variables) useVar(v, w);
        const e = endpointOf(scenario, req.endpoint, req.method, req.pathTemplate);
        let staticBytes: Buffer | null = null;
        if (req.isStatic && opts.encode !== false) staticBytes = encodeRequest(req.build(EMPTY_SCOPE), host);
        out.push({
          kind: 'request',
          req,
          endpoint: e,
          isHead: req.method === 'HEAD',
          keepBody: needsBody(step),
          keepHeaders: needsHeaders(step),
          staticBytes,
        });
      });
    };
    emit(steps, where);
    return out;
  };
  const scenarios = plan.scenarios.map((s, si): EngineScenario => {
    const used = new Set<number>();
    const slots = { n: 0 };
    // a ws step talks to the socket of the connect before it, from the setup on into the flow
    const ws: { socket: WsCompileContext['socket'] } = { socket: null };
    const setup = compileSteps(s.setup ?? [], s.name, `scenarios.${si}.setup`, used, slots, ws);
    const flow = compileSteps(s.flow, s.name, `scenarios.${si}.flow`, used, slots, ws);
    let script: ScriptExec | null = null;
    if (s.script !== undefined) {
      const compiled = opts.scripts?.get(si);
      if (!compiled) throw new LoadproofError('LP_INTERNAL', `scenario ${s.name}: its script was not compiled`, { exitCode: ExitCode.internal });
      const map = new Map<string, number>();
      for (const ep of compiled.endpoints) map.set(ep.key, endpointOf(s.name, ep.key, ep.method, ep.path));
      const otherEndpoint = endpointOf(s.name, `${s.name}: other requests`, '*', '*');
      script = {
        code: compiled.code,
        file: compiled.file,
        endpoints: map,
        otherEndpoint,
        defaultHeaders: Object.entries(plan.defaults?.headers ?? {}),
        timeoutMs: plan.defaults?.timeoutMs ?? 10_000,
        basePath: target.pathname === '/' ? '' : target.pathname.replace(/\/+$/, ''),
      };
      // a script may read any table (vu.data)
      data.forEach((_t, i) => used.add(i));
    }
    return { name: s.name, weight: s.weight, setup, flow, flowThinks: flow.some((x) => x.kind === 'think'), loopSlots: slots.n, dataUsed: [...used], script };
  });
  return { scenarios, endpoints, staticSecrets: [...staticSecrets], data };
}
