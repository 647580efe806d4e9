/**
 * `loadproof merge <shard logs…> [--out DIR] [--json]`: one run from the NDJSON logs (shards) of
 * the N segments of a distributed run (`run --segment i/N`). The shards are merged second by
 * second (metrics/merge.ts: counts and histograms added, never percentiles averaged), thresholds
 * are judged on the merged figures, the analysis runs once on the merged data, and the usual
 * reports are written. Each generator's own validity (killed, stopped early, send lag, CPU) is
 * judged on its shard alone and reported; one that failed makes the merged run invalid, by name.
 *
 * Exit code: the merged verdict's (CONTRACT.md "Exit codes"); 2 when a file is not a shard of the
 * same run.
 */
import { readFile } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { badFile } from '../../errors.js';
import { parseLog } from '../../metrics/log.js';
import { mergeShards, type Shard } from '../../metrics/merge.js';
import { generatorSaturation } from '../../analysis/validity/generator.js';
import { exitCodeFor } from '../../result/verdict.js';
import type { Result } from '../../result/types.js';
import { finishResult } from '../finish.js';
import { resultsDir } from '../results-dir.js';
import type { Io } from '../io.js';
import type { SetExit } from './index.js';

interface MergeFlags {
  out?: string;
  json?: boolean;
}

/** Reads shard logs (a pod's log may carry other lines: only loadproof log lines are kept). */
export async function readShards(files: string[]): Promise<Shard[]> {
  return Promise.all(
    files.map(async (file) => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw badFile(file, `cannot read the shard: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
      }
      return { file, log: parseLog(shardLines(text), file) };
    }),
  );
}

/** The loadproof log lines of a text that may interleave other output (a pod's stdout and stderr). */
export function shardLines(text: string): string {
  if (!text.split('\n', 1)[0]!.startsWith('{')) {
    return text
      .split('\n')
      .filter((l) => l.startsWith('{"type":'))
      .join('\n');
  }
  return text;
}

/** Merges, analyses and reports; returns the analysed result and the summary text. */
export async function mergeAndReport(shards: Shard[], out: string | undefined): Promise<{ result: Result; summary: string; dir: string }> {
  const merged = mergeShards(shards, generatorSaturation);
  const dir = resultsDir(`${merged.plan.name}-merged`, out);
  mkdirSync(dir, { recursive: true });
  const { result, summary } = await finishResult(merged, dir);
  return { result, summary: `${distributedSummary(result)}${summary}`, dir };
}

/** A few lines on the generators, before the usual summary. */
export function distributedSummary(r: Result): string {
  const d = r.distributed;
  if (!d) return '';
  const lines = [`Merged ${d.generators.length} of ${d.segments} segments (start spread ${Math.round(d.startSpreadMs)} ms):`];
  for (const g of d.generators) {
    const cpu = g.cpuPct ? ` · CPU mean ${g.cpuPct.mean}%` : '';
    const lag = g.sendLagP99Ms !== undefined ? ` · send lag p99 ${g.sendLagP99Ms} ms` : '';
    const v = g.validity ? ` · ${g.validity.severity}` : '';
    lines.push(`  segment ${g.segment}${g.host ? ` ${g.host}` : ''}${g.localAddress ? ` ${g.localAddress}` : ''}: ${g.ended}, ${g.requests} requests in ${g.durationSec}s${cpu}${lag}${v}`);
  }
  for (const i of d.missingSegments) lines.push(`  segment ${i}: missing`);
  return `${lines.join('\n')}\n`;
}

export function register(program: Command, io: Io, setExit: SetExit): void {
  program
    .command('merge')
    .argument('<shards...>', 'the run.ndjson of each segment (run --segment i/N)')
    .option('--out <dir>', 'results folder (default: loadproof-results/<plan>-merged-<date-time>)')
    .option('--json', 'print the merged result document on stdout, nothing else')
    .description('merge the shards of a distributed run into one run: exact histograms, thresholds, analysis, reports')
    .addHelpText('after', `\nExamples:\n  $ loadproof merge shard-0.ndjson shard-1.ndjson shard-2.ndjson shard-3.ndjson --out results/merged\n  $ loadproof merge gen-*/run.ndjson --json > result.json\n\nExit code: the merged verdict's: 0 pass, 1 a criterion failed, 3 aborted, 4 invalid (a generator\nfailed, was killed or saturated, or the starts were too far apart), 2 not shards of one run.\n`)
    .action(async (files: string[], flags: MergeFlags) => {
      const shards = await readShards(files);
      const { result, summary } = await mergeAndReport(shards, flags.out);
      if (flags.json) {
        io.out(`${JSON.stringify(result, null, 2)}\n`);
        io.err(summary);
      } else io.out(summary);
      setExit(exitCodeFor(result.verdict));
    });
}
