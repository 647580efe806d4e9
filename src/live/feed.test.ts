import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHistogram, encodeHistogram, recordUs } from '../metrics/histogram.js';
import { RunTotals, type SecondRecord } from '../metrics/timeline.js';
import { assembleResult, type LogHeader } from '../metrics/log.js';
import { analyze } from '../analysis/analyze.js';
import { LiveFeed, type LiveEvent } from './feed.js';
import { PrometheusState } from './prometheus.js';

const header: LogHeader = {
  type: 'header',
  schema: 'loadproof.log/v1',
  tool: { name: 'loadproof', version: 'test' },
  startedAt: new Date(0).toISOString(),
  plan: { name: 'feed test', hypothesis: null, target: 'http://127.0.0.1:1', pattern: null, model: 'open', stages: [{ durationSec: 6, target: 100 }], thresholds: { http_req_duration: ['p(95)<200'] }, abort: {}, scenarios: [] },
  endpoints: [{ name: 'GET /', method: 'GET' }],
  model: 'open',
  workers: 1,
  cores: 1,
  pid: 1,
};

/** A second of `n` requests at `latUs`, `errors` of them answered 500. */
function second(t: number, n: number, errors: number, latUs: number): SecondRecord {
  const h = createHistogram();
  for (let i = 0; i < n; i++) recordUs(h, latUs);
  const hdr = encodeHistogram(h);
  return {
    type: 'second',
    t,
    durationSec: 1,
    stage: 0,
    offeredRps: n,
    vus: null,
    inFlight: 2,
    dropped: 0,
    iterations: n,
    hdr,
    serviceHdr: null,
    sendLagHdr: null,
    endpoints: [{ e: 0, requests: n, errors, statusCodes: { '200': n - errors, ...(errors ? { '500': errors } : {}) }, errorKinds: errors ? { status: errors } : {}, checksPasses: 0, checksFails: 0, bytesIn: 0, bytesOut: 0, hdr }],
    generator: { cpuPct: 5, eventLoopDelayP99Ms: 1, rssBytes: 1e6, workerBusyPct: 3 },
  };
}

test('the feed: ticks with running totals, history for late subscribers, /metrics and the end figures agree with the result', () => {
  const feed = new LiveFeed();
  const prom = new PrometheusState(feed);
  const seen: LiveEvent[] = [];
  feed.subscribe({ event: (e) => seen.push(e) });
  const totals = new RunTotals(header.endpoints);
  feed.start(header, 0);
  for (let t = 0; t < 6; t++) {
    const r = second(t, 100, t === 5 ? 10 : 0, 3_000 + t * 1_000);
    totals.add(r);
    feed.second(r, totals);
  }
  const ticks = seen.filter((e) => e.type === 'tick');
  assert.equal(ticks.length, 6);
  const last = ticks[5]!.data as { totalRequests: number; totalErrors: number; p95Ms: number; errorKinds: Record<string, number>; stage: number };
  assert.equal(last.totalRequests, 600);
  assert.equal(last.totalErrors, 10);
  assert.deepEqual(last.errorKinds, { status: 10 });
  assert.equal(last.stage, 1);
  assert.ok(Math.abs(last.p95Ms - 8) < 0.01, `p95 ${last.p95Ms}`);
  // the history holds the meta event and every tick, in order
  const history = feed.history().text;
  assert.equal(history.split('event: tick').length - 1, 6);
  assert.ok(history.indexOf('event: meta') < history.indexOf('event: tick'));
  assert.match(history, /"sloLatency":\[\{"label":"SLO p\(95\)<200","ms":200\}\]/);

  const provisional = feed.provisionalAnalysis();
  assert.ok(provisional && provisional.provisional === true && provisional.atSec === 6);

  const final = analyze(assembleResult({ header, totals, endedAt: new Date(6000).toISOString(), durationSec: 6, stop: { reason: 'completed' } }));
  feed.end(final, 1, '/tmp/x', { json: '/tmp/x/result.json' });
  const end = seen.at(-1)!;
  assert.equal(end.type, 'end');
  const e = end.data as { requests: number; p95Ms: number; errorRate: number; verdict: string; exitCode: number };
  assert.equal(e.requests, final.summary.requests);
  assert.equal(e.p95Ms, final.summary.latencyMs.p95);
  assert.equal(e.errorRate, final.summary.errorRate);
  assert.equal(e.verdict, final.verdict);
  assert.equal(feed.finished, true);

  const text = prom.render();
  assert.match(text, /^loadproof_http_reqs_total\{endpoint="GET \/",status="200"\} 590$/m);
  assert.match(text, /^loadproof_http_reqs_total\{endpoint="GET \/",status="500"\} 10$/m);
  assert.match(text, /^loadproof_http_req_failures_total\{endpoint="GET \/",kind="status"\} 10$/m);
  assert.match(text, /^loadproof_http_req_duration_seconds_count\{endpoint="GET \/"\} 600$/m);
  assert.match(text, /^loadproof_http_req_duration_seconds_bucket\{endpoint="GET \/",le="0.005"\} 300$/m);
  assert.match(text, /^loadproof_run_finished 1$/m);
  assert.match(text, /^loadproof_offered_rate 100$/m);
  // every sample line is `name{labels} value` or `name value`
  for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) assert.match(line, /^[a-z_]+(\{[^}]*\})? [-+0-9.eInfNa]+$/, line);
});

test('a control request reaches the session once the run can be stopped, and is recorded in the history', () => {
  const feed = new LiveFeed();
  assert.equal(feed.control('stop', '127.0.0.1'), false, 'no session yet');
  let calls = 0;
  feed.onControl = () => {
    calls++;
    return true;
  };
  assert.equal(feed.control('abort', '127.0.0.1'), true);
  assert.equal(calls, 1);
  assert.match(feed.history().text, /event: control\ndata: \{"action":"abort"/);
});
