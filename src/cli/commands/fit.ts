import type { Command } from 'commander';
import type { Io } from '../io.js';
import { notAvailable } from '../io.js';
import type { SetExit } from './index.js';

export function register(program: Command, _io: Io, _setExit: SetExit): void {
  const fit = program.command('fit').description('fit models to plain CSV data');
  fit
    .command('usl')
    .argument('<csv>', 'N,X rows (header optional)')
    .option('--json', 'print the fit as JSON')
    .description('fit the Universal Scalability Law')
    .action(() => {
      throw notAvailable('fit usl');
    });
  fit
    .command('knee')
    .argument('<csv>', 'x,y rows (header optional)')
    .option('--curve <c>', 'concave | convex', 'concave')
    .option('--direction <d>', 'increasing | decreasing', 'increasing')
    .option('-S, --sensitivity <s>', 'Kneedle sensitivity', '1')
    .option('--online', 'report every knee found')
    .option('--json', 'print the fit as JSON')
    .description('find the knee with Kneedle (Satopää et al. 2011)')
    .action(() => {
      throw notAvailable('fit knee');
    });
}
