// Benchmark: a 24-hour run simulated through the engine's recording path (test/helpers/long-run.ts:
// Recorder → SecondCollector → mergeSecond → RunTotals, and the NDJSON log lines as run-session
// writes them; only the clock and the network are synthetic), then `analyze` and `report` — the real
// CLI — timed on its result.json. Goal: analyze and report < 2 s each on a quiet machine.
// Prints: result.json and run.ndjson sizes (total, first hour, per later hour), the simulation's
// time, and the commands' wall times with the load average when they ran.
// Needs `npm run build` first (it imports dist/). Run it with nothing else on the machine.
// Usage: node bench/long-run.mjs [--hours 24] [--rate 2000] [--keep DIR]
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulateRun } from '../dist/test/helpers/long-run.js';
import { renderJson } from '../dist/src/report/write.js';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const hours = Number(arg('hours', 24));
const rate = Number(arg('rate', 2000));
const keep = arg('keep', null);
const out = keep ?? mkdtempSync(join(tmpdir(), 'lp-bench-long-'));
mkdirSync(out, { recursive: true });
const mb = (b) => +(b / 1024 / 1024).toFixed(2);
const load = () => loadavg().map((x) => +x.toFixed(2));

try {
  const seconds = Math.round(hours * 3600);
  const logFile = join(out, 'run.ndjson');
  const fd = openSync(logFile, 'w');
  const t0 = performance.now();
  let sim;
  try {
    sim = simulateRun({ seconds, ratePerSec: rate, logFd: fd });
  } finally {
    closeSync(fd);
  }
  const simulateSec = +((performance.now() - t0) / 1000).toFixed(1);
  const resultFile = join(out, 'result.json');
  const json = renderJson(sim.result);
  writeFileSync(resultFile, json);
  // the timeline's points (with their histograms) are what grows with the run's length
  const pointBytes = (keep) => sim.result.timeline.filter((p) => keep(p.t)).reduce((a, p) => a + JSON.stringify(p, null, 2).length, 0);
  const firstHourResult = pointBytes((t) => t < 3600);
  const laterResult = pointBytes((t) => t >= 3600);
  const laterHours = Math.max(0, hours - 1);

  const time = (args) => {
    const before = load();
    const t = performance.now();
    const r = spawnSync(process.execPath, [join(here, '../bin/loadproof.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    const sec = +((performance.now() - t) / 1000).toFixed(2);
    if (r.status === 2 || r.status === 5 || r.status === null) throw new Error(`${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
    return { sec, loadavgBefore: before };
  };
  const analyze = time(['analyze', resultFile, '--json']);
  const reportHtml = time(['report', resultFile, '--format', 'html', '-o', join(out, 'report.html')]);
  const reportMd = time(['report', resultFile, '--format', 'md', '-o', join(out, 'report.md')]);
  const analyzeLog = time(['analyze', logFile, '--json']);

  console.log(
    JSON.stringify({
      hours,
      rate,
      requests: sim.result.summary.requests,
      timelinePoints: sim.result.timeline.length,
      simulateSec,
      resultJsonMb: mb(statSync(resultFile).size),
      resultTimelineFirstHourMb: mb(firstHourResult),
      resultTimelineMbPerLaterHour: laterHours ? mb(laterResult / laterHours) : null,
      runNdjsonMb: mb(statSync(logFile).size),
      runNdjsonMbPerHour: mb(sim.logBytesFirstHour / Math.min(1, hours)),
      analyzeSec: analyze.sec,
      reportHtmlSec: reportHtml.sec,
      reportMdSec: reportMd.sec,
      analyzeFromLogSec: analyzeLog.sec,
      loadavg: analyze.loadavgBefore,
      loadavgEnd: load(),
    }),
  );
} finally {
  if (!keep) rmSync(out, { recursive: true, force: true });
}
