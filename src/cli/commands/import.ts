/**
 * `loadproof import <file...> [--from tool] [--out DIR] [--json]`: turns another tool's output into
 * a loadproof result, analyses it and writes result.json, report.md and report.html into DIR
 * (default `loadproof-results/<tool>-<time>`).
 * Several files may be given when they belong to one run (ab's text with its -g/-e files; Locust's
 * CSV family is found by prefix anyway). The folder is created only after every file parsed.
 */
import type { Command } from 'commander';
import type { Io } from '../io.js';
import type { SetExit } from './index.js';
import { importFiles } from '../../formats/import.js';
import { exitCodeFor } from '../../result/verdict.js';
import { finishResult } from '../finish.js';
import { prepareOutDir } from '../out-path.js';
import { resultsDir } from '../results-dir.js';
import { addHistoryOptions, startHistory } from './history-flags.js';
import type { Result } from '../../result/types.js';

/** What the import itself has to say before the report's summary: the files, what the tool did not record. */
export function importSummaryText(r: Result, files: string[], out: string): string {
  const lines = [`imported ${r.source} output from ${files.join(', ')} → ${out}`];
  if (r.limitations?.length) {
    lines.push('  not recorded by the tool:');
    for (const x of r.limitations) lines.push(`    - ${x}`);
  }
  for (const w of r.warnings ?? []) lines.push(`  warning: ${w.message}`);
  return lines.join('\n') + '\n';
}

export function register(program: Command, io: Io, setExit: SetExit): void {
  const cmd = program
    .command('import')
    .argument('<file...>', "another tool's output (several files of one run, or one results folder)")
    .option('--from <tool>', 'k6 | locust | artillery | wrk | ab | hey | gatling | jmeter (sniffed when absent)')
    .option('--out <dir>', 'results folder (default loadproof-results/<tool>-<time>)')
    .option('--json', 'print the result document on stdout')
    .description("turn another tool's output into a loadproof result, then analyse and report it");
  addHistoryOptions(cmd)
    .addHelpText('after', `
Examples:
  $ loadproof import k6-summary.json
  $ loadproof import results.ndjson --from k6
  $ loadproof import locust_stats.csv
  $ loadproof import wrk.txt --out results/wrk-run
  $ loadproof import ab.txt ab-gnuplot.tsv ab-percentiles.csv
  $ loadproof import target/gatling/itemssimulation-20261127131600000/
`)
    .action(async (paths: string[], opts: { from?: string; out?: string; json?: boolean; history?: string | false }) => {
      const { result, tool, files } = await importFiles(paths, opts.from);
      const dir = prepareOutDir(resultsDir(tool, opts.out), opts.out !== undefined ? '--out' : 'the results folder');
      const history = await startHistory(io, { history: opts.history }, { command: 'import' });
      const done = await finishResult(result, dir, {}, [], history.hooks).finally(() => history.close());
      const text = importSummaryText(done.result, files, dir) + done.summary;
      if (opts.json) {
        io.out(JSON.stringify(done.result, null, 2) + '\n');
        io.err(text);
      } else io.out(text);
      setExit(exitCodeFor(done.result.verdict));
    });
}
