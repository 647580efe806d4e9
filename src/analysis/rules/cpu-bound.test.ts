import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gcIsMost } from './cpu-bound.js';

test('gcIsMost: GC pauses over half the main thread; or a quarter of it with the CPU past one core making most of the process', () => {
  // pauses alone
  assert.equal(gcIsMost(60, 100), true);
  assert.equal(gcIsMost(40, 100), false);
  // the gc e2e service on a quiet machine: 48.6% pauses at 141% CPU (its other 41% the GC helpers)
  assert.equal(gcIsMost(48.6, 141), true);
  // a CPU-bound service that also uses other threads, with little GC: not GC
  assert.equal(gcIsMost(10, 160), false);
  // pauses just under a quarter of the main thread: the CPU past one core is not counted as GC
  assert.equal(gcIsMost(24, 190), false);
  // a process under one core: its pauses against what it ran
  assert.equal(gcIsMost(30, 50), true);
  assert.equal(gcIsMost(20, 50), false);
});
