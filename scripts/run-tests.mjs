#!/usr/bin/env node
// Runs the compiled tests (dist/**/*.test.js) with node's own test runner.
// Usage: node scripts/run-tests.mjs [--unit | --integration] [substring ...]
//   --unit         only tests beside the code (dist/src)
//   --integration  only dist/test
//   substring      keep files whose path contains any of these
// Files run one at a time (--test-concurrency=1): many tests drive load against local servers and
// would measure each other on a 2-core machine.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const unit = args.includes('--unit');
const integration = args.includes('--integration');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const roots = unit ? ['dist/src'] : integration ? ['dist/test'] : ['dist/src', 'dist/test'];
let files = roots.flatMap((r) => walk(r, [])).sort();
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('run-tests: no test files found (did `npm run build` run?)');
  process.exit(1);
}
console.error(`run-tests: ${files.length} files`);
const res = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-timeout=300000', ...files.map((f) => relative(process.cwd(), f))],
  { stdio: 'inherit', env: { ...process.env, LOADPROOF_TEST: '1' } },
);
process.exit(res.status ?? 1);
