import type { Command } from 'commander';
import type { Io } from '../io.js';
import type { SetExit } from './index.js';
import { PlanSchema, HTTP_METHODS, type Plan, type PlanInput } from '../../plan/schema.js';
import { parseDurationMs, parseRatePerSec } from '../../plan/units.js';
import { badFlag } from '../../errors.js';
import { runSession } from '../run-session.js';
import { addHistoryOptions, startHistory } from './history-flags.js';
import { addLiveOptions, startLive, type LiveFlags } from '../live.js';
import { isSecretHeader } from '../../engine/redact.js';
import { parseWorkersFlag, parseSeedFlag } from '../engine-flags.js';

interface QuickFlags extends LiveFlags {
  connections: string;
  duration: string;
  rate?: string;
  method: string;
  header?: string[];
  body?: string;
  json?: boolean;
  out?: string;
  workers?: string;
  seed?: string;
  timeout?: string;
  history?: string | false;
  /** speak HTTP/2: ALPN h2 on https, cleartext h2c on http */
  http2?: boolean;
  /** accept any TLS certificate */
  insecure?: boolean;
}

/**
 * The plan `quick` runs, built in memory: one scenario, one request.
 *   without -R: a closed loop of `-c` VUs with no think time, each on its own connection (wrk, hey);
 *   with -R:    the open model at R arrivals/s from the first second, over at most `-c`
 *               connections (wrk2's -R): when all are busy a request waits and the wait counts.
 * A body without a content-type header is sent as application/json when it parses as JSON, else
 * as text/plain.
 */
export function quickPlan(url: string, f: QuickFlags): { plan: Plan; secrets: string[] } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badFlag(`"${url}" is not a URL`, 'write e.g. http://127.0.0.1:3000/items', '<url>');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw badFlag(`unsupported protocol ${u.protocol}`, 'use http:// or https://', '<url>');
  const conns = Number(f.connections);
  if (!Number.isInteger(conns) || conns < 1) throw badFlag(`-c ${f.connections} is not a positive whole number`, 'write e.g. -c 50', '-c');
  const durationMs = parseDurationMs(f.duration);
  if (durationMs === undefined || durationMs <= 0) throw badFlag(`-d ${f.duration} is not a duration`, 'write e.g. -d 30s or -d 2m', '-d');
  let rate: number | undefined;
  if (f.rate !== undefined) {
    rate = parseRatePerSec(f.rate);
    if (rate === undefined || rate <= 0) throw badFlag(`-R ${f.rate} is not a rate`, 'write e.g. -R 1000 (requests per second)', '-R');
  }
  const method = f.method.toLowerCase();
  if (!(HTTP_METHODS as readonly string[]).includes(method)) {
    throw badFlag(`-m ${f.method} is not a method loadproof sends`, `use one of ${HTTP_METHODS.map((m) => m.toUpperCase()).join(', ')}`, '-m');
  }
  const headers: Record<string, string> = {};
  for (const h of f.header ?? []) {
    const i = h.indexOf(':');
    if (i <= 0) throw badFlag(`-H "${h}" is not a header`, "write e.g. -H 'Authorization: Bearer xyz'", '-H');
    headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  let timeoutMs = 10_000;
  if (f.timeout !== undefined) {
    const t = parseDurationMs(f.timeout);
    if (t === undefined || t <= 0) throw badFlag(`--timeout ${f.timeout} is not a duration`, 'write e.g. --timeout 5s', '--timeout');
    timeoutMs = t;
  }
  if (f.body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
    let isJson = false;
    try {
      JSON.parse(f.body);
      isJson = true;
    } catch {
      isJson = false;
    }
    headers['Content-Type'] = isJson ? 'application/json' : 'text/plain';
  }
  const path = `${u.pathname}${u.search}`;
  const stages = [
    { duration: 0, target: rate ?? conns },
    { duration: durationMs, target: rate ?? conns },
  ];
  const input: PlanInput = {
    name: `quick ${method.toUpperCase()} ${u.origin}${path}`,
    target: u.origin,
    load: rate !== undefined ? { model: 'open', stages, connections: conns } : { model: 'closed', stages },
    defaults: { timeout: timeoutMs, headers, ...(f.insecure ? { insecure: true } : {}) },
    ...(f.http2 ? { http: { version: '2' } } : {}),
    scenarios: [{ name: 'quick', flow: [{ [method]: path, ...(f.body !== undefined ? { body: f.body } : {}) }] }],
  };
  const parsed = PlanSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badFlag(`cannot build a plan from these flags: ${issue?.message ?? 'invalid'}`, 'check the URL and flags', issue?.path.join('.'));
  }
  // secret header values (Authorization, X-Api-Key, …) are scrubbed from everything written
  return { plan: parsed.data, secrets: Object.entries(headers).filter(([k]) => isSecretHeader(k)).map(([, v]) => v) };
}

export function register(program: Command, io: Io, setExit: SetExit): void {
  const cmd = program
    .command('quick')
    .argument('<url>', 'the one endpoint to test')
    .option('-c, --connections <n>', 'connections (closed loop: one VU each)', '50')
    .option('-d, --duration <d>', 'duration', '30s')
    .option('-R, --rate <n>', 'fixed arrival rate per second (open model); without it, closed loop')
    .option('-m, --method <m>', 'HTTP method', 'GET')
    .option('-H, --header <h...>', "header 'k: v' (repeatable)")
    .option('-b, --body <text>', 'request body')
    .option('--timeout <d>', 'request timeout', '10s')
    .option('--json', 'print the result document on stdout, nothing else')
    .option('--out <dir>', 'results folder (default: loadproof-results/quick-…-<date-time>)')
    .option('--workers <n>', 'load worker threads (default 1)')
    .option('--seed <n>', 'seed for random values')
    .option('--http2', 'speak HTTP/2 (h2 through ALPN on https://, cleartext h2c on http://); -c is then h2 sessions with -R, VUs multiplexed on one session without')
    .option('-k, --insecure', 'accept any TLS certificate (test environments)')
    .description('a one-endpoint test in the spirit of wrk/hey/ab');
  addHistoryOptions(addLiveOptions(cmd))
    .addHelpText('after', `\nExamples:\n  $ loadproof quick http://127.0.0.1:8080/ -c 50 -d 30s\n  $ loadproof quick http://127.0.0.1:8080/api -R 2000 -d 1m\n  $ loadproof quick http://127.0.0.1:8080/items -m POST -H 'content-type: application/json' -b '{"name":"x"}'\n\nWithout -R the test is a closed loop of -c connections with no think time (like wrk); with -R it is\nan open model at that arrival rate, latency measured from the intended send time (like wrk2).\n`)
    .action(async (url: string, flags: QuickFlags) => {
      const workers = parseWorkersFlag(flags.workers);
      const seed = parseSeedFlag(flags.seed);
      const { plan, secrets } = quickPlan(url, flags);
      const history = await startHistory(io, { history: flags.history }, { command: 'run', planName: plan.name });
      const live = await startLive(flags, io);
      try {
        const out = await runSession({ plan, io, json: Boolean(flags.json), out: flags.out, workers, seed, secrets, finish: history.hooks, live: live?.feed });
        setExit(out.exitCode);
      } finally {
        await live?.close();
        await history.close();
      }
    });
}
