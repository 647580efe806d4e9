/**
 * What every exporter needs from a plan, computed once: the resolved stages (explicit or from the
 * pattern) in seconds, each scenario's share of the load, its setup and flow, and the request name
 * loadproof would use (so thresholds on `{name:…}` keep meaning the same requests).
 */
import { resolveLoad } from '../../plan/patterns.js';
import type { Plan, RequestStep, Scenario } from '../../plan/schema.js';

export interface StageSec {
  durationSec: number;
  target: number;
}

export interface PlanShape {
  model: 'open' | 'closed';
  stages: StageSec[];
  totalSec: number;
  peak: number;
  scenarios: Array<{ scenario: Scenario; share: number }>;
  /** sentences for the exported file's header: what the tool cannot express */
  notes: string[];
}

export function planShape(plan: Plan): PlanShape {
  const load = resolveLoad(plan);
  const stages = load.stages.map((s) => ({ durationSec: Math.max(1, Math.round(s.durationMs / 1000)), target: s.target }));
  const totalWeight = plan.scenarios.reduce((a, s) => a + s.weight, 0);
  return {
    model: load.model,
    stages,
    totalSec: stages.reduce((a, s) => a + s.durationSec, 0),
    peak: Math.max(0, ...stages.map((s) => s.target)),
    scenarios: plan.scenarios.map((scenario) => ({ scenario, share: scenario.weight / totalWeight })),
    notes: [],
  };
}

/** The endpoint name loadproof records for a request: its `name`, else "METHOD path". */
export function requestName(step: RequestStep): string {
  return step.name ?? `${step.method} ${step.path}`;
}

/** "1m30s"-style duration for tools that take one (k6). */
export function durationText(sec: number): string {
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}
