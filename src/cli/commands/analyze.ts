/**
 * `analyze <result.json | run.ndjson> [--slo EXPR] [--headroom H] [--json] [-o FILE]`: re-runs the
 * interpretation on a stored result (loadproof's own or imported). It writes nothing unless
 * `-o/--write FILE` is given (written atomically; FILE may be the input, to update it in place); it prints a text
 * summary, or with --json the analysed result document and nothing else on stdout. The exit code
 * is the verdict's (CONTRACT.md "Exit codes"). A run's NDJSON log (a killed run's too) is rebuilt into a
 * result first, as `report` does.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { analyze } from '../../analysis/analyze.js';
import * as w from '../../analysis/wording.js';
import { badFlag } from '../../errors.js';
import { readResultOrLog } from '../read-input.js';
import { renderJson, writeFileAtomic } from '../../report/write.js';
import { checkOutFile, outFileError } from '../out-path.js';
import type { Result } from '../../result/types.js';
import { exitCodeFor, hypothesisOutcome } from '../../result/verdict.js';
import type { Io } from '../io.js';
import type { SetExit } from './index.js';

interface AnalyzeFlags {
  slo?: string;
  headroom?: string;
  json?: boolean;
  write?: string;
}

export function register(program: Command, io: Io, setExit: SetExit): void {
  program
    .command('analyze')
    .argument('<result>', 'result.json (own or imported), or a run.ndjson log')
    .option('--slo <expr>', "override the SLO, e.g. 'p(95)<200,rate<0.01'")
    .option('--headroom <h>', 'share of the max sustainable rate kept in reserve (0..1)', '0.4')
    .option('--json', 'print the analysed result document on stdout')
    .option('-o, --write <file>', 'write the analysed result document to a file')
    .description('re-run the interpretation on a stored result')
    .addHelpText('after', `\nExamples:\n  $ loadproof analyze loadproof-results/items-api-20261127-101500/result.json\n  $ loadproof analyze result.json --slo 'p(95)<300,rate<0.02'\n  $ loadproof analyze result.json --json\n`)
    .action(async (file: string, flags: AnalyzeFlags) => {
      const headroom = Number(flags.headroom ?? '0.4');
      if (!/^\d*\.?\d+$/.test((flags.headroom ?? '0.4').trim()) || !(headroom >= 0 && headroom < 1)) {
        throw badFlag(`--headroom must be a number in [0, 1), got "${flags.headroom}"`, 'e.g. --headroom 0.4 keeps 40% in reserve', '--headroom');
      }
      if (flags.write) checkOutFile(flags.write, '-o');
      const input = await readResultOrLog(file);
      const result = analyze(input, { slo: flags.slo, headroom });
      const doc = renderJson(result);
      if (flags.write) {
        try {
          await writeFileAtomic(resolve(flags.write), doc);
        } catch (e) {
          throw outFileError(flags.write, '-o', e);
        }
      }
      if (flags.json) io.out(doc);
      else io.out(renderText(result, file));
      if (flags.write && !flags.json) io.err(`wrote ${flags.write}\n`);
      setExit(exitCodeFor(result.verdict));
    });
}

/** The text summary: verdict, phases, capacity, USL, diagnoses with evidence, validity, red flags, steps. */
export function renderText(r: Result, file: string): string {
  const a = r.analysis!;
  const out: string[] = [];
  const verdict = r.verdict.toUpperCase();
  out.push(`${r.plan?.name ?? file} — ${r.source} result, ${w.duration(r.durationSec)}, ${r.summary.requests} requests`);
  out.push(`Verdict: ${verdict} (hypothesis ${hypothesisOutcome(r.verdict)})`);
  const inval = a.validity.filter((v) => v.severity !== 'info');
  if (inval.length) {
    out.push('', 'Validity:');
    for (const v of inval) out.push(`  [${v.severity}] ${v.message}`);
  }
  const ph = a.phases;
  out.push(
    '',
    `Phases: linear until ${ph.linearUntilRps === null ? '—' : w.rps(ph.linearUntilRps)} · knee ${ph.knee ? `${w.rps(ph.knee.rps)} (p95 ${w.ms(ph.knee.p95Ms)})` : '—'} · collapse ${
      ph.collapse ? `${w.rps(ph.collapse.rps)} (errors ${w.pct(ph.collapse.errorRate)})` : '—'
    }`,
  );
  out.push(`Capacity: ${a.capacity.statement ?? ''}`);
  if (a.usl) {
    out.push(
      `USL: σ ${Number(a.usl.sigma.toPrecision(3))}, κ ${Number(a.usl.kappa.toPrecision(3))}, λ ${Number(a.usl.lambda.toPrecision(4))}, ` +
        `${a.usl.peakConcurrency === null ? 'no peak in range' : `peak at concurrency ${w.num(a.usl.peakConcurrency)}`}, r² ${w.num(a.usl.r2, 3)}` +
        (a.usl.dominant && a.usl.dominant !== 'none' ? ` — ${a.usl.dominant} dominates` : ''),
    );
  }
  out.push('', a.diagnoses.length ? 'Diagnoses:' : 'Diagnoses: none — no rule found evidence for a known cause.');
  a.diagnoses.forEach((d, i) => {
    out.push(`  ${i + 1}. ${d.title} [${d.id}, confidence ${d.confidence.toFixed(2)}]`);
    for (const e of d.evidence) out.push(`     - ${e}`);
    out.push(`     → ${d.recommendation}${d.handoff ? ` (handoff: ${d.handoff})` : ''}`);
  });
  if (a.redFlags?.length) {
    out.push('', 'Red flags:');
    for (const f of a.redFlags) out.push(`  - ${f}`);
  }
  if (r.steps.length) {
    out.push('', 'Steps:');
    out.push('  #   start–end s   offered   achieved   p50 ms   p95 ms   p99 ms   errors   concurrency');
    for (const s of r.steps) {
      out.push(
        `  ${String(s.index).padEnd(3)} ${`${s.startSec}–${s.endSec}`.padEnd(13)} ${(s.offeredRps === null ? '—' : w.num(s.offeredRps)).padStart(7)}   ${w.num(s.rps).padStart(8)}   ${w
          .num(s.latencyMs.p50)
          .padStart(6)}   ${w.num(s.latencyMs.p95).padStart(6)}   ${w.num(s.latencyMs.p99).padStart(6)}   ${w.pct(s.errorRate).padStart(6)}   ${w.num(s.concurrency).padStart(11)}${
          s.percentileSource === 'stage-summary' ? '  (whole run)' : s.steady || s.offeredRps === null ? '' : '  (ramp)'
        }`,
      );
    }
  }
  const info = a.validity.filter((v) => v.severity === 'info');
  if (info.length) {
    out.push('', 'Not judged / notes:');
    for (const v of info) out.push(`  - ${v.message}`);
  }
  return out.join('\n') + '\n';
}
