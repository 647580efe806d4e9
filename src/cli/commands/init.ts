import type { Command } from 'commander';
import type { Io } from '../io.js';
import { notAvailable } from '../io.js';
import type { SetExit } from './index.js';

export function register(program: Command, _io: Io, _setExit: SetExit): void {
  program
    .command('init')
    .argument('[file]', 'where to write the plan', 'loadproof.yaml')
    .description('ask the Step 1 questions (what is tested, success criteria, pattern, expected peak) and write a plan')
    .action(() => {
      throw notAvailable('init');
    });
}
