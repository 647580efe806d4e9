import type { Command } from 'commander';
import type { Io } from '../io.js';
import { notAvailable } from '../io.js';
import type { SetExit } from './index.js';

export function register(program: Command, _io: Io, _setExit: SetExit): void {
  program
    .command('quick')
    .argument('<url>', 'the one endpoint to test')
    .option('-c, --connections <n>', 'connections', '50')
    .option('-d, --duration <d>', 'duration', '30s')
    .option('-R, --rate <n>', 'fixed arrival rate per second (open model); without it, closed loop')
    .option('-m, --method <m>', 'HTTP method', 'GET')
    .option('-H, --header <h...>', "header 'k: v' (repeatable)")
    .option('-b, --body <text>', 'request body')
    .option('--json', 'print the result document on stdout, nothing else')
    .description('a one-endpoint test in the spirit of wrk/hey/ab')
    .action(() => {
      throw notAvailable('quick');
    });
}
