import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AbortGuard, MIN_WINDOW_SAMPLES, type GuardSecond } from './guard.js';
import { parseAbortRule, type AbortExpr } from '../plan/thresholds.js';
import { createHistogram, encodeHistogram, recordUs } from '../metrics/histogram.js';
import { parsePlan } from '../plan/parse.js';

const rule = (text: string): AbortExpr => {
  const r = parseAbortRule(text);
  if (typeof r === 'string') throw new Error(r);
  return r;
};

/** A second with `requests` requests, `errors` of them failed, all at `latencyMs`. */
function sec(t: number, requests: number, errors: number, latencyMs = 10, extra: Partial<GuardSecond> = {}): GuardSecond {
  const h = createHistogram();
  for (let i = 0; i < requests; i++) recordUs(h, latencyMs * 1000);
  return { t, requests, errors, hdr: encodeHistogram(h), checksPasses: 0, checksFails: 0, ...extra };
}

test('trips exactly at the first full window whose aggregate meets the rule', () => {
  const g = new AbortGuard({ http_req_failed: [rule('rate>0.05 for 10s')] });
  // seconds 0..9: 100 req/s, 0 errors; from second 10 on: 12 errors/s
  for (let t = 0; t < 10; t++) assert.equal(g.push(sec(t, 100, 0)), null);
  // window (t-10, t]: errors = 12·k over 1000 requests after k bad seconds; > 0.05 needs 12k > 50, k ≥ 5
  for (let t = 10; t < 14; t++) assert.equal(g.push(sec(t, 100, 12)), null, `t=${t}`);
  const trip = g.push(sec(14, 100, 12));
  assert.ok(trip);
  assert.equal(trip.metric, 'http_req_failed');
  assert.equal(trip.rule, 'rate>0.05 for 10s');
  assert.equal(trip.observed, 60 / 1000);
  assert.equal(trip.atSec, 15);
  assert.equal(trip.message, 'stopped as a production-like incident would be: http_req_failed rate 0.060 > 0.05 over the last 10s');
  // reported once
  assert.equal(g.push(sec(15, 100, 100)), null);
  assert.equal(g.tripped, trip);
});

test('never trips before the window fills, however bad the seconds are', () => {
  const g = new AbortGuard({ http_req_failed: [rule('rate>0.05 for 10s')] });
  for (let t = 0; t < 9; t++) assert.equal(g.push(sec(t, 100, 100)), null, `t=${t}`);
  const trip = g.push(sec(9, 100, 100));
  assert.equal(trip?.atSec, 10);
  assert.equal(trip?.observed, 1);
});

test(`a window with fewer than ${MIN_WINDOW_SAMPLES} requests does not trip (1 error in 3 requests is noise)`, () => {
  const g = new AbortGuard({ http_req_failed: [rule('rate>0.05 for 3s')] });
  assert.equal(g.push(sec(0, 1, 1)), null);
  assert.equal(g.push(sec(1, 1, 0)), null);
  assert.equal(g.push(sec(2, 1, 0)), null); // 1/3 errors, but 3 requests
  for (let t = 3; t < 8; t++) assert.equal(g.push(sec(t, 6, 1)), null, `t=${t}`); // 18 requests per window
  assert.ok(g.push(sec(8, 8, 1))); // 20 requests, 3 errors = 0.15
});

test('latency rules merge the window histograms: a p95 over the window, not an average of p95s', () => {
  const g = new AbortGuard({ http_req_duration: [rule('p(95)>2000 for 5s')] });
  // 5 s window of 100 req/s: 4 fast seconds + 1 slow second = 20% slow → p95 is slow,
  // while the mean of the per-second p95s would be (4·10 + 3000)/5 = 608 ms (no trip).
  for (let t = 0; t < 4; t++) assert.equal(g.push(sec(t, 100, 0, 10)), null);
  const trip = g.push(sec(4, 100, 0, 3000));
  assert.ok(trip);
  assert.ok(Math.abs(trip.observed - 3000) <= 3, `p95 ${trip.observed}`);
  assert.equal(trip.message, 'stopped as a production-like incident would be: http_req_duration p(95) 3000ms > 2000ms over the last 5s');
});

test('the window slides: old bad seconds leave it', () => {
  const g = new AbortGuard({ http_req_duration: [rule('p(50)>1000 for 3s')] });
  assert.equal(g.push(sec(0, 50, 0, 5000)), null); // not full yet
  assert.equal(g.push(sec(1, 50, 0, 10)), null);
  assert.equal(g.push(sec(2, 50, 0, 10)), null); // window 0..2: median 10 ms
  assert.equal(g.push(sec(3, 50, 0, 5000)), null); // window 1..3: median 10 ms
  assert.ok(g.push(sec(4, 50, 0, 5000))); // window 2..4: median 5000 ms
});

test('histograms may be passed decoded; the first of several rules to trip, in plan order, is reported', () => {
  const g = new AbortGuard({ http_req_duration: [rule('avg>100 for 2s')], http_req_failed: [rule('rate>0.1 for 2s')] });
  const h = createHistogram();
  for (let i = 0; i < 50; i++) recordUs(h, 500_000);
  assert.equal(g.push({ t: 0, requests: 50, errors: 50, hdr: h, checksPasses: 0, checksFails: 0 }), null);
  const trip = g.push({ t: 1, requests: 50, errors: 50, hdr: h, checksPasses: 0, checksFails: 0 });
  assert.equal(trip?.metric, 'http_req_duration');
});

test('counter rules: a throughput collapse trips without a minimum sample count', () => {
  const g = new AbortGuard({ http_reqs: [rule('rate<10 for 3s')] });
  for (let t = 0; t < 5; t++) assert.equal(g.push(sec(t, 50, 0)), null);
  assert.equal(g.push(sec(5, 0, 0)), null); // 100/3 s
  assert.equal(g.push(sec(6, 0, 0)), null); // 50/3 s
  const trip = g.push(sec(7, 0, 0));
  assert.equal(trip?.observed, 0);
  assert.match(trip!.message, /http_reqs rate 0\/s < 10\/s over the last 3s/);
});

test('checks rules count checks, not requests', () => {
  const g = new AbortGuard({ checks: [rule('rate<0.9 for 2s')] });
  // 100 requests per second but only 6 checks: 12 checks in the window are too few to judge
  assert.equal(g.push(sec(0, 100, 0, 10, { checksPasses: 3, checksFails: 3 })), null);
  assert.equal(g.push(sec(1, 100, 0, 10, { checksPasses: 3, checksFails: 3 })), null);
  assert.equal(g.push(sec(2, 100, 0, 10, { checksPasses: 5, checksFails: 5 })), null); // 6 + 10 = 16 checks
  const trip = g.push(sec(3, 100, 0, 10, { checksPasses: 5, checksFails: 5 })); // 20 checks, rate 0.5
  assert.equal(trip?.observed, 0.5);
  assert.match(trip!.message, /checks rate 0\.500 < 0\.9 over the last 2s/);
});

test('tag-filtered rules read the endpoints of each second', () => {
  const g = new AbortGuard({ 'http_req_duration{name:browse}': [rule('p(95)>1000 for 2s')], 'http_req_failed{method:POST}': [rule('rate>0.5 for 2s')] });
  const ep = (name: string, scenario: string, method: string, requests: number, errors: number, latencyMs: number) => {
    const h = createHistogram();
    for (let i = 0; i < requests; i++) recordUs(h, latencyMs * 1000);
    return { name, scenario, method, requests, errors, hdr: encodeHistogram(h) };
  };
  const s = (t: number, browseMs: number, postErrors: number): GuardSecond => ({
    ...sec(t, 60, postErrors, 10),
    endpoints: [ep('GET /items', 'browse', 'GET', 30, 0, browseMs), ep('POST /items', 'create', 'POST', 30, postErrors, 10)],
  });
  assert.equal(g.push(s(0, 10, 0)), null);
  assert.equal(g.push(s(1, 10, 0)), null);
  // browse over seconds 1..2: 30 fast + 30 slow requests → p95 slow (while the overall p95 of
  // seconds 1..2 counts 90 fast of 120 and would be fast as well: the filter matters)
  const trip = g.push(s(2, 5000, 0));
  assert.equal(trip?.metric, 'http_req_duration{name:browse}');
  assert.ok(Math.abs(trip.observed - 5000) <= 5, `p95 ${trip.observed}`);
  const g2 = new AbortGuard({ 'http_req_failed{method:POST}': [rule('rate>0.5 for 2s')] });
  assert.equal(g2.push(s(0, 10, 30)), null);
  assert.equal(g2.push(s(1, 10, 30))?.metric, 'http_req_failed{method:POST}');
});

test('tag-filtered rules never trip on seconds without endpoint figures', () => {
  const g = new AbortGuard({ 'http_reqs{name:browse}': [rule('rate<1 for 2s')] });
  for (let t = 0; t < 5; t++) assert.equal(g.push(sec(t, 100, 0)), null);
});

test('rules from a parsed plan (breakpoint-style abort) and an empty rule set', () => {
  const plan = parsePlan(`
name: t
hypothesis: h
target: http://127.0.0.1:1
pattern: { type: load, peak: 10 }
thresholds: { http_req_failed: rate<0.01 }
abort:
  http_req_failed: "rate>0.05 for 10s"
  http_req_duration: "p(95)>2s for 5s"
scenarios: [{ name: s, flow: [{ get: / }] }]
`);
  const g = new AbortGuard(plan.abort!);
  for (let t = 0; t < 4; t++) assert.equal(g.push(sec(t, 100, 0, 2500)), null);
  assert.equal(g.push(sec(4, 100, 0, 2500))?.rule, 'p(95)>2s for 5s');
  const none = new AbortGuard({});
  assert.equal(none.push(sec(0, 100, 100)), null);
});
