import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitUsl, uslThroughput } from './usl.js';

/** Relative difference, for "within 0.1%" checks. */
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

// SPEC SDM91 benchmark data as shipped with the R package `usl` (Möding), and its published fit.
const N = [1, 18, 36, 72, 108, 144, 216];
const X = [64.9, 995.9, 1652.4, 1853.2, 1828.9, 1775.0, 1702.2];

test('fitUsl reproduces the usl R package fit of SPEC SDM91 within 0.1%', () => {
  const fit = fitUsl(N, X);
  assert.ok(fit);
  assert.ok(rel(fit.sigma, 0.0277285) < 1e-3, `sigma ${fit.sigma}`);
  assert.ok(rel(fit.kappa, 0.0001044) < 1e-3, `kappa ${fit.kappa}`);
  assert.ok(rel(fit.lambda, 89.995) < 1e-3, `lambda ${fit.lambda}`);
  assert.ok(fit.peakConcurrency !== null && rel(fit.peakConcurrency, 96.5) < 1e-3, `N* ${fit.peakConcurrency}`);
  assert.ok(fit.r2 > 0.98 && fit.r2 < 1, `r2 ${fit.r2}`);
  assert.equal(fit.dominant, 'contention');
});

test('fitUsl recovers known parameters from exact data without N = 1', () => {
  const ns = [2, 4, 8, 16, 32, 64];
  const xs = ns.map((n) => uslThroughput(n, 0.05, 0.002, 100));
  const fit = fitUsl(ns, xs);
  assert.ok(fit);
  assert.ok(rel(fit.sigma, 0.05) < 1e-4, `sigma ${fit.sigma}`);
  assert.ok(rel(fit.kappa, 0.002) < 1e-4, `kappa ${fit.kappa}`);
  assert.ok(rel(fit.lambda, 100) < 1e-4, `lambda ${fit.lambda}`);
  assert.equal(fit.dominant, 'coherency');
});

test('fitUsl keeps parameters at their bounds: linear scaling gives sigma = kappa = 0 and no peak', () => {
  const ns = [1, 2, 4, 8];
  const xs = ns.map((n) => 50 * n);
  const fit = fitUsl(ns, xs);
  assert.ok(fit);
  assert.ok(fit.sigma >= 0 && fit.sigma < 1e-9, `sigma ${fit.sigma}`);
  assert.ok(fit.kappa >= 0 && fit.kappa < 1e-9, `kappa ${fit.kappa}`);
  assert.equal(fit.peakConcurrency, null);
  assert.equal(fit.dominant, 'none');
});

test('fitUsl refuses fewer than 3 points or flat data', () => {
  assert.equal(fitUsl([1, 2], [10, 20]), null);
  assert.equal(fitUsl([1, 2, 3], [10, 10, 10]), null);
});
