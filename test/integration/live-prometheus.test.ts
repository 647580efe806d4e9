/**
 * `run --metrics` scraped by a real Prometheus (the Debian package; .ci/run installs it): a short
 * quick run at 100 req/s against a local 3 ms sleep, Prometheus scraping every second with its own
 * config and data folder, then what Prometheus stored is compared with result.json.
 *
 * The CLI waits after the run for one more scrape (it saw a scraper), so the stored counters hold
 * the final figures: `loadproof_run_finished` reached 1 in Prometheus.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnLive, startTarget } from '../helpers/live.js';
import type { Result } from '../../src/result/types.js';
import { BUCKETS_SEC } from '../../src/live/prometheus.js';
import { REPO_ROOT } from '../helpers/cli.js';

const hasPrometheus = spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status === 0;
const skip = hasPrometheus ? false : 'prometheus is not installed (.ci/run installs the prometheus package)';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function queryAll(base: string, q: string, atSec?: number): Promise<Array<{ value: [number, string] }>> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}${atSec !== undefined ? `&time=${atSec}` : ''}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: Array<{ value: [number, string] }> } };
  assert.equal(body.status, 'success', `${q}: ${body.error ?? ''}`);
  return body.data.result;
}

async function query(base: string, q: string): Promise<number | null> {
  const v = (await queryAll(base, q))[0]?.value[1];
  return v === undefined ? null : Number(v);
}

test('a real Prometheus scraping run --metrics stores what result.json says', { skip, timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'loadproof-prom-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const target = await startTarget(3);
  t.after(() => target.close());
  const out = join(dir, 'out');
  const cli = spawnLive(['quick', `${target.url}/`, '-R', '100', '-d', '8s', '--metrics', '--out', out]);
  t.after(() => cli.child.kill('SIGKILL'));
  const m = await cli.waitFor(/Prometheus metrics: http:\/\/(127\.0\.0\.1:\d+)\/metrics/);

  const promPort = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n  - job_name: loadproof\n    static_configs:\n      - targets: ['${m[1]}']\n`);
  const prom = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' });
  t.after(() => prom.kill('SIGTERM'));
  const base = `http://127.0.0.1:${promPort}`;

  const code = await cli.exited;
  assert.ok(code !== null && code !== 2 && code !== 5, `exit ${code}: ${cli.stderr()}`);
  assert.match(cli.stderr(), /waiting for a last scrape/);
  const r = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as Result;

  // Stale markers follow the CLI's exit; range functions read the last stored value.
  const W = '[10m]';
  assert.equal(await query(base, `max_over_time(loadproof_run_finished${W})`), 1, 'the final figures were scraped');
  assert.equal(await query(base, `sum(last_over_time(loadproof_http_reqs_total${W}))`), r.summary.requests, 'requests');
  const timed = Object.values(r.summary.statusCodes ?? {}).reduce((a, b) => a + b, 0);
  assert.equal(await query(base, `sum(last_over_time(loadproof_http_req_duration_seconds_count${W}))`), timed, 'timed responses');
  assert.equal(await query(base, `sum(last_over_time(loadproof_http_reqs_total{status="200"}${W}))`), r.summary.statusCodes?.["200"] ?? 0, 'status 200');
  assert.equal(await query(base, `last_over_time(loadproof_dropped_iterations_total${W})`), r.summary.dropped ?? 0, 'dropped');
  assert.equal(await query(base, `max_over_time(loadproof_offered_rate${W})`), 100, 'offered rate');
  const cap = r.analysis?.capacity.maxSustainableRps ?? null;
  assert.equal(await query(base, `last_over_time(loadproof_capacity_max_sustainable_rps${W})`), cap, 'capacity');
  assert.equal(await query(base, `sum(last_over_time(loadproof_phase${W}))`), 1, 'exactly one phase is current');
  const phase = r.analysis?.phases.collapse ? 'collapse' : r.analysis?.phases.knee ? 'knee' : r.analysis?.phases.linearUntilRps != null ? 'linear' : 'unknown';
  assert.equal(await query(base, `last_over_time(loadproof_phase{phase="${phase}"}${W})`), 1, `the final phase (${phase})`);

  // The p95 Prometheus interpolates lies in the classic bucket that holds the result's p95.
  const p95 = await query(base, `histogram_quantile(0.95, sum by (le) (last_over_time(loadproof_http_req_duration_seconds_bucket${W})))`);
  const p95Sec = (r.summary.latencyMs.p95 ?? 0) / 1000;
  const upper = BUCKETS_SEC.find((b) => b >= p95Sec) ?? Infinity;
  const lower = [...BUCKETS_SEC].reverse().find((b) => b < p95Sec) ?? 0;
  assert.ok(p95 !== null && p95 >= lower && p95 <= upper, `Prometheus p95 ${p95}s, result p95 ${p95Sec}s in bucket (${lower}, ${upper}]`);

  // The shipped Grafana dashboard's queries are valid PromQL and find this run's series (the ones
  // that cannot exist here, e.g. VUs of the closed model, may come back empty).
  const dash = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/grafana/loadproof-live.json'), 'utf8')) as {
    panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  };
  const mustHaveData = ['Offered vs achieved rate', 'Latency p50 / p95 / p99 (from the intended start)', 'Requests by status (0 = no response)', 'p95 by endpoint', 'Phase (provisional until the run ends)'];
  // the end of the run, over windows as long as the run: a busy machine may miss a scrape or two
  const during = Date.parse(r.startedAt) / 1000 + r.durationSec;
  for (const panel of dash.panels) {
    let found = 0;
    for (const target of panel.targets) {
      const expr = target.expr.replaceAll('$__rate_interval', '30s').replaceAll('$instance', '.*');
      found += (await queryAll(base, expr, during)).length;
    }
    if (mustHaveData.includes(panel.title)) assert.ok(found > 0, `Grafana panel "${panel.title}" finds data`);
  }
});
