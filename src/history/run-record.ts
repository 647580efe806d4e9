/**
 * A run as the history keeps it: the figures `history` lists and `compare` needs, without the
 * result's bulky parts (per-second histograms live in `seconds`, loaded only to compare).
 */
import { createHash } from 'node:crypto';
import type { Analysis, Diagnosis, EndpointResult, Result, ResultPlanInfo, StepResult, Summary, ValidityNote, Verdict } from '../result/types.js';
import type { RunSeconds } from './seconds.js';

export interface RunRecord {
  /** the history id; null for a run read from a result file that was never recorded */
  id: number | null;
  resultPath: string | null;
  /** which command produced it: run, import, merge (or file for a result read directly) */
  command: string;
  planName: string;
  planHash: string;
  plan: ResultPlanInfo;
  target: string;
  source: string;
  toolVersion: string;
  gitCommit: string | null;
  gitBranch: string | null;
  startedAt: string;
  endedAt: string;
  durationSec: number;
  verdict: Verdict;
  summary: Summary;
  endpoints: EndpointResult[];
  steps: StepResult[];
  capacity: Analysis['capacity'] | null;
  diagnoses: Array<Pick<Diagnosis, 'id' | 'title' | 'confidence'>>;
  validity: ValidityNote[];
  recordedAt: string;
}

/**
 * The plan's identity for comparisons: a hash of what decides the load sent — target, model,
 * pattern, stages and scenarios — and not of the hypothesis or thresholds, which change what is
 * judged, not what is measured. Two runs with the same hash ran the same experiment.
 */
export function planHashOf(plan: ResultPlanInfo): string {
  const identity = {
    name: plan.name,
    target: plan.target,
    model: plan.model ?? null,
    pattern: plan.pattern ?? null,
    stages: plan.stages ?? null,
    scenarios: plan.scenarios ?? null,
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
}

function strip<T extends { hdr?: string }>(x: T): T {
  const { hdr: _hdr, ...rest } = x;
  return rest as T;
}

/** The record of a result (histograms left out: they travel as `RunSeconds`). */
export function runRecordOf(result: Result, meta: { id?: number | null; resultPath?: string | null; command?: string; gitCommit?: string | null; gitBranch?: string | null; recordedAt?: string }): RunRecord {
  return {
    id: meta.id ?? null,
    resultPath: meta.resultPath ?? null,
    command: meta.command ?? 'file',
    planName: result.plan.name,
    planHash: planHashOf(result.plan),
    plan: result.plan,
    target: result.plan.target,
    source: result.source,
    toolVersion: result.tool.version,
    gitCommit: meta.gitCommit ?? null,
    gitBranch: meta.gitBranch ?? null,
    startedAt: result.startedAt,
    endedAt: result.endedAt,
    durationSec: result.durationSec,
    verdict: result.verdict,
    summary: strip(result.summary),
    endpoints: result.endpoints.map(strip),
    steps: result.steps,
    capacity: result.analysis?.capacity ?? null,
    diagnoses: (result.analysis?.diagnoses ?? []).map((d) => ({ id: d.id, title: d.title, confidence: d.confidence })),
    validity: result.analysis?.validity ?? [],
    recordedAt: meta.recordedAt ?? new Date().toISOString(),
  };
}

/** A run with its seconds, ready to compare. */
export interface ComparableRun {
  record: RunRecord;
  seconds: RunSeconds;
  /** how the user named it: `#12`, `latest`, a file path */
  label: string;
}
