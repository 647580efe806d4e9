/**
 * The "Compared with baseline" section of report.html in real headless Chromium (Debian's
 * /usr/bin/chromium through playwright-core, launched as report-html.test.ts does): the verdict and
 * the difference table are shown, both runs' latency is drawn on one chart (pixels of both series'
 * colours read back from its canvas), the trend chart is drawn, a hostile endpoint name stays text,
 * no console error and no request but the file. A screenshot is kept in test-artifacts/.
 *
 * Skips, saying why, only when /usr/bin/chromium is absent (.ci/run installs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { analyze } from '../../src/analysis/analyze.js';
import { compareRuns } from '../../src/history/compare.js';
import { runRecordOf } from '../../src/history/run-record.js';
import { overallSecondsOf } from '../../src/history/seconds.js';
import { writeReports } from '../../src/report/write.js';
import type { Result } from '../../src/result/types.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { buildResult, simulate, type Stage } from '../helpers/synthetic-results.js';

interface BrowserCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
interface BrowserElement {
  getAttribute(name: string): string | null;
  querySelector(selector: string): BrowserCanvas | null;
}
declare const document: { querySelector(selector: string): BrowserElement | null; documentElement: BrowserElement };
declare const window: { __pwned?: number };

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(REPO_ROOT, 'test-artifacts');
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (.ci/run installs the chromium package)`;
const HOSTILE = '<img src=x onerror="window.__pwned=1">';

function service(baseMs: number, seed: number, sec: number): Result {
  const stages: Stage[] = [{ durationSec: sec, target: 60 }];
  const sim = simulate({ stages, servers: Infinity, seed, request: (_t, _r, rnd) => ({ serviceMs: baseMs * (0.8 + 0.4 * rnd()) }) });
  const r = analyze(buildResult(sim, stages, { name: 'checkout', pattern: 'load' }));
  r.endpoints = [{ name: `GET /cart ${HOSTILE}`, method: 'GET', requests: r.summary.requests, errors: 0, errorRate: 0, statusCodes: { '200': r.summary.requests }, latencyMs: r.summary.latencyMs }];
  return r;
}

test('report.html: the comparison section shows the verdict and table and draws both runs and the trend', { skip, timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'loadproof-html-baseline-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const a = service(20, 1, 30);
  const b = service(30, 2, 30);
  const comparison = compareRuns(
    { record: runRecordOf(a, { id: 7 }), seconds: { overall: overallSecondsOf(a), endpoints: {} }, label: 'previous (#7)' },
    { record: runRecordOf(b, {}), seconds: { overall: overallSecondsOf(b), endpoints: {} }, label: 'this run' },
    { replicates: 200 },
  );
  assert.equal(comparison.verdict, 'regression');
  const result: Result = {
    ...b,
    baseline: comparison,
    trend: [5, 6, 7].map((id, i) => ({ id, startedAt: `2026-01-0${i + 1}T00:00:00Z`, verdict: 'pass', p95Ms: 22 + i, throughputRps: 60, errorRate: 0, capacityRps: null })),
  };
  result.trend!.push({ id: null, startedAt: b.startedAt, verdict: 'pass', p95Ms: b.summary.latencyMs.p95, throughputRps: 60, errorRate: 0, capacityRps: null, current: true });

  const { html } = await writeReports(result, dir);
  const url = pathToFileURL(html).href;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    timeout: 60_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  await page.waitForFunction(() => document.documentElement.getAttribute('data-charts') !== null, undefined, { timeout: 30_000 });
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(requests, [url]);

  const section = page.locator('section#baseline');
  assert.equal(await section.locator('h2').innerText(), 'Compared with baseline');
  assert.match(await section.locator('p.comparison-verdict').innerText(), /^regression: Regression: p50 \+\d/);
  // the difference table: the run as a whole, then the endpoint (its hostile name as text)
  const rows = await section.locator('table.deltas tbody tr').allInnerTexts();
  const p50 = rows.find((r) => r.startsWith('overall\tp50'));
  assert.ok(p50 && /\+\d+(\.\d+)?%\t\[\+\d/.test(p50) && p50.endsWith('worse'), p50);
  assert.ok(rows.some((r) => r.startsWith(`GET /cart ${HOSTILE}\tp95`)), rows.join('\n'));
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('img').count(), 0);

  // both charts drawn; the comparison chart holds both runs' lines (grey dashed A, blue B)
  for (const id of ['baseline-latency', 'trend']) {
    assert.equal(await page.getAttribute(`figure[data-chart="${id}"]`, 'data-drawn'), 'true', id);
  }
  const colours = await page.evaluate(() => {
    const canvas = document.querySelector('figure[data-chart="baseline-latency"]')!.querySelector('canvas')!;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let grey = 0;
    let blue = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3]! < 200) continue;
      const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
      if (Math.abs(r - 0x77) < 12 && Math.abs(g - 0x77) < 12 && Math.abs(b - 0x77) < 12) grey++;
      if (r < 30 && Math.abs(g - 0x72) < 25 && Math.abs(b - 0xb2) < 25) blue++;
    }
    return { grey, blue };
  });
  assert.ok(colours.grey > 50 && colours.blue > 50, JSON.stringify(colours));
  const legend = await page.locator('figure[data-chart="baseline-latency"] .u-legend .u-label').allInnerTexts();
  assert.deepEqual(legend.slice(1), ['A previous (#7) p95', 'B this run p95']);
  const trendLegend = await page.locator('figure[data-chart="trend"] .u-legend .u-label').allInnerTexts();
  assert.deepEqual(trendLegend, ['run', 'p95']);

  // the section comes right after the summary, before the charts over time
  const order = await page.locator('h2').allInnerTexts();
  assert.ok(order.indexOf('Compared with baseline') === order.indexOf('Results Summary') + 1, order.join(' | '));

  mkdirSync(ARTIFACTS, { recursive: true });
  await section.screenshot({ path: join(ARTIFACTS, 'report-baseline.png') });
  await page.close();
});
