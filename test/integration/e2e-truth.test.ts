/**
 * A load test tells the truth about a service that stops answering, and does not pass a run that
 * never tested the service (issue: "Truth first"). Through the real CLI, against
 * test/targets/hang-service.ts in its own process on 127.0.0.1:
 *
 *   hang      40 req/s for 10 s; the service stops answering 6 s after its first request; request
 *             timeout 2 s. 40% of the requests hang: the p95 must show them (before this rule the
 *             hung requests were left out of the latency and `p(95)<100` passed at ~6 ms).
 *   login     a closed-model plan whose login uses the wrong password, with only a latency
 *             criterion: every request answers 401 fast. The run is invalid (exit 4), and the
 *             headline names the 401s and the capture that was never set.
 *   control   the same plan with the right password passes (exit 0): the rule is not over-eager.
 *   abort     the service stops answering 2 s in, the request timeout is longer than the run: an
 *             abort rule on latency trips while nothing completes (the guard reads the stalled
 *             requests' ages), well before the planned end.
 *
 * Every run is bounded (≤ 12 s of load) and the service is stopped by PID.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServiceChild, targetScript } from '../helpers/service-child.js';
import { readResult, runPlan, workdir, writePlan } from '../helpers/e2e.js';
import type { PlanInput } from '../../src/plan/schema.js';

const RUN_TIMEOUT_MS = 120_000;

test('hang: requests a service never answers count in the latency at their outstanding time; the latency criterion fails', { timeout: RUN_TIMEOUT_MS }, async () => {
  const svc = await startServiceChild(targetScript('hang-service'), ['--hang-after', '6', '--hold', '5']);
  const w = workdir('hang');
  try {
    const plan = writePlan(w.dir, {
      name: 'items that stop answering',
      hypothesis: 'The items API answers 40 req/s at p95 < 100 ms.',
      target: svc.url,
      load: {
        model: 'open',
        gracefulStop: '1s',
        stages: [
          { duration: '100ms', target: 40 },
          { duration: '10s', target: 40 },
        ],
      },
      thresholds: { http_req_duration: ['p(95)<100'] },
      defaults: { timeout: '2s' },
      scenarios: [{ name: 'items', flow: [{ get: '/items' }] }],
    });
    const out = join(w.dir, 'out');
    const run = await runPlan(plan, out);
    assert.equal(run.code, 1, `the latency criterion fails (exit 1), got ${run.code}\n${run.stderr.slice(-1500)}`);
    const r = readResult(out);
    const s = r.summary;
    console.log(
      `e2e hang: ${s.requests} requests, errors ${(s.errorRate * 100).toFixed(1)}%, p95 ${s.latencyMs.p95} ms, p99 ${s.latencyMs.p99} ms, ` +
        `successful-only p95 ${s.okLatencyMs?.p95} ms, ${s.lowerBoundRequests} lower bounds; ${(r.analysis?.diagnoses ?? []).map((d) => `${d.id} ${d.confidence}`).join(', ') || 'no diagnosis'}`,
    );
    // ~4 of the 10 s hang: ~160 of ~400 requests never answered
    assert.ok(s.errorRate > 0.25 && s.errorRate < 0.5, `error rate ${s.errorRate}`);
    assert.ok((s.lowerBoundRequests ?? 0) >= 100, `lower-bound requests ${s.lowerBoundRequests}`);
    assert.equal(s.lowerBoundRequests, s.errorKinds?.timeout, 'every lower bound is a timeout (the client sweep or the end of the run)');
    // the hung requests are in the percentiles: at least the time they were outstanding (up to 2 s)
    assert.ok(s.latencyMs.p95! >= 1000, `p95 ${s.latencyMs.p95} ms`);
    assert.ok(s.latencyMs.p99! >= 1900, `p99 ${s.latencyMs.p99} ms`);
    // the successful requests alone were fast: that figure is kept apart, under its own name
    assert.ok(s.okLatencyMs !== undefined && s.okLatencyMs.p95! < 100, `successful-only p95 ${s.okLatencyMs?.p95}`);
    const c = r.criteria.find((x) => x.metric === 'http_req_duration');
    assert.ok(c && !c.pass && c.observed! >= 1000, JSON.stringify(c));
    // no silent seconds: while nothing completed (the hang's first 2 s) the timeline shows the ages
    const hung = r.timeline.filter((p) => p.t >= 7 && p.t < 9);
    assert.ok(hung.length >= 2, 'the seconds after the hang are in the timeline');
    for (const p of hung) {
      assert.ok(p.latencyMs !== null && p.latencyMs.p95 >= 400, `t=${p.t}: ${JSON.stringify(p.latencyMs)} (rps ${p.rps})`);
      assert.ok(p.oldestInFlightMs !== undefined && p.oldestInFlightMs >= 900, `t=${p.t}: oldest in flight ${p.oldestInFlightMs}`);
    }
    // the report says why: the lower bound, in the summary table
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(md, /Timed out or unanswered \| \d+, counted in the latency at the time they were outstanding \(a lower bound\)/);
    assert.match(md, /p95 latency, successful requests only/);
    // the plan has no error-rate criterion: the error budget the analysis assumed is stated
    assert.ok(r.analysis!.validity.some((v) => v.id === 'error-budget' && /50%/.test(v.message)), JSON.stringify(r.analysis!.validity));
  } finally {
    await svc.stop();
    w.remove();
  }
});

test('abort: a latency abort rule trips while a hung service answers nothing, not only when requests time out', { timeout: RUN_TIMEOUT_MS }, async () => {
  const svc = await startServiceChild(targetScript('hang-service'), ['--hang-after', '2', '--hold', '5']);
  const w = workdir('hang-abort');
  try {
    const plan = writePlan(w.dir, {
      name: 'items that stop answering, guarded',
      hypothesis: 'The items API answers 20 req/s at p95 < 100 ms.',
      target: svc.url,
      load: {
        model: 'open',
        gracefulStop: '1s',
        stages: [
          { duration: '100ms', target: 20 },
          { duration: '20s', target: 20 },
        ],
      },
      thresholds: { http_req_duration: ['p(95)<100'] },
      abort: { http_req_duration: 'p(95)>1000 for 2s' },
      // longer than the run: without the stalled ages the guard would have no latency to read
      defaults: { timeout: '60s' },
      scenarios: [{ name: 'items', flow: [{ get: '/items' }] }],
    });
    const out = join(w.dir, 'out');
    const run = await runPlan(plan, out);
    assert.equal(run.code, 3, `the incident guard stops the run (exit 3), got ${run.code}\n${run.stderr.slice(-1500)}`);
    const r = readResult(out);
    const stop = r.stop;
    console.log(`e2e hang-abort: stop ${JSON.stringify(stop)}; ${r.summary.requests} requests, p95 ${r.summary.latencyMs.p95} ms`);
    assert.equal(stop?.reason, 'aborted');
    // hang at ~2 s; the window's p95 passes 1 s once the oldest requests are ~1 s old and stays
    // there: tripped within a few seconds of the hang, far before the 20 s end
    assert.ok(stop?.atSec !== undefined && stop.atSec >= 3 && stop.atSec <= 9, `tripped at ${stop?.atSec} s`);
  } finally {
    await svc.stop();
    w.remove();
  }
});

function loginPlan(url: string, password: string): PlanInput {
  return {
    name: 'items behind a login',
    hypothesis: 'Logged-in users browse items at p95 < 100 ms.',
    target: url,
    load: { model: 'closed', stages: [{ duration: '100ms', target: 4 }, { duration: '4s', target: 4 }] },
    thresholds: { http_req_duration: ['p(95)<100'] },
    defaults: { think: '20ms' },
    scenarios: [
      {
        name: 'browse',
        setup: [{ name: 'login', post: '/login', json: { password }, capture: { token: '$.token' } }],
        flow: [{ name: 'items', get: '/items', headers: { Authorization: 'Bearer {{ token }}' } }],
      },
    ],
  };
}

test('login: a wrong password makes every request a fast 401 — invalid (exit 4), the headline names the 401s and the unset capture', { timeout: RUN_TIMEOUT_MS }, async () => {
  const svc = await startServiceChild(targetScript('hang-service'), ['--auth']);
  const w = workdir('login');
  try {
    const out = join(w.dir, 'out');
    const run = await runPlan(writePlan(w.dir, loginPlan(svc.url, 'wrong')), out);
    assert.equal(run.code, 4, `exit 4 (invalid), got ${run.code}\n${run.stdout.slice(-1500)}\n${run.stderr.slice(-800)}`);
    const r = readResult(out);
    assert.equal(r.verdict, 'invalid');
    const s = r.summary;
    assert.ok(s.requests > 50 && s.errors === s.requests, `${s.errors} of ${s.requests} failed`);
    assert.equal(s.statusCodes?.['401'], s.requests);
    // the latency criterion alone would have passed: a 401 is fast
    assert.ok(r.criteria[0]!.pass, 'the criterion itself passed; the verdict is invalid regardless');
    assert.deepEqual(r.testHealth?.unsetCaptures.map((c) => [c.name, c.step]), [['token', 'login']]);
    assert.equal(r.testHealth?.setupOkVus, 0);
    const ids = r.analysis!.validity.filter((v) => v.severity === 'invalid').map((v) => v.id);
    assert.ok(ids.length >= 2 && ids.every((id) => id === 'service-not-tested'), JSON.stringify(ids));
    // the headline, in the user's terms, on the terminal and in the report
    const headline = new RegExp(`${s.requests} of ${s.requests} requests failed \\(${s.requests} answered 401\\).*the capture \`?token\`? of \`?login\`? was never set`);
    assert.match(run.stdout, headline);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(md, /Results invalid/);
    assert.match(md, /Fix the test, not the service/);
    assert.doesNotMatch(md, /Hypothesis held/);
  } finally {
    await svc.stop();
    w.remove();
  }
});

test('login control: the right password passes (exit 0) — the untested rule is not over-eager', { timeout: RUN_TIMEOUT_MS }, async () => {
  const svc = await startServiceChild(targetScript('hang-service'), ['--auth']);
  const w = workdir('login-ok');
  try {
    const out = join(w.dir, 'out');
    const run = await runPlan(writePlan(w.dir, loginPlan(svc.url, 'secret')), out);
    assert.equal(run.code, 0, `exit 0, got ${run.code}\n${run.stdout.slice(-1500)}`);
    const r = readResult(out);
    assert.equal(r.summary.errors, 0);
    assert.deepEqual(r.testHealth?.unsetCaptures, []);
    assert.ok(r.testHealth!.setupOkVus >= 4 && r.testHealth!.setupOkVus === r.testHealth!.setupVus, JSON.stringify(r.testHealth));
  } finally {
    await svc.stop();
    w.remove();
  }
});
