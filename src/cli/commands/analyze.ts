import type { Command } from 'commander';
import type { Io } from '../io.js';
import { notAvailable } from '../io.js';
import type { SetExit } from './index.js';

export function register(program: Command, _io: Io, _setExit: SetExit): void {
  program
    .command('analyze')
    .argument('<result>', 'result.json (own or imported)')
    .option('--slo <expr>', "override the SLO, e.g. 'p(95)<200'")
    .option('--json', 'print the result document on stdout')
    .description('re-run the interpretation on a stored result')
    .action(() => {
      throw notAvailable('analyze');
    });
}
