import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ArrivalSchedule } from './arrivals.js';
import { RateCurve } from './rate-curve.js';
import { ownedCount, parseSegment, stripeOf, stripeShare } from './segment.js';
import { ClosedModel, type ClosedModelOptions } from '../closed-model.js';
import { FakeClock } from '../clock.js';

type Stages = Array<{ durationMs: number; target: number }>;

function instants(stages: Stages, opts: ConstructorParameters<typeof ArrivalSchedule>[1]): Array<[number, number]> {
  const s = new ArrivalSchedule(stages, opts);
  const out: Array<[number, number]> = [];
  for (let t = s.next(); t !== Infinity; t = s.next()) out.push([s.index, t]);
  return out;
}

const stagesArb: fc.Arbitrary<Stages> = fc.array(
  fc.record({ durationMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4000 })), target: fc.integer({ min: 0, max: 150 }) }),
  { minLength: 1, maxLength: 4 },
);

test('open model: for any plan and N, the union of the segments\' arrival instants is the single run\'s', () => {
  fc.assert(
    fc.property(
      stagesArb,
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 3 }),
      fc.constantFrom<'constant' | 'poisson'>('constant', 'poisson'),
      fc.integer({ min: 0, max: 2 ** 31 }),
      (stages, N, W, arrivals, seed) => {
        const single = instants(stages, { arrivals, seed });
        const union: Array<[number, number]> = [];
        for (let i = 0; i < N; i++) {
          const own: Array<[number, number]> = [];
          for (let w = 0; w < W; w++) {
            const { stripe, stripes } = stripeOf({ index: i, count: N }, w, W);
            own.push(...instants(stages, { arrivals, seed, worker: stripe, workers: stripes }));
          }
          // the segment holds exactly the arrivals n ≡ i (mod N)
          for (const [n] of own) assert.equal(n % N, i);
          union.push(...own);
        }
        union.sort((a, b) => a[0] - b[0]);
        assert.deepEqual(union, single);
      },
    ),
    { numRuns: 150 },
  );
});

test('open model, constant rate: each segment\'s own arrivals are evenly spaced, N/R apart, offset by i/R', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 500 }), (N, R) => {
      const stages = [
        { durationMs: 0, target: R },
        { durationMs: 3000, target: R },
      ];
      for (let i = 0; i < N; i++) {
        const own = instants(stages, { worker: i, workers: N }).map(([, t]) => t);
        own.forEach((t, k) => {
          // arrival n = i + kN at n/R s, rounded to the µs
          assert.equal(t, Math.round(((i + k * N) / R) * 1e6));
        });
        for (let k = 1; k < own.length; k++) assert.ok(Math.abs(own[k]! - own[k - 1]! - (N / R) * 1e6) <= 1);
      }
    }),
    { numRuns: 60 },
  );
});

test('closed model: segments\' and workers\' VUs add up to ⌊v(t)⌋ at every instant, segments within one of each other', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ durationMs: fc.integer({ min: 1, max: 5000 }), target: fc.integer({ min: 0, max: 60 }) }), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 3 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 10 }),
      (stages, N, W, fractions) => {
        const curve = new RateCurve(stages);
        for (const f of fractions) {
          const t = f * curve.durationSec;
          const total = Math.floor(curve.rateAt(t) + 1e-9);
          const perSegment: number[] = [];
          for (let i = 0; i < N; i++) {
            let seg = 0;
            for (let w = 0; w < W; w++) {
              const { stripe, stripes } = stripeOf({ index: i, count: N }, w, W);
              const m = new ClosedModel({ curve, worker: stripe, workers: stripes, clock: new FakeClock() } as unknown as ClosedModelOptions);
              const n = m.wanted(t);
              assert.equal(n, ownedCount(total, stripe, stripes));
              seg += n;
            }
            // segment i owns VUs g ≡ i (mod N)
            assert.equal(seg, ownedCount(total, i, N));
            perSegment.push(seg);
          }
          assert.equal(perSegment.reduce((a, b) => a + b, 0), total);
          assert.ok(Math.max(...perSegment) - Math.min(...perSegment) <= 1);
        }
      },
    ),
    { numRuns: 150 },
  );
});

test('caps are shared exactly between all stripes', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 4 }), (cap, N, W) => {
      let sum = 0;
      for (let i = 0; i < N; i++) for (let w = 0; w < W; w++) {
        const { stripe, stripes } = stripeOf({ index: i, count: N }, w, W);
        sum += stripeShare(cap, stripe, stripes);
      }
      // every stripe gets at least 1: the sum is the cap, or N·W when the cap is below that
      assert.equal(sum, Math.max(cap, N * W));
    }),
  );
});

test('parseSegment: i/N, a bare i with the plan\'s count, and one clear message for mistakes', () => {
  assert.deepEqual(parseSegment('2/4'), { index: 2, count: 4 });
  assert.deepEqual(parseSegment('3', 4), { index: 3, count: 4 });
  assert.match(parseSegment('4/4') as string, /not below the count 4/);
  assert.match(parseSegment('1') as string, /no segment count/);
  assert.match(parseSegment('1/3', 4) as string, /differs from the plan's distributed.segments: 4/);
  assert.match(parseSegment('a/b') as string, /not a segment/);
  assert.match(parseSegment('0/0') as string, /not from 1/);
});
