import type { Command } from 'commander';
import type { Io } from '../io.js';
import { notAvailable } from '../io.js';
import type { SetExit } from './index.js';

export function register(program: Command, _io: Io, _setExit: SetExit): void {
  program
    .command('design')
    .argument('<plan>', 'plan file (YAML or JSON)')
    .description('validate the plan and print the design: What test to run, What to watch, How to interpret; runs nothing')
    .action(() => {
      throw notAvailable('design');
    });
}
