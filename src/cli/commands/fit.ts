/**
 * `fit usl <csv>` and `fit knee <csv>`: the USL and Kneedle on plain CSV, for capacity planners who
 * have (concurrency, throughput) or (x, y) data from anywhere. `-` reads the CSV from stdin.
 * `--json` prints only the fit as JSON on stdout.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { badFile, badFlag, ExitCode } from '../../errors.js';
import { kneedle, type KneeCurve, type KneeDirection } from '../../analysis/kneedle.js';
import { fitUsl } from '../../analysis/usl.js';
import { parseXyCsv } from '../../analysis/xy-csv.js';
import type { Io } from '../io.js';
import type { SetExit } from './index.js';

function readCsv(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw badFile(path, code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (e as Error).message})`);
  }
}

/** Significant digits for the text output (the JSON keeps full precision). */
const sig = (x: number, d = 6): string => (x === 0 ? '0' : Number(x.toPrecision(d)).toString());

export function register(program: Command, io: Io, setExit: SetExit): void {
  const fit = program.command('fit').description('fit models to plain CSV data');
  fit
    .command('usl')
    .argument('<csv>', 'N,X rows: concurrency, throughput (header optional; - for stdin)')
    .option('--json', 'print the fit as JSON')
    .description('fit the Universal Scalability Law X(N) = λN / (1 + σ(N−1) + κN(N−1))')
    .addHelpText('after', `\nExamples:\n  $ loadproof fit usl throughput.csv          # rows: N,X (concurrency, throughput)\n  $ loadproof fit usl throughput.csv --json\n`)
    .action((file: string, opts: { json?: boolean }) => {
      const rows = parseXyCsv(readCsv(file), file, ['N', 'X']);
      rows.xs.forEach((n, i) => {
        if (!(n > 0)) throw badFile(`${file}:${rows.lines[i]}`, `concurrency N must be positive, got ${n}`);
        if (!(rows.ys[i]! >= 0)) throw badFile(`${file}:${rows.lines[i]}`, `throughput X must not be negative, got ${rows.ys[i]}`);
      });
      if (rows.xs.length < 3) throw badFile(file, `the USL has three parameters: it needs at least 3 rows, got ${rows.xs.length}`);
      const r = fitUsl(rows.xs, rows.ys);
      if (!r) throw badFile(file, 'throughput does not vary: there is nothing to fit', 'give rows at several concurrencies');
      if (opts.json) {
        io.out(JSON.stringify(r, null, 2) + '\n');
      } else {
        const lines = [
          `USL fit of ${r.n} points from ${file}: X(N) = λN / (1 + σ(N−1) + κN(N−1))`,
          `  sigma  σ  ${sig(r.sigma)}   contention (serialised work)`,
          `  kappa  κ  ${sig(r.kappa)}   coherency (crosstalk)`,
          `  lambda λ  ${sig(r.lambda)}   throughput of one unit without overhead`,
          r.peakConcurrency === null
            ? `  peak       none: κ = 0, throughput keeps rising (toward λ/σ${r.sigma > 0 ? ` = ${sig(r.lambda / r.sigma)}` : ''})`
            : `  peak       N* = ${sig(r.peakConcurrency, 4)}, X(N*) = ${sig(r.peakThroughput!, 5)}`,
          `  r²         ${sig(r.r2, 4)}`,
          `  ${r.dominant === 'none' ? 'scaling is close to linear over the measured range' : `${r.dominant} dominates at the largest N measured`}`,
        ];
        io.out(lines.join('\n') + '\n');
      }
      setExit(ExitCode.ok);
    });
  fit
    .command('knee')
    .argument('<csv>', 'x,y rows (header optional; - for stdin)')
    .option('--curve <c>', 'concave | convex', 'concave')
    .option('--direction <d>', 'increasing | decreasing', 'increasing')
    .option('-S, --sensitivity <s>', 'Kneedle sensitivity S (≥ 0)', '1')
    .option('--online', 'report every knee found; the last one is the knee')
    .option('--json', 'print the fit as JSON')
    .description('find the knee with Kneedle (Satopää et al. 2011)')
    .addHelpText('after', `\nExamples:\n  $ loadproof fit knee latency-vs-load.csv --curve convex\n  $ loadproof fit knee curve.csv -S 1 --online --json\n`)
    .action((file: string, opts: { curve: string; direction: string; sensitivity: string; online?: boolean; json?: boolean }) => {
      if (opts.curve !== 'concave' && opts.curve !== 'convex') throw badFlag(`--curve must be concave or convex, got "${opts.curve}"`, undefined, '--curve');
      if (opts.direction !== 'increasing' && opts.direction !== 'decreasing') {
        throw badFlag(`--direction must be increasing or decreasing, got "${opts.direction}"`, undefined, '--direction');
      }
      const S = Number(opts.sensitivity);
      if (!/^\d+(\.\d+)?$/.test(opts.sensitivity.trim()) || !(S >= 0)) throw badFlag(`-S must be a number ≥ 0, got "${opts.sensitivity}"`, 'the paper recommends S = 1', '-S');
      const rows = parseXyCsv(readCsv(file), file, ['x', 'y']);
      if (rows.xs.length < 3) throw badFile(file, `Kneedle needs at least 3 rows, got ${rows.xs.length}`);
      const order = rows.xs.map((_, i) => i).sort((a, b) => rows.xs[a]! - rows.xs[b]!);
      for (let k = 1; k < order.length; k++) {
        if (rows.xs[order[k]!] === rows.xs[order[k - 1]!]) {
          throw badFile(`${file}:${Math.max(rows.lines[order[k]!]!, rows.lines[order[k - 1]!]!)}`, `x = ${rows.xs[order[k]!]} appears twice`, 'each x once');
        }
      }
      const xs = order.map((i) => rows.xs[i]!);
      const ys = order.map((i) => rows.ys[i]!);
      const r = kneedle(xs, ys, { curve: opts.curve as KneeCurve, direction: opts.direction as KneeDirection, sensitivity: S, online: opts.online });
      const doc = {
        knee: r.knee?.x ?? null,
        kneeY: r.knee?.y ?? null,
        normKnee: r.normKnee,
        ...(opts.online ? { allKnees: r.allKnees.map((k) => ({ x: k.x, y: k.y })) } : {}),
        curve: opts.curve,
        direction: opts.direction,
        sensitivity: S,
        n: xs.length,
      };
      if (opts.json) {
        io.out(JSON.stringify(doc, null, 2) + '\n');
      } else if (!r.knee) {
        io.out(`no knee found in ${xs.length} points (${opts.curve}, ${opts.direction}, S = ${S})\n`);
      } else {
        io.out(`knee at x = ${sig(r.knee.x)}, y = ${sig(r.knee.y)} (${opts.curve}, ${opts.direction}, S = ${S}, ${xs.length} points)\n`);
        if (opts.online && r.allKnees.length > 1) io.out(`all knees: ${r.allKnees.map((k) => `(${sig(k.x)}, ${sig(k.y)})`).join(', ')}\n`);
      }
      setExit(ExitCode.ok);
    });
}
