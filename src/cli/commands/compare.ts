/**
 * `loadproof compare <A> <B> [--plan NAME] [--min-effect 5%] [--json] [--history STORE]`: B against
 * the baseline A, per endpoint and overall, with confidence intervals and a verdict
 * (history/compare.ts). A and B are result files (or their folders), history ids, `latest` or
 * `previous`.
 *
 * Exit code: 0 when a comparison was made (whatever its verdict; scripts read `--json`'s
 * `verdict`), 2 for bad input. `compare` judges; only `run --baseline` gates.
 */
import type { Command } from 'commander';
import type { Io } from '../io.js';
import type { SetExit } from './index.js';
import { ExitCode } from '../../errors.js';
import { compareRuns } from '../../history/compare.js';
import { openStoreFor } from '../../history/record.js';
import { resolveRun, resultFileOf } from '../../history/resolve.js';
import type { Comparison } from '../../result/comparison.js';
import { deltaRows, diagnosisLine, methodLine, runsLine } from '../../report/baseline.js';
import { addHistoryOptions, parseMinEffect, SPREAD_RUNS } from './history-flags.js';
import { historySpec } from '../../history/store.js';
import { existsSync } from 'node:fs';

interface CompareFlags {
  plan?: string;
  minEffect?: string;
  json?: boolean;
  history?: string | false;
}

function pad(cells: string[][]): string {
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  return cells.map((r) => r.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join('  ').trimEnd()).join('\n');
}

/** The comparison as terminal text. */
export function renderComparison(c: Comparison): string {
  const lines = [`${(c.verdict ?? 'no verdict').toUpperCase()}: ${c.statement}`, runsLine(c), ''];
  const rows = deltaRows(c).map((r) => [r.scope, r.metric, r.a, r.b, r.change, r.ci, r.judgement + (r.note ? ` (${r.note})` : '')]);
  lines.push(pad([['scope', 'metric', 'A', 'B', 'change', 'interval', 'judgement'], ...rows]));
  lines.push('', diagnosisLine(c), methodLine(c));
  return `${lines.join('\n')}\n`;
}

export function register(program: Command, io: Io, setExit: SetExit): void {
  const cmd = program
    .command('compare')
    .argument('<A>', 'the baseline: a result file or folder, a history id, latest or previous')
    .argument('<B>', 'the run to judge against A (same forms)')
    .option('--plan <name>', 'latest/previous among the runs of this plan')
    .option('--min-effect <pct>', 'smallest change that counts (default 5%)')
    .option('--json', 'print the comparison as JSON')
    .description('differences between two runs with confidence intervals; verdict regression, improvement or no significant change');
  addHistoryOptions(cmd)
    .addHelpText('after', `\nExamples:\n  $ loadproof compare previous latest\n  $ loadproof compare 12 15\n  $ loadproof compare results/v1/result.json results/v2/result.json --min-effect 10%\n`)
    .action(async (a: string, b: string, flags: CompareFlags) => {
      const minEffect = parseMinEffect(flags.minEffect);
      // the store is opened only when a name needs it: two files compare without any history
      // (or when one is named or exists: its earlier runs of the plan give the run-to-run spread)
      const needsStore = [a, b].some((r) => resultFileOf(r) === null);
      const spec = historySpec(flags.history);
      const wanted = needsStore || flags.history !== undefined || (spec.kind === 'sqlite' ? existsSync(spec.path) : spec.kind === 'postgres');
      const opened = wanted && flags.history !== false ? await openStoreFor({ history: flags.history }) : { store: null, warning: null };
      if (opened.warning) io.err(`loadproof: warning: ${opened.warning}\n`);
      try {
        const A = await resolveRun(a, opened.store, { plan: flags.plan, where: 'A' });
        const B = await resolveRun(b, opened.store, { plan: flags.plan, where: 'B' });
        const earlier = opened.store ? await opened.store.list({ plan: A.record.planName, last: SPREAD_RUNS }) : [];
        const c = compareRuns(A, B, { minEffect, history: earlier });
        io.out(flags.json ? `${JSON.stringify(c, null, 2)}\n` : renderComparison(c));
      } finally {
        await opened.store?.close();
      }
      setExit(ExitCode.ok);
    });
}
