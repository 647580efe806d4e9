import { existsSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { Io } from '../io.js';
import { ExitCode, LoadproofError, badFlag, formatPlanIssue } from '../../errors.js';
import { INIT_QUESTIONS, PATTERN_HELP, renderInitPlan, type InitAnswers, type InitQuestion } from '../../plan/init.js';
import { PLAN_JSON_SCHEMA_FILE } from '../../plan/emit-json-schema.js';
import { parsePlanSafe } from '../../plan/parse.js';
import { PATTERN_TYPES } from '../../plan/schema.js';
import type { SetExit } from './index.js';

interface InitFlags {
  target?: string;
  endpoint?: string[];
  p95?: string;
  p99?: string;
  errorRate?: string;
  throughput?: string;
  pattern?: string;
  peak?: string;
  peakSource?: string;
  model?: string;
  name?: string;
  hypothesis?: string;
  yes?: boolean;
  force?: boolean;
}

/** Which flag answers which question. */
const FLAG_OF: Record<keyof InitAnswers, { flag: string; read: (f: InitFlags) => string | undefined }> = {
  target: { flag: '--target', read: (f) => f.target },
  endpoints: { flag: '--endpoint', read: (f) => f.endpoint?.join(',') },
  p95Ms: { flag: '--p95', read: (f) => f.p95 },
  p99Ms: { flag: '--p99', read: (f) => f.p99 },
  errorRate: { flag: '--error-rate', read: (f) => f.errorRate },
  throughputRps: { flag: '--throughput', read: (f) => f.throughput },
  pattern: { flag: '--pattern', read: (f) => f.pattern },
  model: { flag: '--model', read: (f) => f.model },
  peak: { flag: '--peak', read: (f) => f.peak },
  peakSource: { flag: '--peak-source', read: (f) => f.peakSource },
  name: { flag: '--name', read: (f) => f.name },
  hypothesis: { flag: '--hypothesis', read: (f) => f.hypothesis },
};

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function register(program: Command, io: Io, setExit: SetExit): void {
  program
    .command('init')
    .argument('[file]', 'where to write the plan', 'loadproof.yaml')
    .description('ask the Step 1 questions (what is tested, success criteria, pattern, expected peak) and write a plan')
    .option('--target <url>', 'base URL of the target')
    .option('--endpoint <endpoint>', 'an endpoint, e.g. "GET /items" (repeatable)', collect)
    .option('--p95 <ms>', 'p95 latency limit in ms, or "none"')
    .option('--p99 <ms>', 'p99 latency limit in ms, or "none"')
    .option('--error-rate <rate>', 'error-rate limit, e.g. 1% or 0.01, or "none"')
    .option('--throughput <rps>', 'minimum throughput over the whole run in req/s, or "none"')
    .option('--pattern <type>', PATTERN_TYPES.join(' | '))
    .option('--peak <n>', 'expected peak: req/s (open) or virtual users (closed)')
    .option('--peak-source <text>', 'where the expected peak comes from')
    .option('--model <model>', 'open (arrival rate) | closed (virtual users)')
    .option('--name <text>', 'plan name')
    .option('--hypothesis <text>', 'what you expect to hold (default: a sentence from the numbers)')
    .option('-y, --yes', 'accept the defaults for every question not answered by a flag')
    .option('--force', 'overwrite the file if it exists')
    .addHelpText(
      'after',
      `
Questions not answered by flags are asked on a terminal; piped, stdin answers them one per line,
in this order (an empty line or the end of input takes the default):
${INIT_QUESTIONS.map((q, i) => `  ${String(i + 1).padStart(2)}. ${q.key.padEnd(13)} ${q.prompt}`).join('\n')}

Patterns:
${PATTERN_TYPES.map((p) => `  ${p.padEnd(11)} ${PATTERN_HELP[p]}`).join('\n')}

Examples:
  $ loadproof init
  $ loadproof init plan.yaml --target http://127.0.0.1:3000 --endpoint "GET /items" --p95 200 --pattern breakpoint --peak 300 --yes
  $ printf 'http://127.0.0.1:3000\\nGET /items, POST /items\\n' | loadproof init plan.yaml`,
    )
    .action(async (file: string, flags: InitFlags) => {
      const path = resolve(file);
      if (existsSync(path) && !flags.force) {
        throw badFlag('the file already exists', 'pass --force to overwrite it, or name another file', file);
      }
      const given = answersFromFlags(flags);
      const answers = await askTheRest(given, flags.yes === true, io);

      let schemaRef = relative(dirname(path), PLAN_JSON_SCHEMA_FILE);
      if (!schemaRef.startsWith('.') && !schemaRef.startsWith('/')) schemaRef = `./${schemaRef}`;
      const text = renderInitPlan(answers, { schemaRef });
      // What init writes must validate: a failure here is a bug in init, not the user's input.
      const check = parsePlanSafe(text, { file, env: {} });
      if (!check.ok) {
        throw new LoadproofError('LP_INTERNAL', `init produced an invalid plan: ${check.issues.map(formatPlanIssue).join('; ')}`);
      }
      writeFileSync(path, text, { flag: flags.force ? 'w' : 'wx' });
      io.out(`wrote ${file}\nnext: loadproof design ${file}   (then: loadproof run ${file})\n`);
      setExit(ExitCode.ok);
    });
}

function answersFromFlags(flags: InitFlags): Partial<InitAnswers> {
  const so: Partial<InitAnswers> = {};
  for (const q of INIT_QUESTIONS) {
    const { flag, read } = FLAG_OF[q.key];
    const text = read(flags);
    if (text === undefined) continue;
    const r = q.parse(text, so);
    if (!r.ok) throw badFlag(r.message, `see loadproof init --help`, flag);
    (so as Record<string, unknown>)[q.key] = r.value;
  }
  return so;
}

/** Asks what flags did not answer: defaults (--yes), a terminal, or piped lines. */
async function askTheRest(given: Partial<InitAnswers>, yes: boolean, io: Io): Promise<InitAnswers> {
  const so: Partial<InitAnswers> = { ...given };
  const open = INIT_QUESTIONS.filter((q) => so[q.key] === undefined);
  if (open.length === 0) return so as InitAnswers;
  const set = (q: InitQuestion, value: unknown): void => void ((so as Record<string, unknown>)[q.key] = value);
  const byDefault = (q: InitQuestion): void => {
    const r = q.parse(q.defaultText(so), so);
    if (!r.ok) throw new LoadproofError('LP_INTERNAL', `init: default for ${q.key} does not parse: ${r.message}`);
    set(q, r.value);
  };

  if (yes) {
    open.forEach(byDefault);
    return so as InitAnswers;
  }

  if (process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      io.err('loadproof init: the Step 1 questions. Press enter to take the [default].\n');
      for (const q of open) {
        if (q.help) io.err(`${q.help.join('\n')}\n`);
        for (;;) {
          const def = q.defaultText(so);
          const text = await rl.question(`${q.prompt} [${def}]: `);
          const r = q.parse(text.trim() === '' ? def : text, so);
          if (r.ok) {
            set(q, r.value);
            break;
          }
          io.err(`  ${r.message}\n`);
        }
      }
    } finally {
      rl.close();
    }
    return so as InitAnswers;
  }

  // Piped: one answer per line, in question order; blank or missing lines take the default.
  const lines = (await readStdin()).split(/\r?\n/);
  open.forEach((q, i) => {
    const text = lines[i]?.trim() ?? '';
    if (text === '') return byDefault(q);
    const r = q.parse(text, so);
    if (!r.ok) throw badFlag(r.message, `answer line ${i + 1} is "${q.prompt}"`, `stdin:${i + 1}`);
    set(q, r.value);
  });
  return so as InitAnswers;
}

/** All of stdin (piped answers are a few short lines; capped at 1 MiB). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > 1 << 20) throw badFlag('too much input on stdin for init answers', 'pipe one short answer per line', 'stdin');
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
