/**
 * `loadproof export <plan> --to k6|locust|artillery|gatling|wrk|wrk2|hey|ab [-o FILE]`: writes the equivalent test for
 * another tool (stdout by default). `${env.NAME}` in the plan is kept as the tool's own environment
 * lookup rather than substituted, so the exported file reads the environment when it runs.
 */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../report/write.js';
import type { Io } from '../io.js';
import type { SetExit } from './index.js';
import { badFile, badFlag, ExitCode } from '../../errors.js';
import { parsePlan } from '../../plan/parse.js';
import { EXPORTERS, EXPORT_TOOLS, isExportTool } from '../../formats/export.js';
import { checkOutFile, outFileError } from '../out-path.js';

/** An environment whose every name reads back as its own `${env.NAME}` reference. */
const keepEnvRefs = new Proxy({} as Record<string, string | undefined>, {
  get: (_t, name) => (typeof name === 'string' ? `\${env.${name}}` : undefined),
  has: () => true,
});

export function register(program: Command, io: Io, setExit: SetExit): void {
  program
    .command('export')
    .argument('<plan>', 'plan file')
    .requiredOption('--to <tool>', EXPORT_TOOLS.join(' | '))
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .description('write the equivalent test for another tool')
    .addHelpText('after', `\nExamples:\n  $ loadproof export plan.yaml --to k6 -o script.js\n  $ loadproof export plan.yaml --to locust -o locustfile.py\n  $ loadproof export plan.yaml --to artillery -o artillery.yaml\n  $ loadproof export plan.yaml --to wrk\n  $ loadproof export plan.yaml --to hey -o hey.sh\n`)
    .action(async (file: string, opts: { to: string; output?: string }) => {
      if (!isExportTool(opts.to)) throw badFlag(`--to ${opts.to} is not a tool loadproof exports to`, `use one of ${EXPORT_TOOLS.join(', ')}`, '--to');
      if (opts.output) checkOutFile(opts.output, '-o');
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        throw badFile(file, 'cannot read the plan file');
      }
      const plan = parsePlan(text, { file, env: keepEnvRefs });
      const out = EXPORTERS[opts.to](plan, file);
      if (opts.output) {
        try {
          await writeFileAtomic(opts.output, out);
        } catch (err) {
          throw outFileError(opts.output, '-o', err);
        }
        io.err(`wrote ${opts.to} test to ${opts.output}\n`);
      } else io.out(out);
      setExit(ExitCode.ok);
    });
}
