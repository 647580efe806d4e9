import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ArrivalSchedule } from './arrivals.js';
import { RateCurve } from './rate-curve.js';
import { retargetStages } from './retarget.js';

const stages = [
  { durationMs: 2000, target: 100 },
  { durationMs: 4000, target: 100 },
  { durationMs: 2000, target: 300 },
  { durationMs: 4000, target: 300 },
];

test('retargetStages: a ramp cut half-way ends at its half-way rate; an open hold is infinite until the next retarget', () => {
  const cut = retargetStages(stages, 7, [{ durationMs: 1000, target: 150 }], true);
  assert.deepEqual(cut, [
    { durationMs: 2000, target: 100 },
    { durationMs: 4000, target: 100 },
    { durationMs: 1000, target: 200 },
    { durationMs: 1000, target: 150 },
    { durationMs: Infinity, target: 150 },
  ]);
  const closed = retargetStages(cut, 12, [], false);
  assert.deepEqual(closed.at(-1), { durationMs: 4000, target: 150 });
  assert.equal(closed.reduce((a, s) => a + s.durationMs, 0), 12_000);
});

test('RateCurve.retarget: the count up to the cut is unchanged; after it the new stages follow from the rate reached', () => {
  const c = new RateCurve(stages);
  const before = c.cumulative(7);
  c.retarget(7, [{ durationMs: 1000, target: 150 }], true);
  assert.equal(c.cumulative(7), before);
  assert.equal(c.rateAt(7), 200);
  assert.equal(c.rateAt(8.5), 150);
  assert.equal(c.rateAt(1000), 150);
  assert.equal(c.durationSec, Infinity);
  c.retarget(20, [], false);
  assert.equal(c.durationSec, 20);
  assert.ok(Math.abs(c.totalExpected - (before + 175 + 150 * 12)) < 1e-6);
});

test('property: W workers retargeted at one instant send exactly the arrivals of one schedule built from the stages as run', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 11 }),
      fc.integer({ min: 1, max: 400 }),
      fc.boolean(),
      (W, atSec, target, poisson) => {
        const opts = { arrivals: poisson ? ('poisson' as const) : ('constant' as const), seed: 7 };
        const next = [{ durationMs: 1000, target }, { durationMs: 2000, target }];
        const got: number[] = [];
        for (let w = 0; w < W; w++) {
          const s = new ArrivalSchedule(stages, { ...opts, worker: w, workers: W });
          // the pacer has sent every arrival before the cut and holds the first one after it
          let t = s.next();
          while (t < atSec * 1e6) {
            got.push(t);
            t = s.next();
          }
          t = s.retarget(atSec, next, false);
          while (t !== Infinity) {
            got.push(t);
            t = s.next();
          }
        }
        const want: number[] = [];
        const one = new ArrivalSchedule(retargetStages(stages, atSec, next, false), opts);
        for (let t = one.next(); t !== Infinity; t = one.next()) want.push(t);
        got.sort((a, b) => a - b);
        assert.equal(got.length, want.length);
        for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1, `${i}: ${got[i]} vs ${want[i]}`);
      },
    ),
    { numRuns: 80 },
  );
});
