/**
 * A plan's scenarios compiled once, before any load is sent: every request step through
 * `compileRequest` (templates, JSONPaths, regexes, headers), every think step to its range.
 *
 * Problems are collected across all steps and thrown together as one `PlanError` (exit 2), each
 * issue naming its field path (`scenarios.1.flow.0.json.name`), so a user fixes them in one pass.
 */
import { LoadproofError, PlanError, type PlanIssue } from '../../errors.js';
import type { Plan, Step } from '../../plan/schema.js';
import type { Rng } from '../rng.js';
import { compileRequest, type CompiledRequest } from './request.js';
import type { TemplateOptions } from './template.js';

/** A compiled step: a request to send or a pause. */
export type CompiledStep = { kind: 'request'; request: CompiledRequest } | { kind: 'think'; minMs: number; maxMs: number };

export interface CompiledScenario {
  /** position in the plan */
  index: number;
  name: string;
  weight: number;
  /** once per VU, before its first iteration */
  setup: CompiledStep[];
  /** one iteration */
  flow: CompiledStep[];
}

export interface CompiledScenarios {
  scenarios: CompiledScenario[];
  /** the scenarios' weights, in plan order (for `createPicker`) */
  weights: number[];
  /** every distinct endpoint, in plan order, with the scenario that first names it */
  endpoints: Array<{ name: string; method: string; path: string; scenario: string }>;
  /** secret header values written in the plan (API keys), for the SecretRegistry */
  staticSecrets: string[];
}

export interface CompileScenariosOptions {
  /** plan file name, for the issues */
  file?: string;
  templates?: TemplateOptions;
}

/** Compiles every scenario of a (schema-validated) plan. Throws `PlanError` with every problem found. */
export function compileScenarios(plan: Pick<Plan, 'target' | 'defaults' | 'scenarios'>, opts: CompileScenariosOptions = {}): CompiledScenarios {
  const target = new URL(plan.target);
  const issues: PlanIssue[] = [];
  const endpoints: CompiledScenarios['endpoints'] = [];
  const seen = new Set<string>();
  const staticSecrets = new Set<string>();

  const compileSteps = (steps: readonly Step[] | undefined, scenario: string, base: string): CompiledStep[] => {
    const out: CompiledStep[] = [];
    (steps ?? []).forEach((step, i) => {
      const where = `${base}.${i}`;
      if (step.kind === 'think') {
        out.push({ kind: 'think', minMs: step.think.minMs, maxMs: step.think.maxMs });
        return;
      }
      try {
        const request = compileRequest(step, { target, defaults: plan.defaults, scenario, where, templates: opts.templates });
        out.push({ kind: 'request', request });
        for (const s of request.staticSecrets) staticSecrets.add(s);
        if (!seen.has(request.endpoint)) {
          seen.add(request.endpoint);
          endpoints.push({ name: request.endpoint, method: request.method, path: request.pathTemplate, scenario });
        }
      } catch (err) {
        if (!(err instanceof LoadproofError)) throw err;
        issues.push({ file: opts.file, path: err.where ?? where, message: err.message, hint: err.hint });
      }
    });
    return out;
  };

  const scenarios = plan.scenarios.map((s, index) => ({
    index,
    name: s.name,
    weight: s.weight,
    setup: compileSteps(s.setup, s.name, `scenarios.${index}.setup`),
    flow: compileSteps(s.flow, s.name, `scenarios.${index}.flow`),
  }));
  if (issues.length) throw new PlanError(issues);
  return { scenarios, weights: scenarios.map((s) => s.weight), endpoints, staticSecrets: [...staticSecrets] };
}

/** A think time drawn uniformly from [minMs, maxMs]. */
export function drawThinkMs(step: { minMs: number; maxMs: number }, rng: Rng = Math.random): number {
  return step.minMs === step.maxMs ? step.minMs : step.minMs + rng() * (step.maxMs - step.minMs);
}
