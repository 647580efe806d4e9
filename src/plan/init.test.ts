import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completeAnswers, defaultHypothesis, INIT_QUESTIONS, parseEndpoint, parseErrorRate, renderInitPlan } from './init.js';
import { parsePlan } from './parse.js';
import { PATTERN_TYPES } from './schema.js';
import { resolveLoad } from './patterns.js';
import { runnableIssues } from './runnable.js';

test('endpoints and error rates parse from what people type', () => {
  assert.deepEqual(parseEndpoint('GET /items'), { method: 'GET', path: '/items' });
  assert.deepEqual(parseEndpoint(' post  /items '), { method: 'POST', path: '/items' });
  assert.deepEqual(parseEndpoint('/health'), { method: 'GET', path: '/health' });
  assert.deepEqual(parseEndpoint('DELETE http://127.0.0.1:3000/items/1?x=2'), { method: 'DELETE', path: '/items/1?x=2' });
  assert.match(parseEndpoint('FETCH /x') as string, /unknown method "FETCH"/);
  assert.match(parseEndpoint('GET items') as string, /should start with \//);
  assert.equal(parseErrorRate('1%'), 0.01);
  assert.equal(parseErrorRate('0.5 %'), 0.005);
  assert.equal(parseErrorRate('0.02'), 0.02);
  assert.match(parseErrorRate('150%') as string, /between 0% and 100%/);
  assert.match(parseErrorRate('few') as string, /not an error rate/);
});

test('every default parses, and the defaults make a plan that validates and may run', () => {
  const a = completeAnswers({});
  assert.equal(a.target, 'http://127.0.0.1:3000');
  assert.deepEqual(a.endpoints, [{ method: 'GET', path: '/' }]);
  assert.equal(a.p95Ms, 200);
  assert.equal(a.p99Ms, 500);
  assert.equal(a.errorRate, 0.01);
  assert.equal(a.throughputRps, null);
  assert.equal(a.pattern, 'load');
  assert.equal(a.model, 'open');
  const plan = parsePlan(renderInitPlan(a));
  assert.deepEqual(runnableIssues(plan), []);
  assert.deepEqual(plan.thresholds?.http_req_duration?.map((t) => t.source), ['p(95)<200', 'p(99)<500']);
  assert.deepEqual(plan.watch, [{ process: { port: 3000 }, intervalMs: undefined }]);
});

test('a plan for every pattern and both models validates, with the answers in it', () => {
  for (const pattern of PATTERN_TYPES) {
    for (const model of ['open', 'closed'] as const) {
      const a = completeAnswers({
        target: 'https://api.example.test',
        endpoints: [
          { method: 'GET', path: '/items' },
          { method: 'POST', path: '/items' },
          { method: 'GET', path: '/items' },
        ],
        p95Ms: 150,
        p99Ms: null,
        errorRate: 0.005,
        throughputRps: 40,
        pattern,
        model,
        peak: 80,
        peakSource: 'last incident',
      });
      const text = renderInitPlan(a, { schemaRef: '../schema/plan.schema.json' });
      assert.ok(text.startsWith('# yaml-language-server: $schema=../schema/plan.schema.json\n'));
      const plan = parsePlan(text);
      assert.equal(plan.pattern?.type, pattern);
      assert.equal(plan.pattern?.peak, 80);
      assert.equal(plan.pattern?.peakSource, 'last incident');
      assert.equal(plan.load?.model, model);
      assert.deepEqual(plan.scenarios.map((s) => s.name), ['get-items', 'post-items', 'get-items-2']);
      assert.deepEqual(plan.thresholds?.http_req_duration?.map((t) => t.source), ['p(95)<150']);
      assert.deepEqual(plan.thresholds?.http_req_failed?.map((t) => t.source), ['rate<0.005']);
      assert.deepEqual(plan.thresholds?.http_reqs?.map((t) => t.source), ['rate>=40']);
      assert.equal(plan.watch, undefined, 'a remote target gets no process watch');
      assert.equal(plan.hypothesis, defaultHypothesis(a));
      // breakpoint relies on the pattern's own stop rules; smoke needs no guard; the others carry one
      const abort = resolveLoad(plan).abort;
      if (pattern === 'smoke') assert.equal(plan.abort, undefined);
      else assert.ok(abort.http_req_failed?.length, pattern);
    }
  }
});

test('the generated hypothesis carries the numbers and fits the pattern', () => {
  const base = completeAnswers({ endpoints: [{ method: 'GET', path: '/items' }], p95Ms: 200, p99Ms: 500, errorRate: 0.01, peak: 100, peakSource: 'analytics' });
  assert.equal(
    defaultHypothesis(base),
    'GET /items sustains 100 req/s (the expected peak, from analytics) at p95 < 200 ms and p99 < 500 ms with under 1% errors.',
  );
  assert.match(defaultHypothesis({ ...base, pattern: 'soak' }), /for 30 minutes .* no growth in memory or latency/);
  assert.match(defaultHypothesis({ ...base, pattern: 'spike' }), /jump to 200 req\/s/);
  assert.match(defaultHypothesis({ ...base, pattern: 'stress', model: 'closed' }), /100 virtual users .* up to 200 virtual users/);
  assert.match(defaultHypothesis({ ...base, pattern: 'breakpoint' }), /at least 100 req\/s/);
});

test('questions come in the Step 1 order', () => {
  assert.deepEqual(INIT_QUESTIONS.map((q) => q.key), [
    'target', 'endpoints', 'p95Ms', 'p99Ms', 'errorRate', 'throughputRps', 'pattern', 'model', 'peak', 'peakSource', 'name', 'hypothesis',
  ]);
});
