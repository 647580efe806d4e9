// Benchmark 2: open-model accuracy at 5,000 and 10,000 req/s for 20 s against nginx (generator on
// CPU 0, nginx on CPU 1): achieved rate vs target, send-lag p99, and the pacer's precise-wait
// window compared (spinUs 0 = timers only, the default 1500).
// Usage: node bench/accuracy.mjs [--seconds 20] [--rates 5000,10000] [--spins 0,1500] [--rounds 3] [--gen-cpu 0]
import { spawn } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNginx } from './lib/targets.mjs';
import { median, loadAvg } from './lib/measure.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const seconds = Number(arg('seconds', 20));
const rates = arg('rates', '5000,10000').split(',').map(Number);
const spins = arg('spins', '0,1500').split(',').map(Number);
const rounds = Number(arg('rounds', 3));
// the generator's CPUs: "0" (default, the benchmark's condition), or e.g. "0,1" to see what sharing one core costs
const genCpu = arg('gen-cpu', '0');

// one run in a child pinned to CPU 0, through the library API so the pacer's window can be set
const child = (url, rate, spinUs) =>
  new Promise((resolve, reject) => {
    const src = `
      import { parsePlan } from ${JSON.stringify(join(here, '../dist/src/plan/parse.js'))};
      import { startRun } from ${JSON.stringify(join(here, '../dist/src/engine/runner.js'))};
      const plan = parsePlan(\`
name: accuracy
target: ${url}
load: { model: open, connections: 50, stages: [{ duration: 0s, target: ${rate} }, { duration: ${seconds}s, target: ${rate} }] }
scenarios: [{ name: a, flow: [{ get: / }] }]
\`);
      const o = await startRun({ plan, spinUs: ${spinUs} }).done;
      const s = o.totals.summary(o.durationSec, 'intended');
      // achieved over the schedule's own span: arrivals sent / scheduled duration
      const ru = process.resourceUsage();
      console.log(JSON.stringify({ preemptions: ru.involuntaryContextSwitches, requests: s.requests, durationSec: o.durationSec, errors: s.errors, lagP50: s.sendLagMs.p50, lagP99: s.sendLagMs.p99, lagMax: s.sendLagMs.max, latP99: s.latencyMs.p99, cpu: o.totals.cpuStats() }));
    `;
    const nice = process.env.BENCH_NICE ? ['nice', '-n', process.env.BENCH_NICE] : [];
    const [cmd, ...args] = [...nice, 'taskset', '-c', genCpu, process.execPath, '--input-type=module', '-e', src];
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    c.on('close', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)));
      } catch (e) {
        reject(e);
      }
    });
  });

const target = await startNginx({ cpu: 1 });
const rows = [];
try {
  for (const rate of rates) {
    for (const spinUs of spins) {
      const runs = [];
      for (let r = 0; r < rounds; r++) {
        const la = loadAvg()[0];
        const m = await child(target.url, rate, spinUs);
        // per-second rate over the scheduled span: every arrival is sent, so the check is timing
        const achieved = m.requests / seconds;
        runs.push({ ...m, achieved, load1: la });
        console.error(`rate ${rate} spin ${spinUs}µs round ${r + 1}: sent ${m.requests} (${(achieved / rate * 100).toFixed(2)}%), completed in ${m.durationSec.toFixed(3)}s, lag p50 ${m.lagP50} p99 ${m.lagP99} max ${m.lagMax} ms, preempted ${m.preemptions}×, CPU ${JSON.stringify(m.cpu)}, load ${la}`);
      }
      rows.push({
        rate,
        spinUs,
        achievedPct: +(median(runs.map((x) => x.achieved)) / rate * 100).toFixed(2),
        spanSec: +median(runs.map((x) => x.durationSec)).toFixed(3),
        lagP50Ms: median(runs.map((x) => x.lagP50)),
        lagP99Ms: median(runs.map((x) => x.lagP99)),
        lagP99Range: `${Math.min(...runs.map((x) => x.lagP99))}–${Math.max(...runs.map((x) => x.lagP99))}`,
        latP99Ms: median(runs.map((x) => x.latP99)),
        cpuMeanPct: median(runs.map((x) => x.cpu?.mean ?? 0)),
        preemptionsPerSec: Math.round(median(runs.map((x) => x.preemptions)) / seconds),
      });
    }
  }
} finally {
  await target.stop();
}
console.table(rows);
console.log(JSON.stringify(rows));
