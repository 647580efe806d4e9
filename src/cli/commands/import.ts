import type { Command } from 'commander';
import type { Io } from '../io.js';
import { notAvailable } from '../io.js';
import type { SetExit } from './index.js';

export function register(program: Command, _io: Io, _setExit: SetExit): void {
  program
    .command('import')
    .argument('<file>', "another tool's output")
    .option('--from <tool>', 'k6 | locust | artillery | wrk | ab | hey | gatling (sniffed when absent)')
    .option('--out <dir>', 'results folder')
    .option('--json', 'print the result document on stdout')
    .description("turn another tool's output into a loadproof result, then analyse and report it")
    .action(() => {
      throw notAvailable('import');
    });
}
