/**
 * `run` refuses a plan without a hypothesis or success criteria (exit 2): a test without them gives
 * false confidence, since any outcome "passes". A smoke test may omit both; `design` says so.
 */
import { PlanError, type PlanIssue } from '../errors.js';
import type { Plan } from './schema.js';

/** The issues that stop `run` (empty when the plan may run). */
export function runnableIssues(plan: Plan, file?: string): PlanIssue[] {
  if (plan.pattern?.type === 'smoke') return [];
  const issues: PlanIssue[] = [];
  if (!plan.hypothesis) {
    issues.push({
      file,
      path: 'hypothesis',
      message: 'a plan needs a hypothesis to run: a test without one gives false confidence',
      hint: 'add e.g. `hypothesis: the API sustains 100 req/s at p95 < 200 ms`, or use pattern smoke',
    });
  }
  const count = Object.values(plan.thresholds ?? {}).reduce((n, list) => n + list.length, 0);
  if (count === 0) {
    issues.push({
      file,
      path: 'thresholds',
      message: 'a plan needs at least one success criterion to run: without one every outcome passes',
      hint: 'add e.g. `thresholds: { http_req_duration: ["p(95)<200"], http_req_failed: ["rate<0.01"] }`',
    });
  }
  return issues;
}

/** Throws a `PlanError` (exit 2) when the plan may not run. */
export function assertRunnable(plan: Plan, file?: string): void {
  const issues = runnableIssues(plan, file);
  if (issues.length) throw new PlanError(issues);
}
