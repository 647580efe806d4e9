/**
 * `loadproof convert <file> [-o plan.yaml] [--from k6|artillery]`: turns a k6 script or an
 * Artillery script into a loadproof plan (YAML on stdout or in a file). What could not be
 * translated is listed on stderr with its line, and as comments at the top of the plan.
 */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../report/write.js';
import { outFileError } from '../out-path.js';
import type { Io } from '../io.js';
import type { SetExit } from './index.js';
import { badFile, badFlag, ExitCode, LoadproofError } from '../../errors.js';
import { parsePlanSafe } from '../../plan/parse.js';
import { convertK6 } from '../../formats/k6/convert.js';
import { convertArtillery } from '../../formats/artillery/convert.js';
import { conversionYaml } from '../../formats/common/convert.js';

const FROM = ['k6', 'artillery'] as const;

export function register(program: Command, io: Io, setExit: SetExit): void {
  program
    .command('convert')
    .argument('<file>', 'a k6 script (.js/.ts) or an Artillery script (.yml/.yaml)')
    .option('--from <tool>', 'k6 | artillery (default: by the file extension)')
    .option('-o, --output <file>', 'write the plan to a file instead of stdout')
    .description('turn a k6 or Artillery script into a loadproof plan')
    .addHelpText('after', '\nExamples:\n  $ loadproof convert script.js -o plan.yaml\n  $ loadproof convert artillery.yml -o plan.yaml\n')
    .action(async (file: string, opts: { from?: string; output?: string }) => {
      const from = opts.from ?? (/\.(?:[cm]?js|ts)$/i.test(file) ? 'k6' : /\.ya?ml$/i.test(file) ? 'artillery' : undefined);
      if (from === undefined) throw badFlag(`cannot tell the tool of ${file} from its extension`, 'add --from k6 or --from artillery', '--from');
      if (!(FROM as readonly string[]).includes(from)) throw badFlag(`--from ${from} is not a tool loadproof converts from`, `use one of ${FROM.join(', ')}`, '--from');
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        throw badFile(file, 'cannot read the file', 'check the path');
      }
      const c = from === 'k6' ? convertK6(text, file) : convertArtillery(text, file);
      const yaml = conversionYaml(c, file);
      // the converted plan must be a valid plan (keep ${env.X} references as written)
      const check = parsePlanSafe(yaml, { file: opts.output ?? 'converted plan', env: new Proxy({}, { get: (_t, n) => `\${env.${String(n)}}` }) });
      if (!check.ok) throw new LoadproofError('LP_INTERNAL', `the converted plan is not valid: ${check.issues[0]!.path}: ${check.issues[0]!.message}`);
      for (const n of c.notes) io.err(`loadproof: convert: ${file}:${n.line}: not translated: ${n.message}\n`);
      if (opts.output) {
        try {
          await writeFileAtomic(opts.output, yaml);
        } catch (err) {
          throw outFileError(opts.output, '-o', err);
        }
        io.err(`wrote the plan to ${opts.output}${c.notes.length ? ` (${c.notes.length} thing(s) not translated, listed above)` : ''}\n`);
      } else io.out(yaml);
      setExit(ExitCode.ok);
    });
}
