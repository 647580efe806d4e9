// Calibration of `compare` / `run --baseline` (src/history/compare.ts): how often does it call a
// regression when nothing changed (A/A), and how often does it detect a service made 10% and 30%
// slower per request (A/B)? Every run goes through the real engine (the CLI, spawned) against a local
// service whose cost is a sleep of BASE ms × a uniform jitter in [0.8, 1.2], times a slowdown factor
// set through a control URL between runs (the target, and so the plan, stays the same).
//
// For pair i the runs are interleaved A, A', B10, B30 (so slow drift of the machine hits every arm
// alike); A/A compares A with A', A/B compares A with B10 and with B30. Runs whose result is invalid
// (e.g. the generator fell behind on a busy machine) give no verdict and are counted apart.
//
// Each comparison is judged twice: "within-run" (no history: the block bootstrap alone) and "with
// history" (the intervals widened by the run-to-run spread of the earlier unchanged runs, as
// `run --baseline` does with the plan's history; the first pairs have too few and count as
// within-run).
//
// Usage: node bench/history-calibration.mjs [--pairs 20] [--seconds 3] [--rate 60] [--base-ms 20] [--min-effect 0.05]
//          [--keep DIR]     keep the runs' folders in DIR (r1, r2, …: A, A', B+10%, B+30% of pair 1, …)
//          [--from DIR]     re-judge runs kept earlier instead of running (no load is sent)
// Needs the build (npm run build). About pairs × 4 × (seconds + 1.5) s: ~6 min with the defaults.
// Figures are only meaningful on a quiet machine: the load average is printed before and after.
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const { compareRuns } = await import(join(root, 'dist/src/history/compare.js'));
const { runRecordOf } = await import(join(root, 'dist/src/history/run-record.js'));
const { runSecondsOf } = await import(join(root, 'dist/src/history/seconds.js'));

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const pairs = Number(arg('pairs', 20));
const seconds = Number(arg('seconds', 3));
const rate = Number(arg('rate', 60));
const baseMs = Number(arg('base-ms', 20));
const minEffect = Number(arg('min-effect', 0.05));
const keep = arg('keep', undefined);
const from = arg('from', undefined);

// The service runs in a child process so that its timers do not share an event loop with this script.
const serviceSrc = `
  import { createServer } from 'node:http';
  let factor = 1;
  const s = createServer((req, res) => {
    if (req.url.startsWith('/__factor')) { factor = Number(new URL(req.url, 'http://x').searchParams.get('f')); res.end('ok'); return; }
    setTimeout(() => res.end('ok'), ${baseMs} * factor * (0.8 + 0.4 * Math.random()));
  });
  s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;
const service = from ? null : spawn(process.execPath, ['--input-type=module', '-e', serviceSrc], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = service ? await new Promise((resolve) => service.stdout.once('data', (d) => resolve(Number(String(d).trim())))) : 0;
const setFactor = (f) =>
  new Promise((resolve, reject) => {
    get(`http://127.0.0.1:${port}/__factor?f=${f}`, (res) => {
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  });

const dir = from ?? keep ?? mkdtempSync(join(tmpdir(), 'lp-calibration-'));
if (keep) mkdirSync(keep, { recursive: true });
const plan = join(dir, 'plan.yaml');
if (!from) {
  writeFileSync(
    plan,
    `name: calibration
hypothesis: the service answers in about ${baseMs} ms
target: http://127.0.0.1:${port}
load:
  model: open
  stages:
    - { duration: 0s, target: ${rate} }
    - { duration: ${seconds}s, target: ${rate} }
thresholds:
  http_req_duration: ["p(95)<5000"]
scenarios:
  - name: a
    flow:
      - get: /work
`,
  );
}

let runNo = 0;
const readRun = (out, factor) => {
  const file = join(out, 'result.json');
  const result = JSON.parse(readFileSync(file, 'utf8'));
  return { record: runRecordOf(result, { id: runNo, resultPath: file }), seconds: runSecondsOf(result, file), label: `r${runNo} ×${factor}`, valid: result.verdict !== 'invalid' };
};
/** One run through the CLI (or read back with --from); resolves to a comparable run. */
function run(factor) {
  const out = join(dir, `r${++runNo}`);
  if (from) return Promise.resolve(readRun(out, factor));
  return new Promise((resolve, reject) => {
    setFactor(factor).then(() => {
      const child = spawn(process.execPath, [join(root, 'bin/loadproof.js'), 'run', plan, '--out', out, '--no-history'], { stdio: ['ignore', 'ignore', 'ignore'] });
      child.on('error', reject);
      child.on('exit', () => resolve(readRun(out, factor)));
    }, reject);
  });
}

const tally = () => ({ regression: 0, improvement: 0, none: 0, noVerdict: 0, reasons: {} });
const ARMS = ['A/A', 'A/B +10%', 'A/B +30%'];
const arms = { 'within-run': Object.fromEntries(ARMS.map((a) => [a, tally()])), 'with history': Object.fromEntries(ARMS.map((a) => [a, tally()])) };
const count = (method, arm, c) => {
  const t = arms[method][arm];
  if (c.verdict === 'regression') t.regression++;
  else if (c.verdict === 'improvement') t.improvement++;
  else if (c.verdict === 'no significant change') t.none++;
  else {
    t.noVerdict++;
    for (const r of c.reasons) t.reasons[r] = (t.reasons[r] ?? 0) + 1;
  }
};

const started = Date.now();
const loadBefore = loadavg();
console.error(`calibration: ${pairs} pairs, ${seconds}s runs at ${rate} req/s, service ${baseMs} ms, min effect ${minEffect * 100}%; load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);
try {
  /** the unchanged (×1) runs so far: the "history of the baseline version" */
  const unchanged = [];
  for (let i = 0; i < pairs; i++) {
    const a = await run(1);
    const a2 = await run(1);
    const b10 = await run(1.1);
    const b30 = await run(1.3);
    const history = unchanged.slice(-20).map((r) => r.record);
    for (const [arm, b] of [['A/A', a2], ['A/B +10%', b10], ['A/B +30%', b30]]) {
      count('within-run', arm, compareRuns(a, b, { minEffect }));
      count('with history', arm, compareRuns(a, b, { minEffect, history }));
    }
    unchanged.push(a, a2);
    const line = (m) => ARMS.map((k) => `${k} ${arms[m][k].regression}R/${arms[m][k].none}N/${arms[m][k].improvement}I/${arms[m][k].noVerdict}-`).join('  ');
    console.error(`  pair ${i + 1}/${pairs}: within-run ${line('within-run')} | with history ${line('with history')}`);
  }
} finally {
  service?.kill();
  if (!keep && !from) rmSync(dir, { recursive: true, force: true });
}
const loadAfter = loadavg();
const rate_ = (t) => {
  const judged = t.regression + t.improvement + t.none;
  return judged ? `${t.regression}/${judged} = ${((100 * t.regression) / judged).toFixed(1)}%` : 'n/a';
};
const report = {
  pairs,
  runSeconds: seconds,
  rateRps: rate,
  serviceMs: baseMs,
  minEffect,
  elapsedSec: Math.round((Date.now() - started) / 1000),
  loadAverageBefore: loadBefore.map((x) => Number(x.toFixed(2))),
  loadAverageAfter: loadAfter.map((x) => Number(x.toFixed(2))),
  arms,
  figures: Object.fromEntries(
    Object.entries(arms).map(([m, a]) => [m, { falseRegressionRate: rate_(a['A/A']), detected10: rate_(a['A/B +10%']), detected30: rate_(a['A/B +30%']) }]),
  ),
};
console.log(JSON.stringify(report, null, 2));
for (const [m, f] of Object.entries(report.figures)) {
  console.error(`${m}: false-regression rate (A/A) ${f.falseRegressionRate}; detected +10%: ${f.detected10}; detected +30%: ${f.detected30}`);
}
