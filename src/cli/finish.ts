/**
 * The end of every experiment the CLI produces a result for (`run`, `quick`, `import`, `demo`):
 * interpret it, write result.json, report.md and report.html, and say where they are. One place, so
 * the four commands cannot drift apart.
 */
import { analyze, type AnalyzeOptions } from '../analysis/analyze.js';
import { renderSummary } from '../report/markdown.js';
import { WriteFailure, writeReports, type WrittenReports } from '../report/write.js';
import { resultsWriteError } from './out-path.js';
import type { Result } from '../result/types.js';

export interface Finished {
  result: Result;
  files: WrittenReports;
  /** the Markdown report's summary plus where the files are, for the terminal */
  summary: string;
}

/** Steps around writing the files: the run history's (commands/history-flags.ts). */
export interface FinishHooks {
  /** after the analysis, before the files are written: may add `baseline` and `trend` */
  beforeWrite?(result: Result, dir: string): Promise<Result>;
  /** after the files are written (e.g. record the run); resolves to lines for the terminal */
  afterWrite?(result: Result, files: WrittenReports): Promise<string[]>;
}

/** Analyses `result` (verdict included) and writes the three files into `dir`. */
export async function finishResult(result: Result, dir: string, opts: AnalyzeOptions = {}, extraFiles: string[] = [], hooks: FinishHooks = {}): Promise<Finished> {
  let analysed = analyze(result, opts);
  if (hooks.beforeWrite) analysed = await hooks.beforeWrite(analysed, dir);
  let files: WrittenReports;
  try {
    files = await writeReports(analysed, dir);
  } catch (err) {
    // a full disk or a read-only file system: exit 2 naming the file; the write left no torn file
    if (err instanceof WriteFailure) throw resultsWriteError(err.file, err);
    throw err;
  }
  const after = hooks.afterWrite ? await hooks.afterWrite(analysed, files) : [];
  const where = [files.md, files.html, files.json, ...extraFiles].map((f) => `  ${f}`).join('\n');
  const summary = `\n${renderSummary(analysed)}\nReports:\n${where}\n${after.map((l) => `${l}\n`).join('')}`;
  return { result: analysed, files, summary };
}
