import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateThresholds } from './thresholds.js';
import { createHistogram, encodeHistogram, recordUs, summarizeMs, type Histogram } from './histogram.js';
import { parseThreshold, type ThresholdExpr } from '../plan/thresholds.js';
import { parsePlan } from '../plan/parse.js';
import type { EndpointResult, Result } from '../result/types.js';

type Input = Pick<Result, 'summary' | 'endpoints' | 'durationSec'>;

const expr = (text: string): ThresholdExpr => {
  const e = parseThreshold(text);
  if (typeof e === 'string') throw new Error(e);
  return e;
};

/** A histogram of the given latencies in ms. */
function hist(ms: number[]): Histogram {
  const h = createHistogram();
  for (const v of ms) recordUs(h, v * 1000);
  return h;
}

function endpoint(name: string, scenario: string, method: string, latMs: number[], errors: number, extra: Partial<EndpointResult> = {}): EndpointResult {
  const h = hist(latMs);
  return {
    name,
    scenario,
    method,
    requests: latMs.length,
    errors,
    errorRate: errors / latMs.length,
    statusCodes: { '200': latMs.length - errors, '500': errors },
    latencyMs: summarizeMs(h),
    hdr: encodeHistogram(h),
    ...extra,
  };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

// browse: 100 requests at 1..100 ms, 2 errors; create: 50 requests at 301..350 ms, 5 errors
function run(): Input {
  const browseLat = range(1, 100);
  const createLat = range(301, 350);
  const all = hist([...browseLat, ...createLat]);
  return {
    durationSec: 10,
    summary: {
      requests: 150,
      errors: 7,
      errorRate: 7 / 150,
      throughputRps: 15,
      peakRps: 20,
      latencyMs: summarizeMs(all),
      hdr: encodeHistogram(all),
      checks: { passes: 95, fails: 5, rate: 0.95 },
      iterations: 120,
      dropped: 3,
      bytesReceived: 10_000,
      bytesSent: 2_000,
    },
    endpoints: [
      endpoint('GET /items', 'browse', 'GET', browseLat, 2, { checks: { passes: 90, fails: 0 } }),
      endpoint('POST /items', 'create', 'POST', createLat, 5, { checks: { passes: 5, fails: 5 } }),
    ],
  };
}

test('untagged metrics read the run: trend from the histogram, rates, counters', () => {
  const c = evaluateThresholds(
    {
      http_req_duration: [expr('p(95)<200'), expr('avg<200'), expr('max<400'), expr('min>=1'), expr('med<100'), expr('p(99.9)<1000')],
      http_req_failed: [expr('rate<0.01')],
      checks: [expr('rate>0.9')],
      http_reqs: [expr('count>100'), expr('rate>=15')],
      iterations: [expr('count==120')],
      dropped_iterations: [expr('count<1')],
      data_received: [expr('rate>500')],
    },
    run(),
  );
  const byCond = c.map((x) => [x.metric, x.condition, x.observed, x.pass, x.unit]);
  // p95 of 150 values: the 143rd smallest (1..100, 301..350) = 343 ms (±0.1% HDR precision)
  assert.equal(c[0]!.pass, false);
  assert.ok(Math.abs(c[0]!.observed! - 343) <= 0.4, `p95 ${c[0]!.observed}`);
  // mean = (5050 + 16275) / 150 = 142.17
  assert.ok(Math.abs(c[1]!.observed! - 142.17) < 0.2, `avg ${c[1]!.observed}`);
  assert.equal(c[1]!.pass, true);
  assert.ok(Math.abs(c[2]!.observed! - 350) <= 0.4 && c[2]!.pass);
  assert.ok(Math.abs(c[3]!.observed! - 1) <= 0.01 && c[3]!.pass);
  assert.ok(Math.abs(c[4]!.observed! - 75) <= 0.1 && c[4]!.pass, `med ${c[4]!.observed}`); // 75th of 150
  assert.deepEqual(byCond.slice(6), [
    ['http_req_failed', 'rate<0.01', 7 / 150, false, 'ratio'],
    ['checks', 'rate>0.9', 0.95, true, 'ratio'],
    ['http_reqs', 'count>100', 150, true, 'count'],
    ['http_reqs', 'rate>=15', 15, true, 'rps'],
    ['iterations', 'count==120', 120, true, 'count'],
    ['dropped_iterations', 'count<1', 3, false, 'count'],
    ['data_received', 'rate>500', 1000, true, 'bytes/s'],
  ]);
});

test('{name:X} matches a scenario or an endpoint name and merges histograms, never percentiles', () => {
  const c = evaluateThresholds(
    {
      'http_req_duration{name:browse}': [expr('p(95)<200')],
      'http_req_duration{name:POST /items}': [expr('p(50)<200')],
      'http_req_failed{scenario:create}': [expr('rate<0.05')],
      'checks{name:create}': [expr('rate>0.9')],
      'http_req_duration{method:post}': [expr('min>300')],
    },
    run(),
  );
  assert.ok(Math.abs(c[0]!.observed! - 95) <= 0.1 && c[0]!.pass, `browse p95 ${c[0]!.observed}`);
  assert.ok(Math.abs(c[1]!.observed! - 325) <= 0.4 && !c[1]!.pass, `create p50 ${c[1]!.observed}`);
  assert.deepEqual([c[2]!.observed, c[2]!.pass], [0.1, false]);
  assert.deepEqual([c[3]!.observed, c[3]!.pass], [0.5, false]);
  assert.ok(c[4]!.pass);

  // Two endpoints with the same scenario: the merged p99 is the p99 of all their latencies.
  const r = run();
  r.endpoints[1]!.scenario = 'browse';
  const [m] = evaluateThresholds({ 'http_req_duration{scenario:browse}': [expr('p(99)<1000')] }, r);
  assert.ok(Math.abs(m!.observed! - 349) <= 0.4, `merged p99 ${m!.observed}`); // 149th of 150 (1..100, 301..350)
});

test('no matching data: observed null, pass false, still listed in plan order with a note', () => {
  const c = evaluateThresholds(
    { 'http_req_duration{name:nope}': [expr('p(95)<200')], http_req_failed: [expr('rate<0.5')], 'http_req_failed{status:500}': [expr('rate<0.5')] },
    run(),
  );
  assert.deepEqual(
    c.map((x) => [x.metric, x.observed, x.pass]),
    [
      ['http_req_duration{name:nope}', null, false],
      ['http_req_failed', 7 / 150, true],
      ['http_req_failed{status:500}', null, false],
    ],
  );
  assert.match(c[0]!.note!, /no endpoint or scenario matches \{name:nope\}/);
  assert.match(c[2]!.note!, /only http_reqs/);
});

test('{status:N} counts http_reqs from status codes', () => {
  const [c] = evaluateThresholds({ 'http_reqs{status:500}': [expr('count<5')] }, run());
  assert.deepEqual([c!.observed, c!.pass, c!.unit], [7, false, 'count']);
});

test('an empty run observes nothing for trends and rates; counters observe zero', () => {
  const empty: Input = {
    durationSec: 5,
    summary: { requests: 0, errors: 0, errorRate: 0, throughputRps: 0, peakRps: 0, latencyMs: summarizeMs(createHistogram()), hdr: encodeHistogram(createHistogram()) },
    endpoints: [],
  };
  const c = evaluateThresholds({ http_req_duration: [expr('p(95)<200')], http_req_failed: [expr('rate<0.01')], http_reqs: [expr('count>0')], checks: [expr('rate>0.9')] }, empty);
  assert.deepEqual(c.map((x) => [x.observed, x.pass]), [[null, false], [null, false], [0, false], [null, false]]);
});

test('imported results without histograms: recorded figures answer, other percentiles are null', () => {
  const r = run();
  delete r.summary.hdr;
  for (const e of r.endpoints) delete e.hdr;
  const c = evaluateThresholds(
    {
      http_req_duration: [expr('p(95)<500'), expr('p(97)<500')],
      'http_req_duration{name:GET /items}': [expr('p(90)<500')],
      'http_req_duration{method:GET}': [expr('avg<500')],
    },
    r,
  );
  assert.equal(c[0]!.observed, r.summary.latencyMs.p95);
  assert.equal(c[1]!.observed, null);
  assert.match(c[1]!.note!, /needs a latency histogram/);
  assert.equal(c[2]!.observed, r.endpoints[0]!.latencyMs.p90);
  // several endpoints without histograms: only avg/min/max merge exactly
  r.endpoints[1]!.method = 'GET';
  const [avg, p95] = evaluateThresholds({ 'http_req_duration{method:GET}': [expr('avg<500'), expr('p(95)<500')] }, r);
  const want = (r.endpoints[0]!.latencyMs.mean! * 100 + r.endpoints[1]!.latencyMs.mean! * 50) / 150;
  assert.ok(Math.abs(avg!.observed! - want) < 1e-9);
  assert.equal(p95!.observed, null);
});

test('thresholds from a parsed plan evaluate in plan order', () => {
  const plan = parsePlan(`
name: t
hypothesis: h
target: http://127.0.0.1:1
pattern: { type: load, peak: 10 }
thresholds:
  http_req_failed: rate<0.1
  http_req_duration: ["p(95)<2s", "p(99)<300"]
  "http_req_duration{name:browse}": "p(95)<100"
scenarios:
  - name: s
    flow: [{ get: / }]
`);
  const c = evaluateThresholds(plan.thresholds!, run());
  assert.deepEqual(
    c.map((x) => [x.metric, x.condition, x.pass]),
    [
      ['http_req_failed', 'rate<0.1', true],
      ['http_req_duration', 'p(95)<2s', true],
      ['http_req_duration', 'p(99)<300', false],
      ['http_req_duration{name:browse}', 'p(95)<100', true],
    ],
  );
});
