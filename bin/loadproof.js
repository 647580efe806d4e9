#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/ (built by `npm ci` through `prepare`).
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // main() maps every known error to an exit code; reaching here is a bug (exit 5).
    process.stderr.write(`loadproof: internal error: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 5;
  },
);
