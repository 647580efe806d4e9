/**
 * The frame every importer fills: a `loadproof.result/v1` document with `source` naming the tool,
 * `stop.reason: 'imported'`, `analysis: null` and `steps: []` (the analysis fills both later), and
 * `limitations` saying what the tool did not record.
 */
import { RESULT_SCHEMA } from '../../result/types.js';
import type {
  CriterionResult,
  EndpointResult,
  ErrorKind,
  Result,
  ResultPlanInfo,
  ResultSource,
  Summary,
  TimelinePoint,
} from '../../result/types.js';
import { verdictOf } from '../../result/verdict.js';
import type { SourceFile } from './source-file.js';

export interface ImportedParts {
  source: Exclude<ResultSource, 'loadproof'>;
  /** the tool's version when the file states it */
  toolVersion?: string;
  /** a name for the run: the script, simulation or URL */
  name: string;
  /** the base URL or URL tested, '' when the file does not say */
  target: string;
  /** wall-clock start, epoch ms; undefined when the file records no time (then the file's mtime is used) */
  startedAtMs?: number;
  durationSec: number;
  summary: Summary;
  endpoints: EndpointResult[];
  timeline: TimelinePoint[];
  criteria?: CriterionResult[];
  limitations: Array<string | undefined>;
  warnings?: string[];
  model?: 'open' | 'closed';
  stages?: ResultPlanInfo['stages'];
  thresholds?: Record<string, string[]>;
  scenarios?: ResultPlanInfo['scenarios'];
}

/** Files an importer read, with their modification times (for tools that record no clock). */
export interface ImportInput {
  files: SourceFile[];
  /** modification time of the main file, epoch ms */
  mtimeMs?: number;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Adds `n` failures of `kind` to a tally, leaving kinds that never occurred out of it. */
export function countErrorKind(kinds: Partial<Record<ErrorKind, number>>, kind: ErrorKind, n: number): void {
  if (n > 0) kinds[kind] = (kinds[kind] ?? 0) + n;
}

/**
 * The one endpoint of a tool that tests a single URL (wrk, ab, hey): the run's summary under the
 * endpoint's name. `path` when the tool printed the URL; `statusCodes` when it counted them.
 */
export function soleEndpoint(name: string, summary: Summary, o: { path?: string; statusCodes?: Record<string, number> } = {}): EndpointResult {
  return {
    name,
    method: '',
    ...(o.path !== undefined ? { path: o.path } : {}),
    requests: summary.requests,
    errors: summary.errors,
    errorRate: summary.errorRate,
    statusCodes: o.statusCodes ?? {},
    errorKinds: summary.errorKinds,
    latencyMs: summary.latencyMs,
    ...(summary.hdr ? { hdr: summary.hdr } : {}),
  };
}

export function importedResult(parts: ImportedParts, input: ImportInput): Result {
  const limitations = parts.limitations.filter((l): l is string => typeof l === 'string');
  let startMs = parts.startedAtMs;
  if (startMs === undefined) {
    const end = input.mtimeMs ?? Date.now();
    startMs = end - parts.durationSec * 1000;
    limitations.push(`${parts.source} records no wall-clock time: startedAt and endedAt are estimated from the file's modification time`);
  }
  const criteria = parts.criteria ?? [];
  const plan: ResultPlanInfo = { name: parts.name, hypothesis: null, target: parts.target, pattern: null };
  if (parts.model) plan.model = parts.model;
  if (parts.stages) plan.stages = parts.stages;
  if (parts.thresholds && Object.keys(parts.thresholds).length) plan.thresholds = parts.thresholds;
  if (parts.scenarios) plan.scenarios = parts.scenarios;
  const stop = { reason: 'imported' as const, message: `imported from ${input.files.map((f) => f.path).join(', ')}` };
  const result: Result = {
    schema: RESULT_SCHEMA,
    source: parts.source,
    tool: { name: parts.source, version: parts.toolVersion ?? 'unknown' },
    plan,
    startedAt: new Date(startMs).toISOString(),
    endedAt: new Date(startMs + parts.durationSec * 1000).toISOString(),
    durationSec: round2(parts.durationSec),
    verdict: verdictOf({ stop, criteria, analysis: null }),
    summary: parts.summary,
    endpoints: parts.endpoints,
    criteria,
    timeline: parts.timeline,
    steps: [],
    watch: {},
    analysis: null,
    stop,
    limitations,
  };
  if (parts.warnings?.length) result.warnings = parts.warnings.map((message) => ({ source: parts.source, message }));
  return result;
}
