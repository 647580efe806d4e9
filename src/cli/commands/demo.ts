import type { Command } from 'commander';
import type { Io } from '../io.js';
import { notAvailable } from '../io.js';
import type { SetExit } from './index.js';

export function register(program: Command, _io: Io, _setExit: SetExit): void {
  const demo = program
    .command('demo')
    .option('--quick', 'a ~20 s experiment instead of ~90 s')
    .option('--out <dir>', 'results folder')
    .option('--bottleneck <b>', 'pool | cpu | leak | cold | none', 'pool')
    .description('start the bundled demo service on loopback and run a breakpoint experiment against it')
    .action(() => {
      throw notAvailable('demo');
    });
  demo
    .command('serve')
    .option('--port <n>', 'port on 127.0.0.1', '3000')
    .option('--bottleneck <b>', 'pool | cpu | leak | cold | none', 'pool')
    .description('start only the demo service')
    .action(() => {
      throw notAvailable('demo serve');
    });
}
