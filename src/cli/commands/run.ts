import type { Command } from 'commander';
import type { Io } from '../io.js';
import { notAvailable } from '../io.js';
import type { SetExit } from './index.js';

export function register(program: Command, _io: Io, _setExit: SetExit): void {
  program
    .command('run')
    .argument('<plan>', 'plan file (YAML or JSON)')
    .option('--out <dir>', 'results folder')
    .option('--pattern <type>', 'override pattern.type')
    .option('--peak <n>', 'override pattern.peak')
    .option('--json', 'print the result document on stdout, nothing else')
    .description('print the design, run the experiment, watch the target, analyse and report')
    .action(() => {
      throw notAvailable('run');
    });
}
