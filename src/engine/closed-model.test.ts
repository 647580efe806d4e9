import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClosedModel, type ClosedModelOptions } from './closed-model.js';
import { RateCurve } from './schedule/rate-curve.js';
import { FakeClock } from './clock.js';

function model(curve: RateCurve, worker: number, workers: number): ClosedModel {
  // only the VU arithmetic is exercised: nothing is started
  const o = { curve, worker, workers, clock: new FakeClock() } as unknown as ClosedModelOptions;
  return new ClosedModel(o);
}

test('VUs wanted: ⌊v(t)⌋ in total, split across workers exactly (VU g runs on worker g mod W)', () => {
  const curve = new RateCurve([
    { durationMs: 10_000, target: 7 },
    { durationMs: 10_000, target: 7 },
    { durationMs: 5_000, target: 0 },
  ]);
  for (const t of [0, 0.5, 1.4, 1.5, 3, 9.99, 10, 15, 20, 22.5, 24.9]) {
    const total = Math.floor(curve.rateAt(t) + 1e-9);
    for (const W of [1, 2, 3, 4, 8]) {
      let sum = 0;
      for (let w = 0; w < W; w++) {
        const n = model(curve, w, W).wanted(t);
        // worker w's VUs are w, w+W, …: those below the total
        let expected = 0;
        for (let g = w; g < total; g += W) expected++;
        assert.equal(n, expected, `t=${t} W=${W} w=${w}`);
        sum += n;
      }
      assert.equal(sum, total, `t=${t} W=${W}`);
    }
  }
});
