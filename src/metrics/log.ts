/**
 * The run's NDJSON log (`run.ndjson`), appended while the run goes so that a killed run (SIGKILL,
 * power loss) can still be reported:
 *
 *   {"type":"header", …}     plan info, endpoints, model, start time            (first line)
 *   {"type":"second", …}     one merged second: counts, histograms (base64), per endpoint
 *   {"type":"end", …}        how the run ended, its length, warnings            (last line)
 *
 * `resultFromLog(text)` folds the seconds through the same `RunTotals` the live run uses, so the
 * recovered result equals the live one; without an end line (the run was killed) it says so in
 * `stop` and `warnings`. A torn last line (killed mid-write) is ignored.
 */
import { RESULT_SCHEMA, type Refinement, type Result, type ResultPlanInfo, type SeriesInfo, type TestHealth } from '../result/types.js';
import { verdictOf } from '../result/verdict.js';
import { parseThreshold, type ThresholdExpr } from '../plan/thresholds.js';
import { evaluateThresholds } from './thresholds.js';
import { RunTotals, type EndpointInfo, type SecondRecord } from './timeline.js';
import { badFile } from '../errors.js';

export const LOG_SCHEMA = 'loadproof.log/v1' as const;

export interface LogHeader {
  type: 'header';
  schema: typeof LOG_SCHEMA;
  tool: { name: string; version: string };
  startedAt: string;
  plan: ResultPlanInfo;
  endpoints: EndpointInfo[];
  model: 'open' | 'closed';
  workers: number;
  cores: number;
  /** the generator process, for the self series' `target` */
  pid: number;
  /** a segment of a distributed run (`run --segment i/N`): this log is one shard of the run */
  segment?: { index: number; count: number };
  /** the generator's host name (names it in a merged run's validity notes) */
  host?: string;
  /** source address of the load's connections (`--local-address`) */
  localAddress?: string;
  /** requested start instant (`--start-at`), ISO */
  startAt?: string;
  /** run's zero minus the requested instant on this host's clock, ms (positive: late) */
  startSkewMs?: number;
  /** seed of the run (segments of one run must share it for Poisson arrivals) */
  seed?: number;
}

export interface LogEnd {
  type: 'end';
  endedAt: string;
  durationSec: number;
  stop: NonNullable<Result['stop']>;
  warnings?: Array<{ source: string; message: string }>;
  testHealth?: TestHealth;
  /** the protocol the client spoke to the target ('http/1.1', 'h2', 'h2c'; 'mixed' when workers differed) */
  protocol?: string;
  /** segment 0 of a distributed run: the plan's watched series (the merge puts them in the run) */
  watch?: Record<string, SeriesInfo>;
  watchInfo?: Record<string, unknown>;
  /** a refined breakpoint: the stages as run (the header has the planned ones), and the refinement */
  stages?: Array<{ durationSec: number; target: number }>;
  refinement?: Refinement;
}

export type LogLine = LogHeader | SecondRecord | LogEnd;

/** One line of the log (with its newline). */
export function logLine(line: LogLine): string {
  return `${JSON.stringify(line)}\n`;
}

/** Thresholds as text (ResultPlanInfo) → parsed, for re-evaluation; unparsable ones are skipped. */
export function parseThresholdTexts(texts: Record<string, string[]> | undefined): Record<string, ThresholdExpr[]> {
  const out: Record<string, ThresholdExpr[]> = {};
  for (const [metric, list] of Object.entries(texts ?? {})) {
    const parsed = list.map((t) => parseThreshold(t)).filter((x): x is ThresholdExpr => typeof x !== 'string');
    if (parsed.length) out[metric] = parsed;
  }
  return out;
}

export interface AssembleInput {
  header: LogHeader;
  totals: RunTotals;
  endedAt: string;
  durationSec: number;
  stop: NonNullable<Result['stop']>;
  warnings?: Array<{ source: string; message: string }>;
  testHealth?: TestHealth;
  /** the protocol spoken (LogEnd.protocol): recorded on every endpoint (they share the target) */
  protocol?: string;
  /** parsed thresholds (default: re-parsed from the header's plan info) */
  thresholds?: Record<string, ThresholdExpr[]>;
}

/**
 * Builds the result document from the run's totals. `steps` is empty and `analysis` null (the
 * analysis fills them); `verdict` is decided from the stop reason and the criteria only.
 */
export function assembleResult(a: AssembleInput): Result {
  const { header, totals } = a;
  const latencyBasis = header.model === 'open' ? 'intended' : 'actual';
  const summary = totals.summary(a.durationSec, latencyBasis);
  const endpoints = totals.endpointResults();
  if (a.protocol !== undefined) for (const e of endpoints) e.protocol = a.protocol;
  const criteria = evaluateThresholds(a.thresholds ?? parseThresholdTexts(header.plan.thresholds), {
    summary,
    endpoints,
    durationSec: a.durationSec,
  });
  const cpu = totals.cpuStats();
  const loop = totals.eventLoopDelayP99Ms();
  const lag = totals.sendLagP99Ms();
  const generator: NonNullable<Result['generator']> = { workers: header.workers, cores: header.cores };
  if (cpu) generator.cpuPct = cpu;
  if (loop !== null) generator.eventLoopDelayP99Ms = loop;
  if (lag !== null) generator.sendLagP99Ms = lag;
  const result: Result = {
    schema: RESULT_SCHEMA,
    source: 'loadproof',
    tool: header.tool,
    plan: header.plan,
    startedAt: header.startedAt,
    endedAt: a.endedAt,
    durationSec: round3(a.durationSec),
    verdict: 'pass',
    summary,
    endpoints,
    criteria,
    timeline: totals.timeline,
    steps: [],
    watch: totals.selfSeries(`pid ${header.pid}`),
    analysis: null,
    stop: a.stop,
    generator,
  };
  if (a.warnings && a.warnings.length) result.warnings = a.warnings;
  if (a.testHealth) result.testHealth = a.testHealth;
  result.verdict = verdictOf(result);
  return result;
}

/** A run log read back: its lines by kind. */
export interface ParsedLog {
  header: LogHeader;
  seconds: SecondRecord[];
  /** null when the run was killed before it wrote its last line */
  end: LogEnd | null;
  /** a torn last line was ignored */
  torn: boolean;
}

/** Reads a run's NDJSON log (a killed run's too). Throws LP_BAD_FILE on a non-log. */
export function parseLog(text: string, file = 'run.ndjson'): ParsedLog {
  const lines = text.split('\n');
  let header: LogHeader | null = null;
  let end: LogEnd | null = null;
  const seconds: SecondRecord[] = [];
  let torn = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    let obj: LogLine;
    try {
      obj = JSON.parse(raw) as LogLine;
    } catch {
      // a torn line is only expected last (the writer was killed mid-line)
      if (lines.slice(i + 1).some((l) => l.trim() !== '')) throw badFile(`${file}:${i + 1}`, 'not a JSON line', 'is this a loadproof run.ndjson?');
      torn = true;
      continue;
    }
    if (obj.type === 'header') {
      if (obj.schema !== LOG_SCHEMA) throw badFile(`${file}:${i + 1}`, `unknown log schema "${String(obj.schema)}"`, `expected ${LOG_SCHEMA}`);
      header = obj;
    } else if (obj.type === 'second') {
      if (!header) throw badFile(`${file}:${i + 1}`, 'a second before the header line', 'is this a loadproof run.ndjson?');
      seconds.push(obj);
    } else if (obj.type === 'end') {
      end = obj;
    }
  }
  if (!header) {
    // a run killed before its load started (its log is empty, or its first line was cut short)
    // has nothing to report; say that rather than "not a log"
    if (text.trim() === '' || (torn && seconds.length === 0 && end === null)) {
      throw badFile(file, 'the log ends before its first line: the run was stopped before its load started, so nothing was sent and there is nothing to report', 'run the plan again');
    }
    throw badFile(file, 'no header line: not a loadproof run log', 'pass the run.ndjson written by `loadproof run`');
  }
  return { header, seconds, end, torn };
}

/** The message of a log that ends without its last line. */
export function killedMessage(durationSec: number): string {
  return `the run's log ends after ${durationSec}s without a final line: the run was killed; this result holds what was logged until then`;
}

/** Rebuilds a result from a run's NDJSON log (a killed run's too). Throws LP_BAD_FILE on a non-log. */
export function resultFromLog(text: string, file = 'run.ndjson'): Result {
  return resultFromParsedLog(parseLog(text, file));
}

/** `resultFromLog` for a log already read. */
export function resultFromParsedLog(log: ParsedLog): Result {
  const { header, end } = log;
  const totals = new RunTotals(header.endpoints);
  for (const s of log.seconds) totals.add(s);
  const warnings = [...(end?.warnings ?? [])];
  let durationSec: number;
  let endedAt: string;
  let stop: NonNullable<Result['stop']>;
  if (end) {
    durationSec = end.durationSec;
    endedAt = end.endedAt;
    stop = end.stop;
  } else {
    durationSec = totals.endSec;
    endedAt = new Date(Date.parse(header.startedAt) + durationSec * 1000).toISOString();
    stop = { reason: 'interrupted', atSec: durationSec, message: killedMessage(durationSec) };
    warnings.push({ source: 'log', message: stop.message! });
  }
  if (log.torn) warnings.push({ source: 'log', message: 'the last line of the log was cut short and was ignored' });
  const result = assembleResult({ header, totals, endedAt, durationSec, stop, warnings, testHealth: end?.testHealth, protocol: end?.protocol });
  if (end?.watch) result.watch = { ...result.watch, ...end.watch };
  if (end?.watchInfo) result.watchInfo = { ...(result.watchInfo ?? {}), ...end.watchInfo };
  if (end?.stages) result.plan = { ...result.plan, stages: end.stages };
  if (end?.refinement) result.refinement = end.refinement;
  return result;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
