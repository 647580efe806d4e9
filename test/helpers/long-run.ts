/**
 * A long run simulated through the engine's own recording path, without sending a request: a
 * `Recorder` (the load worker's per-second recording) is fed synthetic requests, its snapshots go
 * through `SecondCollector` and `mergeSecond` (the main thread's exact merge) into `RunTotals` and
 * the NDJSON log lines, and the result is assembled by `assembleResult` — the very calls a real
 * run makes (engine/runner.ts, cli/run-session.ts). Only the clock and the network are synthetic.
 * Used by test/integration/long-run.test.ts and bench/long-run.mjs (a 24-hour result in seconds).
 *
 * The traffic: `ratePerSec` requests a second, one endpoint, latencies log-normal around
 * `medianMs` (σ 0.5) with 1% slow ones (50–250 ms) and 0.1% HTTP 503s; a diurnal ±20% swing of
 * the rate so that the timeline is not flat. Seeded: the same options give the same result.
 */
import { writeSync } from 'node:fs';
import { parsePlan } from '../../src/plan/parse.js';
import { logHeaderOf } from '../../src/engine/result.js';
import { mulberry32 } from '../../src/engine/rng.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { RunTotals, SecondCollector, mergeSecond } from '../../src/metrics/timeline.js';
import type { PointStore } from '../../src/metrics/point-store.js';
import { assembleResult, logLine, type LogEnd } from '../../src/metrics/log.js';
import type { Result } from '../../src/result/types.js';

export interface SimulateOptions {
  seconds: number;
  ratePerSec: number;
  medianMs?: number;
  seed?: number;
  /** file descriptor the NDJSON log is written to (as run-session writes it); none: not written */
  logFd?: number;
  /** called after each second is folded into the totals (bench/held-memory.mjs samples the heap there) */
  onSecond?: (sec: number, totals: RunTotals) => void;
  /** where the totals keep the timeline's points (default: in memory), as `run` passes a FilePointStore */
  pointStore?: PointStore;
}

export interface SimulatedRun {
  result: Result;
  /** bytes of the log lines (header, seconds, end), whether written or not */
  logBytes: number;
  /** bytes of the log's first hour of seconds (or of all of them for a shorter run) */
  logBytesFirstHour: number;
}

const PLAN = `name: simulated soak
hypothesis: the service holds its latency for a day
target: http://127.0.0.1:9
thresholds: { http_req_duration: ["p(95)<200"], http_req_failed: ["rate<0.01"] }
load: { model: open, stages: [{ duration: 24h, target: 2000 }] }
scenarios: [{ name: api, flow: [{ get: /items }] }]
`;

/** Simulates a run of `seconds` seconds; see the module comment. */
export function simulateRun(o: SimulateOptions): SimulatedRun {
  const rng = mulberry32(o.seed ?? 17);
  const medianUs = (o.medianMs ?? 4) * 1000;
  const plan = parsePlan(PLAN);
  const endpoints = [{ name: 'GET /items', method: 'GET', scenario: 'api', path: '/items' }];
  const startedAt = new Date('2026-12-01T00:00:00.000Z');
  const header = logHeaderOf(plan, { startedAt, endpoints, workers: 1, cores: 2, stages: [{ durationMs: o.seconds * 1000, target: o.ratePerSec }] });
  const totals = new RunTotals(endpoints, o.pointStore);
  let logBytes = 0;
  let logBytesFirstHour = 0;
  const write = (text: string, firstHour: boolean): void => {
    const n = Buffer.byteLength(text);
    logBytes += n;
    if (firstHour) logBytesFirstHour += n;
    if (o.logFd !== undefined) writeSync(o.logFd, text);
  };
  write(logLine(header), false);
  let rate = o.ratePerSec;
  const collector = new SecondCollector(1, (sec, snaps, durationSec) => {
    const record = mergeSecond(snaps, {
      stage: 0,
      offeredRps: Math.round(rate * 100) / 100,
      durationSec,
      generator: { cpuPct: Math.round((25 + rng() * 10) * 10) / 10, eventLoopDelayP99Ms: Math.round((10.5 + rng()) * 100) / 100, rssBytes: 90e6 + Math.round(rng() * 4e6), workerBusyPct: 30 },
      reportVus: false,
    });
    totals.add(record);
    write(logLine(record), sec < 3600);
    o.onSecond?.(sec, totals);
  });
  // a few requests outstanding at each second's end, a few ms old
  let nowSec = 0;
  const recorder = new Recorder(1, 0, {
    inFlight: () => 8,
    vus: () => 0,
    load: () => ({ busy: 0.3, spinUs: 0 }),
    outstanding: (visit) => {
      for (let i = 0; i < 8; i++) visit((nowSec + 1) * 1e6 - 500 - Math.floor(rng() * 8000));
    },
  }, (snap) => collector.add(snap));
  const normal = (): number => {
    // Box–Muller
    const u = 1 - rng();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
  };
  for (let s = 0; s < o.seconds; s++) {
    nowSec = s;
    rate = o.ratePerSec * (1 + 0.2 * Math.sin((2 * Math.PI * s) / 86_400));
    const n = Math.round(rate);
    const gapUs = 1e6 / n;
    for (let i = 0; i < n; i++) {
      const intendedUs = s * 1e6 + i * gapUs;
      const lagUs = 20 + rng() * 200;
      const slow = rng() < 0.01;
      const latencyUs = slow ? 50_000 + rng() * 200_000 : medianUs * Math.exp(0.5 * normal());
      // completions stay inside their second, as the recorder's buckets are by completion time
      const doneUs = Math.min(intendedUs + latencyUs, (s + 1) * 1e6 - 1);
      const status = rng() < 0.001 ? 503 : 200;
      recorder.recordSendLag(lagUs, intendedUs + lagUs);
      recorder.recordIteration(intendedUs + lagUs);
      recorder.record(0, intendedUs, intendedUs + lagUs, doneUs, status, 0, 512, 120);
    }
  }
  const endUs = o.seconds * 1e6;
  recorder.flushAll(endUs);
  const endedAt = new Date(startedAt.getTime() + o.seconds * 1000).toISOString();
  const end: LogEnd = { type: 'end', endedAt, durationSec: o.seconds, stop: { reason: 'completed', atSec: o.seconds } };
  write(logLine(end), false);
  const result = assembleResult({ header, totals, endedAt, durationSec: o.seconds, stop: end.stop });
  return { result, logBytes, logBytesFirstHour };
}
