/**
 * `loadproof report <result.json | run.ndjson> [--format md|html|json|junit] [-o FILE]`: renders a
 * stored result. A run's NDJSON log (kept even when the run was killed with SIGKILL) is rebuilt into
 * a result first; a result that was never analysed (a rebuilt log, an import saved without analysis)
 * is analysed before it is rendered, so every report carries its interpretation.
 *
 * Writes to stdout, or atomically to FILE (its folder is created). Without `--format`, the format
 * follows FILE's extension (.md, .html, .json, .xml) and is Markdown otherwise. Rendering is not
 * judging: the command exits 0 whatever the verdict (CI reads the verdict from the JUnit file or
 * from `run`'s own exit code), and 2 when the file is not a loadproof result.
 */
import { dirname, extname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { renderHtml } from '../../report/html.js';
import { renderJunit } from '../../report/junit.js';
import { renderMarkdown } from '../../report/markdown.js';
import { readResultOrLog } from '../read-input.js';
import { analyze } from '../../analysis/analyze.js';
import { renderJson, writeFileAtomic } from '../../report/write.js';
import { checkOutFile, makeDirs, outFileError } from '../out-path.js';
import type { Result } from '../../result/types.js';
import type { Io } from '../io.js';
import type { SetExit } from './index.js';

const FORMATS = ['md', 'html', 'json', 'junit'] as const;
type Format = (typeof FORMATS)[number];

const RENDERERS: Record<Format, (r: Result) => string> = {
  md: renderMarkdown,
  html: renderHtml,
  json: renderJson,
  junit: renderJunit,
};

const BY_EXTENSION: Record<string, Format> = { '.md': 'md', '.markdown': 'md', '.html': 'html', '.htm': 'html', '.json': 'json', '.xml': 'junit' };

interface ReportOptions {
  format: Format;
  output?: string;
}

export function register(program: Command, io: Io, setExit: SetExit): void {
  program
    .command('report')
    .argument('<result>', 'a result.json written by run, quick or import, or a run.ndjson log')
    .addOption(new Option('--format <format>', 'md | html | json | junit (default: from -o\'s extension, else md)').choices(FORMATS).default('md'))
    .option('-o, --output <file>', 'write to FILE (atomically) instead of stdout')
    .description('render a stored result as Markdown, self-contained HTML, JSON or JUnit XML')
    .addHelpText('after', `\nExamples:\n  $ loadproof report result.json\n  $ loadproof report result.json --format html -o report.html\n  $ loadproof report result.json --format junit -o junit.xml\n  $ loadproof report loadproof-results/x/run.ndjson   # a killed run, from its log\n`)
    .action(async (file: string, opts: ReportOptions, cmd: Command) => {
      if (opts.output) checkOutFile(opts.output, '-o');
      let result = await readResultOrLog(file);
      if (result.analysis === null) result = analyze(result);
      let format = opts.format;
      if (opts.output && cmd.getOptionValueSource('format') === 'default') {
        format = BY_EXTENSION[extname(opts.output).toLowerCase()] ?? 'md';
      }
      const text = RENDERERS[format](result);
      if (!opts.output) {
        io.out(text);
      } else {
        const target = resolve(opts.output);
        try {
          makeDirs(dirname(target));
          await writeFileAtomic(target, text);
        } catch (err) {
          throw outFileError(opts.output, '-o', err);
        }
        io.err(`loadproof: wrote ${format} report to ${target}\n`);
      }
      setExit(ExitCode.ok);
    });
}

