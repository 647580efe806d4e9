/**
 * `loadproof history [--plan NAME] [--last N] [--json] [--history STORE]`: the recorded runs, oldest
 * first, with verdict, p95, throughput, error rate, capacity and first diagnosis, each figure with
 * its change from the run above it (same plan), and a trend line per figure across the runs listed.
 */
import type { Command } from 'commander';
import type { Io } from '../io.js';
import type { SetExit } from './index.js';
import { badFlag, ExitCode, LoadproofError } from '../../errors.js';
import { openStoreFor } from '../../history/record.js';
import type { RunRecord } from '../../history/run-record.js';
import { formatMs, formatPct, formatRps } from '../../report/format.js';

interface HistoryCmdFlags {
  plan?: string;
  last?: string;
  json?: boolean;
  history?: string;
}

const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of the values (nulls as spaces), scaled between their min and max. */
export function sparkline(values: Array<number | null>): string {
  const xs = values.filter((v): v is number => v !== null);
  if (!xs.length) return '';
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return values.map((v) => (v === null ? ' ' : BARS[hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1))]!)).join('');
}

function arrow(prev: number | null | undefined, cur: number | null): string {
  if (prev === null || prev === undefined || cur === null || prev === 0) return '';
  const c = cur / prev - 1;
  if (Math.abs(c) < 0.005) return ' (=)';
  return ` (${c > 0 ? '+' : '−'}${Math.abs(c * 100).toFixed(Math.abs(c) >= 0.1 ? 0 : 1)}%)`;
}

function pad(cells: string[][]): string {
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  return cells.map((r) => r.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join('  ').trimEnd()).join('\n');
}

/** The text table of `history`. */
export function renderHistory(runs: RunRecord[]): string {
  if (!runs.length) return 'No runs recorded yet.\n';
  const head = ['id', 'started', 'plan', 'commit', 'verdict', 'p95', 'throughput', 'errors', 'capacity', 'first diagnosis'];
  const prevOfPlan = new Map<string, RunRecord>();
  const rows = runs.map((r) => {
    const prev = prevOfPlan.get(r.planName);
    prevOfPlan.set(r.planName, r);
    const cap = r.capacity?.maxSustainableRps ?? null;
    return [
      `#${r.id}`,
      r.startedAt.replace('T', ' ').slice(0, 19),
      r.planName,
      r.gitCommit ? r.gitCommit.slice(0, 8) : '—',
      r.verdict,
      `${formatMs(r.summary.latencyMs.p95)}${arrow(prev?.summary.latencyMs.p95, r.summary.latencyMs.p95)}`,
      `${formatRps(r.summary.throughputRps)}${arrow(prev?.summary.throughputRps, r.summary.throughputRps)}`,
      formatPct(r.summary.errorRate),
      cap === null ? '—' : `${formatRps(cap)}${arrow(prev?.capacity?.maxSustainableRps, cap)}`,
      r.diagnoses[0]?.id ?? '—',
    ];
  });
  const lines = [pad([head, ...rows])];
  const plans = [...new Set(runs.map((r) => r.planName))];
  for (const plan of plans) {
    const of = runs.filter((r) => r.planName === plan);
    if (of.length < 2) continue;
    lines.push('');
    lines.push(`Trend of "${plan}" over ${of.length} runs (oldest → newest):`);
    lines.push(`  p95         ${sparkline(of.map((r) => r.summary.latencyMs.p95))}  ${formatMs(of[0]!.summary.latencyMs.p95)} → ${formatMs(of[of.length - 1]!.summary.latencyMs.p95)}`);
    lines.push(`  throughput  ${sparkline(of.map((r) => r.summary.throughputRps))}  ${formatRps(of[0]!.summary.throughputRps)} → ${formatRps(of[of.length - 1]!.summary.throughputRps)}`);
    lines.push(`  errors      ${sparkline(of.map((r) => r.summary.errorRate))}  ${formatPct(of[0]!.summary.errorRate)} → ${formatPct(of[of.length - 1]!.summary.errorRate)}`);
    const caps = of.map((r) => r.capacity?.maxSustainableRps ?? null);
    if (caps.some((c) => c !== null)) lines.push(`  capacity    ${sparkline(caps)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function parseLast(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw badFlag(`--last ${text} is not a positive whole number`, 'write e.g. --last 10', '--last');
  return n;
}

export function register(program: Command, io: Io, setExit: SetExit): void {
  program
    .command('history')
    .option('--plan <name>', 'only the runs of this plan')
    .option('--last <n>', 'only the last N runs')
    .option('--json', 'print the runs as JSON')
    .option('--history <store>', 'run history: postgres://… or a SQLite file (default $LOADPROOF_HISTORY, else .loadproof/history.db)')
    .description('list the recorded runs with their verdict, p95, throughput, error rate, capacity and trend')
    .addHelpText('after', `\nExamples:\n  $ loadproof history\n  $ loadproof history --plan checkout --last 10\n  $ loadproof history --json | jq '.[].summary.latencyMs.p95'\n  $ loadproof history --history postgres://ci@db/loadproof\n`)
    .action(async (flags: HistoryCmdFlags) => {
      const last = parseLast(flags.last);
      const { store, warning } = await openStoreFor({ history: flags.history });
      if (store === null) throw new LoadproofError('LP_BAD_FILE', warning ?? 'the run history cannot be opened', { hint: 'check --history or LOADPROOF_HISTORY', exitCode: ExitCode.badInput });
      try {
        const runs = await store.list({ plan: flags.plan, last });
        if (flags.json) io.out(`${JSON.stringify(runs, null, 2)}\n`);
        else io.out(`Run history: ${store.location}\n\n${renderHistory(runs)}`);
      } finally {
        await store.close();
      }
      setExit(ExitCode.ok);
    });
}
