#!/usr/bin/env node
// The long fuzz run: 10,000 mutated inputs per surface (test/fuzz/surfaces.ts), a fresh seed each
// time (printed, so a failure can be replayed with LOADPROOF_FUZZ_SEED). Needs `npm run build`.
//   npm run fuzz                       all surfaces, 10,000 each
//   LOADPROOF_FUZZ_RUNS=500 npm run fuzz
import { spawnSync } from 'node:child_process';

const seed = process.env.LOADPROOF_FUZZ_SEED ?? String(Date.now() % 2 ** 31);
const runs = process.env.LOADPROOF_FUZZ_RUNS ?? '10000';
console.error(`fuzz: ${runs} inputs per surface, seed ${seed}`);
const res = spawnSync(process.execPath, ['--test', '--test-concurrency=1', 'dist/test/integration/fuzz.test.js'], {
  stdio: 'inherit',
  env: { ...process.env, LOADPROOF_FUZZ_SEED: seed, LOADPROOF_FUZZ_RUNS: runs },
});
process.exit(res.status ?? 1);
