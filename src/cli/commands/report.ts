import type { Command } from 'commander';
import type { Io } from '../io.js';
import { notAvailable } from '../io.js';
import type { SetExit } from './index.js';

export function register(program: Command, _io: Io, _setExit: SetExit): void {
  program
    .command('report')
    .argument('<result>', 'result.json')
    .option('--format <f>', 'md | html | json | junit', 'md')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .description('render a stored result')
    .action(() => {
      throw notAvailable('report');
    });
}
