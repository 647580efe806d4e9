/**
 * A CI-sized, seeded fuzz run over every input surface (test/fuzz/surfaces.ts): each input works
 * or ends in a located LoadproofError, within a second. `npm run fuzz` runs 10,000 inputs per
 * surface with a fresh seed. Crashes it finds become named regression tests below.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { check, inputs, surfaces } from '../fuzz/surfaces.js';

const RUNS = Number(process.env.LOADPROOF_FUZZ_RUNS ?? 150);
const SEED = Number(process.env.LOADPROOF_FUZZ_SEED ?? 20261207);

for (const s of surfaces()) {
  test(`fuzz ${s.name}: ${RUNS} mutated inputs, each works or is a located error within 1 s`, { timeout: 300_000 }, async () => {
    assert.ok(s.seeds.length > 0, 'the surface has seeds');
    const problems: string[] = [];
    await fc.assert(
      fc.asyncProperty(inputs(s), async (input) => {
        const p = await check(s, input);
        if (p !== null) problems.push(p);
        return p === null;
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    assert.deepEqual(problems, []);
  });
}
