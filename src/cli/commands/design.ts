import type { Command } from 'commander';
import type { Io } from '../io.js';
import { loadPlan } from '../../plan/parse.js';
import { buildDesign, renderDesign } from '../../plan/design.js';
import { ExitCode } from '../../errors.js';
import type { SetExit } from './index.js';

export function register(program: Command, io: Io, setExit: SetExit): void {
  program
    .command('design')
    .argument('<plan>', 'plan file (YAML or JSON)')
    .option('--json', 'print the design as JSON instead of text')
    .description('validate the plan and print the design: What test to run, What to watch, How to interpret; runs nothing')
    .addHelpText(
      'after',
      `
Every problem in the plan is reported at once as file:line:col: field.path: message (exit 2).

Examples:
  $ loadproof design loadproof.yaml
  $ loadproof design plan.json --json`,
    )
    .action((file: string, opts: { json?: boolean }) => {
      const plan = loadPlan(file);
      const design = buildDesign(plan, { file });
      io.out(opts.json ? `${JSON.stringify(design, null, 2)}\n` : renderDesign(design));
      setExit(ExitCode.ok);
    });
}
