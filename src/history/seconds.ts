/**
 * The per-second data a comparison needs: for each second of a run, its length, request and error
 * counts and its latency histogram (base64 HdrHistogram, µs), for the run as a whole and per
 * endpoint. This is what the history store keeps (`run_seconds`) and what `compare` bootstraps.
 *
 * Sources: the run as a whole comes from `result.timeline` (every loadproof run records an `hdr` per
 * second); per endpoint it comes from the run's NDJSON log (`run.ndjson`, one `second` line per
 * second with each endpoint's histogram) when it lies beside the result file. Imported results keep
 * whatever their tool recorded: a timeline without histograms gives counts but no latency seconds.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Result } from '../result/types.js';

/** One second (or interval) of a run, for the run as a whole or one endpoint. */
export interface SecondSample {
  /** start of the interval, s from the run's start */
  t: number;
  durationSec: number;
  requests: number;
  errors: number;
  /** the stage (constant-load stretch of the plan) the second belongs to; strata of the bootstrap */
  stage: number;
  /** latency histogram (µs, compressed base64); null when nothing was timed or it was not recorded */
  hdr: string | null;
}

export interface RunSeconds {
  /** all endpoints together */
  overall: SecondSample[];
  /** by endpoint name; empty when the per-endpoint seconds were not recorded */
  endpoints: Record<string, SecondSample[]>;
}

/** The run-wide seconds of a result's timeline. */
export function overallSecondsOf(result: Result): SecondSample[] {
  return result.timeline.map((p) => {
    const durationSec = p.durationSec ?? 1;
    return {
      t: p.t,
      durationSec,
      // `rps` is rounded to 0.01: the count is recovered exactly by rounding back
      requests: Math.round(p.rps * durationSec),
      errors: p.errors,
      stage: p.stage ?? 0,
      hdr: p.hdr ?? null,
    };
  });
}

interface LogSecondLine {
  type: 'second';
  t: number;
  durationSec: number;
  stage: number;
  endpoints: Array<{ e: number; requests: number; errors: number; hdr: string | null }>;
}

/**
 * Per-endpoint seconds from the text of a run's NDJSON log (metrics/log.ts). Lines that do not parse
 * (a torn last line) are skipped. Endpoint names come from the header line.
 */
export function endpointSecondsFromLog(text: string): Record<string, SecondSample[]> {
  const out: Record<string, SecondSample[]> = {};
  let names: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let doc: { type?: string; endpoints?: unknown };
    try {
      doc = JSON.parse(line) as typeof doc;
    } catch {
      continue;
    }
    if (doc.type === 'header' && Array.isArray(doc.endpoints)) {
      names = (doc.endpoints as Array<{ name: string }>).map((e) => e.name);
    } else if (doc.type === 'second') {
      const s = doc as unknown as LogSecondLine;
      for (const e of s.endpoints) {
        const name = names[e.e];
        if (name === undefined) continue;
        (out[name] ??= []).push({ t: s.t, durationSec: s.durationSec, requests: e.requests, errors: e.errors, stage: s.stage ?? 0, hdr: e.hdr });
      }
    }
  }
  return out;
}

/**
 * The seconds of a result: the timeline, plus the per-endpoint seconds of `run.ndjson` when a log
 * path is given (or found beside `resultPath`) and readable.
 */
export function runSecondsOf(result: Result, resultPath?: string, logPath?: string): RunSeconds {
  const log = logPath ?? (resultPath !== undefined ? join(dirname(resultPath), 'run.ndjson') : undefined);
  let endpoints: Record<string, SecondSample[]> = {};
  if (log !== undefined && existsSync(log)) {
    try {
      endpoints = endpointSecondsFromLog(readFileSync(log, 'utf8'));
    } catch {
      endpoints = {};
    }
  }
  return { overall: overallSecondsOf(result), endpoints };
}
