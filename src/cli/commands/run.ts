import type { Command } from 'commander';
import type { Io } from '../io.js';
import type { SetExit } from './index.js';
import { loadPlan } from '../../plan/parse.js';
import { PATTERN_TYPES, type Plan, type PatternType } from '../../plan/schema.js';
import { buildDesign, renderDesign } from '../../plan/design.js';
import { assertRunnable } from '../../plan/runnable.js';
import { badFlag } from '../../errors.js';
import { runSession } from '../run-session.js';
import { parseWorkersFlag, parseSeedFlag } from '../engine-flags.js';
import { addBaselineOptions, addHistoryOptions, gatedExitCode, startHistory } from './history-flags.js';
import { addLiveOptions, startLive, type LiveFlags } from '../live.js';

interface RunFlags extends LiveFlags {
  out?: string;
  pattern?: string;
  peak?: string;
  json?: boolean;
  workers?: string;
  seed?: string;
  history?: string | false;
  baseline?: string;
  minEffect?: string;
}

/** Applies `--pattern` and `--peak`. A pattern given on the command line replaces explicit stages. */
export function applyOverrides(plan: Plan, flags: Pick<RunFlags, 'pattern' | 'peak'>): Plan {
  if (flags.pattern === undefined && flags.peak === undefined) return plan;
  let peak = plan.pattern?.peak;
  if (flags.peak !== undefined) {
    const n = Number(flags.peak);
    if (!(Number.isFinite(n) && n > 0)) throw badFlag(`--peak ${flags.peak} is not a positive number`, 'write e.g. --peak 200', '--peak');
    peak = n;
  }
  let type = plan.pattern?.type;
  if (flags.pattern !== undefined) {
    if (!(PATTERN_TYPES as readonly string[]).includes(flags.pattern)) {
      throw badFlag(`unknown pattern "${flags.pattern}"`, `use one of ${PATTERN_TYPES.join(', ')}`, '--pattern');
    }
    type = flags.pattern as PatternType;
  }
  if (type === undefined) throw badFlag('--peak needs a pattern: the plan has none', 'add --pattern load (or another pattern)', '--peak');
  if (peak === undefined) throw badFlag(`--pattern ${type} needs a peak: the plan has none`, 'add --peak N (requests per second)', '--pattern');
  const out: Plan = { ...plan, pattern: { durationMs: undefined, ...(plan.pattern ?? {}), type, peak } };
  // the pattern asked for on the command line wins over explicit stages
  if (plan.load?.stages) out.load = { ...plan.load, stages: undefined };
  return out;
}

export function register(program: Command, io: Io, setExit: SetExit): void {
  const cmd = program
    .command('run')
    .argument('<plan>', 'plan file (YAML or JSON)')
    .option('--out <dir>', 'results folder (default: loadproof-results/<plan>-<date-time>)')
    .option('--pattern <type>', 'override pattern.type')
    .option('--peak <n>', 'override pattern.peak')
    .option('--json', 'print the result document on stdout, nothing else')
    .option('--workers <n>', 'load worker threads (default 1)')
    .option('--seed <n>', 'seed for arrivals, scenario choice, think times and random values')
    .description('print the design, run the experiment, watch the target, analyse and report');
  addHistoryOptions(addBaselineOptions(addLiveOptions(cmd)))
    .addHelpText('after', `\nExamples:\n  $ loadproof run plan.yaml\n  $ loadproof run plan.yaml --out results/today\n  $ loadproof run plan.yaml --pattern stress --peak 300\n  $ loadproof run plan.yaml --json > result.json\n  $ loadproof run plan.yaml --baseline previous\n  $ loadproof run plan.yaml --dashboard --metrics :9464\n\nExit code: 0 all criteria met, 1 a criterion failed (or a significant regression against --baseline), 2 bad plan or flags, 3 stopped by an abort rule,\n4 results not valid (generator saturated, too few samples, or the run did not test the service), 5 internal error.\n`)
    .action(async (file: string, flags: RunFlags) => {
      const workers = parseWorkersFlag(flags.workers);
      const seed = parseSeedFlag(flags.seed);
      const plan = applyOverrides(loadPlan(file), flags);
      assertRunnable(plan, file);
      const design = renderDesign(buildDesign(plan, { file }));
      if (flags.json) io.err(design);
      else io.out(design);
      const history = await startHistory(io, flags, { command: 'run', planName: plan.name });
      const live = await startLive(flags, io);
      try {
        const out = await runSession({ plan, io, json: Boolean(flags.json), out: flags.out, workers, seed, finish: history.hooks, live: live?.feed });
        setExit(gatedExitCode(out.exitCode, out.result));
      } finally {
        await live?.close();
        await history.close();
      }
    });
}
