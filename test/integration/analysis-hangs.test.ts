/**
 * Issue 11 on synthetic results (test/helpers/synthetic-results.ts): a pg pool that leaks one
 * connection every 8 s at a constant 100 req/s, and RSS that follows a queue rather than a leak.
 *
 *   - the hang mode (no acquire timeout): after the pool is empty every request waits until the
 *     client's 10 s timeout. connection-leak ranks first, its evidence quotes the idle-in-transaction
 *     ceiling and when it was reached against when requests started to hang; memory-leak (RSS
 *     grew with the ~1,000 requests queued inside the service) is absent or below it. Both as
 *     loadproof recorded such a run before issue 11 (timeouts not timed: the seconds after the cliff
 *     have no latency at all) and as it records it since (timeouts timed at the timeout, seconds
 *     without completions carrying the oldest outstanding age)
 *   - the acquire-timeout mode: requests fail fast with a 500 instead of hanging; connection-leak
 *     ranks first as well
 *   - queueing versus leak: RSS that rises in step with the requests in flight is queued work (no
 *     memory-leak; the queue is named), RSS that rises while they stay flat is still a leak
 *   - the other rules that read latency are not blinded by seconds or levels without completions
 *     (cold-start, timeout-cascade)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analysisContext, analyze } from '../../src/analysis/analyze.js';
import { coldStart } from '../../src/analysis/rules/cold-start.js';
import { connectionLeak } from '../../src/analysis/rules/connection-leak.js';
import { memoryLeak } from '../../src/analysis/rules/memory-leak.js';
import { timeoutCascade } from '../../src/analysis/rules/timeout-cascade.js';
import type { Result } from '../../src/result/types.js';
import { buildResult, POOL_LEAK, poolLeakCase, series, simulate, steps, type Stage } from '../helpers/synthetic-results.js';

const MB = 1024 * 1024;
const EMPTY_AT = POOL_LEAK.size * POOL_LEAK.everySec; // 80 s

/**
 * The timeline as loadproof records it since issue 11: a second in which nothing completed while
 * requests were outstanding carries the oldest outstanding age (`oldestInFlightMs`) as its latency.
 * The simulation's outstanding requests there all arrived after the pool emptied, so the oldest is
 * at most the time since then (and never older than the client's timeout).
 */
function withOutstandingAges(r: Result): Result {
  for (const p of r.timeline) {
    if (p.latencyMs === null && (p.inFlight ?? 0) > 0) {
      const ageMs = Math.min(POOL_LEAK.timeoutMs, (p.t + 1 - EMPTY_AT) * 1000);
      if (!(ageMs > 0)) continue;
      p.latencyMs = { p50: ageMs, p95: ageMs, p99: ageMs, mean: ageMs, max: ageMs };
      (p as { oldestInFlightMs?: number | null }).oldestInFlightMs = ageMs;
    }
  }
  return r;
}

function ranks(r: Result): { ids: string[]; conf: Record<string, number>; top: NonNullable<Result['analysis']>['diagnoses'][number] | undefined } {
  const d = analyze(r).analysis!.diagnoses;
  return { ids: d.map((x) => x.id), conf: Object.fromEntries(d.map((x) => [x.id, x.confidence])), top: d[0] };
}

function assertPoolLeakFirst(r: Result, failure: RegExp): void {
  const { ids, conf, top } = ranks(r);
  assert.equal(top?.id, 'connection-leak', `diagnoses ${JSON.stringify(conf)}`);
  assert.ok(top.confidence >= 0.7, `connection-leak confidence ${top.confidence}`);
  const text = top.evidence.join(' | ');
  // the holder, its ceiling and when it was reached (the pool of 10 is empty at 80 s)
  assert.match(text, /idle-in-transaction connections/);
  const ceiling = /reached (\d+) at (\d+) s/.exec(text);
  assert.ok(ceiling, text);
  assert.equal(Number(ceiling[1]), POOL_LEAK.size, text);
  assert.ok(Math.abs(Number(ceiling[2]) - EMPTY_AT) <= 2, text);
  // against when requests started to hang or fail: at the ceiling, not before the pool ran low
  const onset = new RegExp(`requests started to ${failure.source} at (\\d+) s`).exec(text);
  assert.ok(onset, text);
  assert.ok(Number(onset[1]) >= EMPTY_AT - POOL_LEAK.everySec && Number(onset[1]) <= EMPTY_AT + 3, text);
  if (ids.includes('memory-leak')) assert.ok(conf['memory-leak']! < conf['connection-leak']!, JSON.stringify(conf));
}

test('hang mode, recorded without timing the timeouts (before issue 11): connection-leak first, on the hangs and the idle-in-transaction ceiling', () => {
  const r = poolLeakCase({ timeoutsTimed: false });
  // the case is what the issue saw: nothing completes with a latency after the cliff
  const after = r.timeline.filter((p) => p.t >= EMPTY_AT + 1 && p.t < 120);
  assert.ok(after.every((p) => p.latencyMs === null && (p.inFlight ?? 0) > 0), 'seconds after the cliff have no latency but requests in flight');
  assert.ok((r.summary.errorKinds?.timeout ?? 0) > 0.2 * r.summary.requests);
  assertPoolLeakFirst(r, /hang/);
  const d = analyze(r).analysis!.diagnoses[0]!;
  assert.match(d.evidence.join(' '), /timed out/);
});

test('hang mode, timeouts timed and silent seconds carrying the oldest outstanding age: connection-leak first, memory-leak not above it', () => {
  const r = withOutstandingAges(poolLeakCase());
  assertPoolLeakFirst(r, /hang/);
  // the ~1,000 requests queued inside the service are named as such
  const d = analyze(r).analysis!.diagnoses[0]!;
  assert.match(d.evidence.join(' '), /requests in flight rose from \d+ to [\d,]+/);
});

test('hang mode: RSS growing with the queued requests is not a memory leak', () => {
  const ev = analysisContext(poolLeakCase({ timeoutsTimed: false })).evidence;
  const m = memoryLeak(ev);
  const c = connectionLeak(ev);
  assert.ok(c, 'connection-leak fires');
  assert.ok(m === null || m.confidence < c.confidence - 0.2, JSON.stringify(m));
});

test('acquire-timeout mode: requests fail fast with 500s instead of hanging — connection-leak first as well', () => {
  const r = poolLeakCase({ acquireTimeoutMs: 20 });
  // the failures are fast: the p95 of every second stays under the latency bound
  assert.ok(r.timeline.every((p) => p.latencyMs === null || p.latencyMs.p95 < 40), 'failures are fast');
  assert.ok((r.summary.statusCodes?.['500'] ?? 0) > 0.2 * r.summary.requests);
  assertPoolLeakFirst(r, /fail/);
  const d = analyze(r).analysis!.diagnoses[0]!;
  assert.match(d.evidence.join(' '), /answered 500/);
});

/**
 * A service slowing down at constant load without a watched holder: each request takes 2 ms longer
 * every second (10 ms → ~250 ms over 2 min), so the requests in flight rise from ~1 to ~25 (Little's
 * law), and each holds ~1 MB while it is served. `flatQueue` instead keeps the latency flat and
 * grows RSS by itself (a leak under a steady queue).
 */
function queueCase(flatQueue: boolean): Result {
  const stages: Stage[] = [
    { durationSec: 2, target: 100 },
    { durationSec: 118, target: 100 },
  ];
  const sim = simulate({ stages, servers: Infinity, request: (t, _r, rnd) => ({ serviceMs: (flatQueue ? 10 : 10 + 2 * t) * (0.9 + 0.2 * rnd()) }) });
  return buildResult(sim, stages, {
    name: flatQueue ? 'leak under a steady queue' : 'queue',
    pattern: 'soak',
    watch: {
      'process.port3000.rssBytes': series(
        sim.states,
        'bytes',
        (s, r) => 80 * MB + (flatQueue ? s.t * 0.25 * MB : s.inFlight * MB) + (s.t % 20) * 0.1 * MB + r() * 2 * MB,
        { watcher: 'process', role: 'app' },
      ),
      'process.port3000.fds': series(sim.states, 'count', (s) => 24 + s.inFlight, { watcher: 'process', role: 'app' }),
    },
  });
}

test('queueing, not a leak: RSS rising in step with the requests in flight fires no memory-leak, and the queue is named', () => {
  const r = queueCase(false);
  const ev = analysisContext(r).evidence;
  const inFlight = ev.stretches[0]!.points.map((p) => p.inFlight ?? 0);
  assert.ok(Math.max(...inFlight.slice(-10)) >= 15 && Math.max(...inFlight.slice(0, 10)) <= 5, `the queue grows: ${inFlight.join(',')}`);
  assert.equal(memoryLeak(ev), null);
  const d = analyze(r).analysis!.diagnoses;
  assert.ok(!d.some((x) => x.id === 'memory-leak'), JSON.stringify(d.map((x) => x.id)));
  const named = d.flatMap((x) => x.evidence).join(' | ');
  assert.match(named, /requests in flight rose from \d+ to \d+/);
  assert.match(named, /RSS of process port3000 grew [\d.]+ MB with them \(r 0\.\d+\): queued work, not a leak/);
});

test('…while RSS rising with the requests in flight flat is still a memory leak (control: the discount does not hide a leak)', () => {
  const r = queueCase(true);
  const ev = analysisContext(r).evidence;
  const m = memoryLeak(ev);
  assert.ok(m && m.confidence >= 0.6, JSON.stringify(m));
  assert.doesNotMatch(m.evidence.join(' '), /queued work/);
});

test('hang mode: RSS that starts growing when requests start to hang (a drained pool keeps its waiters) is not a memory leak', () => {
  // as measured end to end (e2e-pool-drain): the client's 2 s timeout caps the requests in flight,
  // while the service keeps every waiter of its pool — RSS flat before the pool is empty, then a line
  const r = poolLeakCase({ timeoutsTimed: false });
  const rss = r.watch['process.port3000.rssBytes']!;
  rss.points = rss.points.map(([t], i) => [t, 57 * MB + Math.max(0, t - EMPTY_AT) * 0.2 * MB + ((i * 7919) % 13) * 0.05 * MB]);
  const ev = analysisContext(r).evidence;
  const m = memoryLeak(ev);
  assert.ok(m === null || m.confidence < 0.25, JSON.stringify(m));
  assert.equal(analyze(r).analysis!.diagnoses[0]?.id, 'connection-leak');
});

test('cold-start: a service that answers nothing for its first 4 s (requests outstanding, none back) is cold, not quiet', () => {
  // not ready until t = 4 s: every earlier request waits and is answered then; 5 ms afterwards
  const stages: Stage[] = [
    { durationSec: 1, target: 100 },
    { durationSec: 59, target: 100 },
  ];
  const sim = simulate({ stages, servers: Infinity, timeoutMs: 10_000, request: (t, _r, rnd) => ({ serviceMs: (t < 4 ? (4 - t) * 1000 : 0) + 5 * (0.8 + 0.4 * rnd()) }) });
  const r = buildResult(sim, stages, { name: 'not ready', pattern: 'load' });
  assert.ok([1, 2, 3].every((t) => r.timeline[t]!.latencyMs === null && (r.timeline[t]!.inFlight ?? 0) > 0), 'the first seconds are silent with requests outstanding');
  const d = coldStart(analysisContext(r).evidence);
  assert.ok(d && d.confidence >= 0.8, JSON.stringify(d));
  assert.match(d.evidence[0]!, /in the first [4-6] s of the run/);
});

test('timeout-cascade: a top level where every request timed out untimed (no latency at all) is the worst level, not one left out', () => {
  // 8 workers × 40 ms; at the top level each request takes 500 ms, over the client's 200 ms timeout,
  // and timeouts are not timed (as recorded before issue 11): the level has errors and no latency
  const stages = steps([50, 100, 150, 250], 18);
  const sim = simulate({ stages, servers: 8, timeoutMs: 200, timeoutsTimed: false, request: (_t, r, rnd) => ({ serviceMs: (r > 200 ? 500 : 38) * (0.8 + 0.4 * rnd()) }) });
  const r = buildResult(sim, stages, { name: 'cascade, untimed', pattern: 'breakpoint' });
  const ev = analysisContext(r).evidence;
  const top = ev.levels[ev.levels.length - 1]!;
  assert.equal(top.latencyMs, null);
  assert.ok(top.errorRate > 0.9, `top level error rate ${top.errorRate}`);
  const d = timeoutCascade(ev);
  assert.ok(d && d.confidence >= 0.6, JSON.stringify(d));
  assert.match(d.evidence[0]!, /at least [\d.]+ ms \(no request came back with a latency\)/);
});
