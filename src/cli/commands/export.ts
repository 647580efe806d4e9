import type { Command } from 'commander';
import type { Io } from '../io.js';
import { notAvailable } from '../io.js';
import type { SetExit } from './index.js';

export function register(program: Command, _io: Io, _setExit: SetExit): void {
  program
    .command('export')
    .argument('<plan>', 'plan file')
    .requiredOption('--to <tool>', 'k6 | locust | artillery | wrk')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .description('write the equivalent test for another tool')
    .action(() => {
      throw notAvailable('export');
    });
}
