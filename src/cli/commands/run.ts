import type { Command } from 'commander';
import type { Io } from '../io.js';
import type { SetExit } from './index.js';
import { loadPlan } from '../../plan/parse.js';
import { PATTERN_TYPES, type Plan, type PatternType } from '../../plan/schema.js';
import { buildDesign, renderDesign } from '../../plan/design.js';
import { assertRunnable } from '../../plan/runnable.js';
import { badFlag } from '../../errors.js';
import { runSession } from '../run-session.js';
import { parseWorkersFlag, parseSeedFlag, parseStartAtFlag, parseLocalAddressFlag } from '../engine-flags.js';
import { parseSegment, type SegmentSpec } from '../../engine/schedule/segment.js';
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
  segment?: string;
  startAt?: string;
  localAddress?: string;
  shardToStdout?: boolean;
}

/**
 * Seed of a segmented run when `--seed` is not given: every segment must draw the same Poisson
 * sequence and the same choices, so a random default would break the split. A fixed one keeps
 * the segments of one run consistent (give --seed to vary it between runs).
 */
export const SEGMENT_DEFAULT_SEED = 1;

/** `--segment i/N` (or `i` with the plan's distributed.segments), or undefined. */
export function segmentOf(plan: Plan, flag: string | undefined): SegmentSpec | undefined {
  if (flag === undefined) return undefined;
  const r = parseSegment(flag, plan.distributed?.segments);
  if (typeof r === 'string') throw badFlag(`--segment ${r}`, 'write e.g. --segment 0/4 … --segment 3/4, one per generator', '--segment');
  return r;
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
  const out: Plan = { ...plan, pattern: { durationMs: undefined, precision: undefined, ...(plan.pattern ?? {}), type, peak } };
  // a precision refines a breakpoint only
  if (type !== 'breakpoint') out.pattern!.precision = undefined;
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
    .option('--segment <i/N>', 'run segment i of N (0-based) of a distributed run; merge the shards with `loadproof merge`')
    .option('--start-at <iso>', 'start the run at this instant (all segments of a distributed run: the same one)')
    .option('--local-address <ip>', 'send from this local IP address (e.g. 127.0.0.2)')
    .option('--shard-to-stdout', 'write the NDJSON log (the shard) to stdout, everything else to stderr')
    .description('print the design, run the experiment, watch the target, analyse and report');
  addHistoryOptions(addBaselineOptions(addLiveOptions(cmd)))
    .addHelpText('after', `\nExamples:\n  $ loadproof run plan.yaml\n  $ loadproof run plan.yaml --out results/today\n  $ loadproof run plan.yaml --pattern stress --peak 300\n  $ loadproof run plan.yaml --json > result.json\n  $ loadproof run plan.yaml --baseline previous\n  $ loadproof run plan.yaml --dashboard --metrics :9464\n\nExit code: 0 all criteria met, 1 a criterion failed (or a significant regression against --baseline), 2 bad plan or flags, 3 stopped by an abort rule,\n4 results not valid (generator saturated, too few samples, or the run did not test the service), 5 internal error.\n`)
    .action(async (file: string, flags: RunFlags) => {
      const workers = parseWorkersFlag(flags.workers);
      let seed = parseSeedFlag(flags.seed);
      const startAt = parseStartAtFlag(flags.startAt);
      const localAddress = parseLocalAddressFlag(flags.localAddress);
      const plan = applyOverrides(loadPlan(file), flags);
      const segment = segmentOf(plan, flags.segment);
      if (segment !== undefined && seed === undefined) seed = SEGMENT_DEFAULT_SEED;
      assertRunnable(plan, file);
      const design = renderDesign(buildDesign(plan, { file }));
      if (flags.json || flags.shardToStdout) io.err(design);
      else io.out(design);
      // a segment is not recorded in the history (only the merged run is judged) and has no dashboard
      const segmented = segment !== undefined && segment.count > 1;
      const history = await startHistory(io, segmented ? { ...flags, history: false } : flags, { command: 'run', planName: plan.name });
      const live = segmented ? undefined : await startLive(flags, io);
      try {
        const out = await runSession({
          plan,
          io,
          json: Boolean(flags.json),
          out: flags.out,
          workers,
          seed,
          segment,
          startAt,
          localAddress,
          logToStdout: Boolean(flags.shardToStdout),
          finish: history.hooks,
          live: live?.feed,
        });
        // A segment's own verdict judges a share of the load: only the merged run is judged
        // (`loadproof merge`). A segment exits 0 once its shard is complete, so an orchestrator
        // (Indexed Job, CI matrix) treats it as done; bad input (2) and internal errors (5) still fail it.
        setExit(segmented ? 0 : gatedExitCode(out.exitCode, out.result));
      } finally {
        await live?.close();
        await history.close();
      }
    });
}
