import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHistogram, encodeHistogram, recordUs } from '../metrics/histogram.js';
import { expandPattern, resolveLoad } from '../plan/patterns.js';
import { RateCurve } from '../engine/schedule/rate-curve.js';
import { retargetStages } from '../engine/schedule/retarget.js';
import type { Stage } from '../plan/schema.js';
import { bisect, bracketDone, maxRefineSteps, narrow, Refiner, type RefineReport } from './refine.js';
import { parseSlo } from './slo.js';

const hdrOf = (us: number, n = 50): string => {
  const h = createHistogram();
  for (let i = 0; i < n; i++) recordUs(h, us);
  return encodeHistogram(h);
};
const FAST = hdrOf(20_000);
const SLOW = hdrOf(900_000);
const SLO = parseSlo('p(95)<500,rate<0.01');

/**
 * Runs a breakpoint against a synthetic service that meets the SLO below `limit` req/s and fails
 * it at or above (monotone), one second at a time, applying the refiner's changes to the curve as
 * the engine does; returns the report and the stages as run.
 */
function simulate(peak: number, limit: number, precision: number, durationMs: number | undefined): { report: RefineReport; stages: Stage[] } {
  const stages = expandPattern({ type: 'breakpoint', peak, durationMs, precision });
  const stepMs = stages[0]!.durationMs + stages[1]!.durationMs;
  const refiner = new Refiner(stages, { precision, rampMs: stages[0]!.durationMs, holdMs: stepMs - stages[0]!.durationMs, explicit: true }, SLO);
  const curve = new RateCurve(stages);
  let run = stages;
  let t = 0;
  for (; t < curve.durationSec && t < 100_000; t++) {
    const rate = curve.expectedBetween(t, t + 1);
    // a second whose offered rate is at or above the limit fails; ramps mix, holds are exact
    const slow = rate >= limit - 1e-9;
    const action = refiner.push({ t, durationSec: 1, requests: Math.max(1, Math.round(rate)), errors: 0, hdr: slow ? SLOW : FAST });
    if (action) {
      // the engine applies a change no earlier than the next second it has not started yet
      const at = Math.max(action.atSec, t + 1);
      if (at < curve.durationSec) {
        curve.retarget(at, action.stages, action.open);
        run = retargetStages(run, at, action.stages, action.open);
        refiner.applied(at);
      } else refiner.refused();
    }
  }
  refiner.runEnded(false, t);
  return { report: refiner.report(), stages: run };
}

test('bisection helpers: the middle, narrowing keeps the sides, the stopping rule and the step bound', () => {
  assert.equal(bisect({ metRps: 200, failedRps: 250 }), 225);
  assert.deepEqual(narrow({ metRps: 200, failedRps: 250 }, 225, true), { metRps: 225, failedRps: 250 });
  assert.deepEqual(narrow({ metRps: 200, failedRps: 250 }, 225, false), { metRps: 200, failedRps: 225 });
  assert.equal(bracketDone({ metRps: 200, failedRps: 210 }, 0.05), true);
  assert.equal(bracketDone({ metRps: 200, failedRps: 211 }, 0.05), false);
  // 50 wide at 200 to 5%: 50 → 25 → 12.5 → 6.25 ≤ 10: three steps
  assert.equal(maxRefineSteps({ metRps: 200, failedRps: 250 }, 0.05), 3);
  assert.equal(maxRefineSteps({ metRps: 200, failedRps: 205 }, 0.05), 0);
});

test('a designed limit of 240 with steps of 50 and 5%: the bracket holds 240 and is within 5%', () => {
  const { report, stages } = simulate(200, 240, 0.05, 160_000);
  assert.equal(report.stoppedBy, 'precision');
  assert.deepEqual(report.bracket, { metRps: 237.5, failedRps: 243.75 });
  assert.ok(report.achievedPct! <= 5);
  assert.equal(report.refineSteps, 3);
  assert.deepEqual(
    report.steps.filter((s) => s.phase === 'refine').map((s) => [s.offeredRps, s.met]),
    [
      [225, true],
      [237.5, true],
      [243.75, false],
    ],
  );
  // the coarse ramp stopped at 250: no step above it was run; the schedule ends after the last verdict
  assert.ok(Math.max(...stages.map((s) => s.target)) <= 250);
  assert.ok(stages.every((s) => Number.isFinite(s.durationMs)));
  // each refinement step is a 1 s ramp and a 9 s hold plus the wait for its verdict (≤ 2 s)
  assert.ok(report.addedSec >= 30 && report.addedSec <= 3 * 12 + 2, `added ${report.addedSec}s`);
});

test('property: the bracket always holds the limit of a monotone service, is within the precision at stop, in at most log2(W0/(p·M0)) + 1 steps', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 20, max: 2000 }),
      fc.double({ min: 0.26, max: 3, noNaN: true }),
      fc.double({ min: 0.01, max: 0.3, noNaN: true }),
      (peak, f, precision) => {
        const limit = peak * f;
        const { report } = simulate(peak, limit, precision, 160_000);
        const b = report.bracket!;
        assert.ok(b, 'the coarse ramp brackets a limit between P/4 and 3P');
        assert.ok(b.metRps < limit + 0.01 && limit <= b.failedRps + 0.01, `${limit} in [${b.metRps}, ${b.failedRps}]`);
        assert.ok(report.stoppedBy === 'precision' || report.stoppedBy === 'max-duration', String(report.stoppedBy));
        if (report.stoppedBy === 'precision') assert.ok(b.failedRps - b.metRps <= precision * b.metRps + 0.02);
        // the bound: W0 = P/4 and M0 the last coarse step that met
        const coarse = report.steps.filter((s) => s.phase === 'coarse');
        const m0 = coarse.filter((s) => s.met).at(-1)!.offeredRps;
        const w0 = coarse.at(-1)!.offeredRps - m0;
        assert.ok(report.refineSteps <= Math.max(0, Math.log2(w0 / (precision * m0)) + 1 + 1e-9), `${report.refineSteps} steps`);
        // a limit up to 2P leaves the run time to reach any precision of 2% or more
        if (f <= 2 && precision >= 0.02) assert.equal(report.stoppedBy, 'precision');
      },
    ),
    { numRuns: 60 },
  );
});

test('no refinement when the first step fails or the SLO holds throughout', () => {
  assert.equal(simulate(200, 10, 0.05, 160_000).report.stoppedBy, 'below-first-step');
  const high = simulate(200, 10_000, 0.05, 160_000).report;
  assert.equal(high.stoppedBy, 'not-reached');
  assert.equal(high.bracket, null);
  assert.equal(high.refineSteps, 0);
});

test('resolveLoad: a breakpoint refines to 5% by default, to the plan precision when given, never with explicit stages or VUs', () => {
  const base = { name: 'x', target: 'http://127.0.0.1:1', scenarios: [] } as never;
  const bp = (extra: object): ReturnType<typeof resolveLoad> =>
    resolveLoad({ ...(base as object), pattern: { type: 'breakpoint', peak: 200, durationMs: 160_000, ...extra } } as never);
  assert.deepEqual(bp({}).refine, { precision: 0.05, rampMs: 1000, holdMs: 9000, explicit: false });
  assert.equal(bp({ precision: 0.1 }).refine!.precision, 0.1);
  assert.equal(resolveLoad({ ...(base as object), pattern: { type: 'breakpoint', peak: 20 }, load: { model: 'closed' } } as never).refine, null);
  const staged = resolveLoad({ ...(base as object), pattern: { type: 'breakpoint', peak: 20, precision: 0.1 }, load: { stages: [{ durationMs: 1000, target: 1 }] } } as never);
  assert.equal(staged.refine, null);
  assert.match(staged.notes.join(' '), /precision 10% is not applied/);
});
