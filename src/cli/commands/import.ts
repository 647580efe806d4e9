/**
 * `loadproof import <file...> [--from tool] [--out DIR] [--json]`: turns another tool's output into
 * a loadproof result and writes `result.json` into DIR (default `loadproof-results/<tool>-<time>`).
 * Several files may be given when they belong to one run (ab's text with its -g/-e files; Locust's
 * CSV family is found by prefix anyway). The folder is created only after every file parsed.
 */
import type { Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Io } from '../io.js';
import type { SetExit } from './index.js';
import { importFiles } from '../../formats/import.js';
import { exitCodeFor } from '../../result/verdict.js';
import type { Result } from '../../result/types.js';

function stamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

function defaultOutDir(tool: string): string {
  const base = join('loadproof-results', `${tool}-${stamp(new Date())}`);
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  return dir;
}

const ms = (v: number | null | undefined): string => (typeof v === 'number' ? `${Number(v.toFixed(2))} ms` : '—');

/** The short summary printed after an import. */
export function importSummaryText(r: Result, files: string[], out: string): string {
  const s = r.summary;
  const l = s.latencyMs;
  const lines = [
    `imported ${r.source} output from ${files.join(', ')} → ${out}`,
    `  requests ${s.requests}, errors ${s.errors} (${(s.errorRate * 100).toFixed(2)}%), ${s.throughputRps} req/s over ${r.durationSec} s`,
    `  latency p50 ${ms(l.p50)}  p95 ${ms(l.p95)}  p99 ${ms(l.p99)}  max ${ms(l.max)}`,
    `  endpoints ${r.endpoints.length}, timeline ${r.timeline.length ? `${r.timeline.length} intervals` : 'none'}${
      r.criteria.length ? `, criteria ${r.criteria.filter((c) => c.pass).length}/${r.criteria.length} passed` : ''
    }`,
  ];
  for (const c of r.criteria) lines.push(`  ${c.pass ? '✓' : '✗'} ${c.metric} ${c.condition} (observed ${c.observed ?? '—'})`);
  if (r.limitations?.length) {
    lines.push('  not recorded by the tool:');
    for (const x of r.limitations) lines.push(`    - ${x}`);
  }
  for (const w of r.warnings ?? []) lines.push(`  warning: ${w.message}`);
  return lines.join('\n') + '\n';
}

export function register(program: Command, io: Io, setExit: SetExit): void {
  program
    .command('import')
    .argument('<file...>', "another tool's output (several files of one run may be given)")
    .option('--from <tool>', 'k6 | locust | artillery | wrk | ab | hey | gatling (sniffed when absent)')
    .option('--out <dir>', 'results folder (default loadproof-results/<tool>-<time>)')
    .option('--json', 'print the result document on stdout')
    .description("turn another tool's output into a loadproof result, then analyse and report it")
    .action(async (paths: string[], opts: { from?: string; out?: string; json?: boolean }) => {
      const { result, tool, files } = await importFiles(paths, opts.from);
      const dir = opts.out ?? defaultOutDir(tool);
      await mkdir(dir, { recursive: true });
      const out = join(dir, 'result.json');
      await writeFile(out, JSON.stringify(result, null, 2) + '\n');
      const text = importSummaryText(result, files, out);
      if (opts.json) {
        io.out(JSON.stringify(result, null, 2) + '\n');
        io.err(text);
      } else io.out(text);
      setExit(exitCodeFor(result.verdict));
    });
}
