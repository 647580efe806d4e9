/**
 * report.html in a real headless Chromium (Debian's /usr/bin/chromium driven by playwright-core):
 * no console errors, no network request but the file itself, every chart's canvas drawn (pixels
 * read back: not blank, more than one colour), hostile names shown as text with their scripts
 * never run, readable when printed; a screenshot is kept in test-artifacts/report.png.
 *
 * Skips, saying why, only when /usr/bin/chromium is absent (.ci/run installs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildCharts } from '../../src/report/charts.js';
import { writeReports } from '../../src/report/write.js';
import type { Result } from '../../src/result/types.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { HOSTILE, hostileResult, loadResultFixture } from '../helpers/result-fixtures.js';

// Browser globals for the callbacks given to page.evaluate (they run in Chromium, not Node).
// Declared module-local with just what the test reads, so the DOM lib does not leak into the build.
interface BrowserElement {
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  querySelector(selector: string): BrowserCanvas | null;
  textContent: string | null;
}
interface BrowserCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
declare const document: {
  querySelectorAll(selector: string): ArrayLike<BrowserElement>;
  documentElement: BrowserElement;
  body: BrowserElement;
};
declare const window: { __pwned?: number };
declare function getComputedStyle(el: BrowserElement): { backgroundColor: string; color: string; breakBefore: string };

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(REPO_ROOT, 'test-artifacts');
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (.ci/run installs the chromium package)`;

interface Opened {
  page: Page;
  consoleErrors: string[];
  requests: string[];
  url: string;
}

async function open(browser: Browser, result: Result, dir: string): Promise<Opened> {
  const { html } = await writeReports(result, dir);
  const url = pathToFileURL(html).href;
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  // The client script marks the page once every chart is created and laid out.
  await page.waitForFunction(() => document.documentElement.hasAttribute('data-charts'), undefined, { timeout: 30_000 });
  return { page, consoleErrors, requests, url };
}

/** For every canvas: how many pixels are painted and how many distinct colours they use. */
async function canvasStats(page: Page): Promise<Array<{ chart: string; painted: number; colours: number; total: number }>> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('figure.chart')).map((fig) => {
      const canvas = fig.querySelector('canvas');
      if (!canvas) return { chart: fig.getAttribute('data-chart') ?? '?', painted: 0, colours: 0, total: 0 };
      const ctx = canvas.getContext('2d');
      if (!ctx) return { chart: fig.getAttribute('data-chart') ?? '?', painted: 0, colours: 0, total: 0 };
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      let painted = 0;
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! === 0) continue;
        painted++;
        if (colours.size < 64) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      }
      return { chart: fig.getAttribute('data-chart') ?? '?', painted, colours: colours.size, total: data.length / 4 };
    }),
  );
}

test('report.html opens offline in Chromium, draws every chart and keeps hostile text inert', { skip, timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'loadproof-html-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    timeout: 60_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  t.after(() => browser.close());

  const result = hostileResult();
  const expectedCharts = buildCharts(result);
  const chartCount = expectedCharts.run.length + expectedCharts.load.length + expectedCharts.watch.length;
  const { page, consoleErrors, requests, url } = await open(browser, result, join(dir, 'hostile'));

  assert.deepEqual(consoleErrors, [], 'no console errors or warnings (a blocked script or fetch would show here)');
  assert.deepEqual(requests, [url], 'the only request is the file itself');

  // Every chart exists, was drawn, and its canvas holds a picture: painted pixels in several colours.
  assert.equal(await page.getAttribute('html', 'data-charts'), String(chartCount));
  assert.ok(chartCount >= 8, `expected the run, load and watch charts, got ${chartCount}`);
  const drawn = await page.evaluate(() => Array.from(document.querySelectorAll('figure.chart')).map((f) => f.getAttribute('data-drawn')));
  assert.deepEqual(drawn, Array(chartCount).fill('true'));
  for (const s of await canvasStats(page)) {
    // Axes, grid, bands and lines: well over 1% of a chart's pixels are painted. A blank canvas has 0.
    assert.ok(s.painted > s.total * 0.01, `${s.chart}: only ${s.painted} of ${s.total} pixels painted`);
    assert.ok(s.colours > 1, `${s.chart}: one colour only`);
  }

  // Hostile text: never ran (neither the <script> nor the onerror), and is shown as characters.
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('script:not([type]), script[type="text/javascript"]').count(), 2, 'only uPlot and the report script');
  assert.equal(await page.locator('img').count(), 0, 'no injected <img>');
  const title = await page.locator('h1').innerText();
  assert.equal(title, `Load Test Report — ${HOSTILE} plan 2025-06-16`);
  assert.ok(await page.getByText(`${HOSTILE} holds`).isVisible(), 'the hostile hypothesis is visible as text');
  const legend = await page.locator('.u-legend .u-label', { hasText: `prometheus.prom.${HOSTILE}` }).count();
  assert.equal(legend, 1, 'the hostile series name appears as a legend label');

  // The content is all there: the sections of the Markdown report, in order.
  const headings = await page.evaluate(() => Array.from(document.querySelectorAll('h2')).map((h) => h.textContent));
  for (const h of ['Test Configuration', 'Results Summary', 'Capacity Estimate', 'Bottleneck Found', 'Recommendations', 'Per-step results', 'Per-endpoint results']) {
    assert.ok(headings.includes(h), `missing section ${h}`);
  }
  assert.ok(headings.indexOf('Capacity Estimate') < headings.indexOf('Bottleneck Found'));

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });

  // Printed: white paper, dark text, a page break before the chart and table sections, charts redrawn to fit.
  await page.emulateMedia({ media: 'print' });
  const print = await page.evaluate(() => ({
    bg: getComputedStyle(document.body).backgroundColor,
    fg: getComputedStyle(document.body).color,
    breaks: Array.from(document.querySelectorAll('section.page')).map((s) => getComputedStyle(s).breakBefore),
  }));
  assert.equal(print.bg, 'rgb(255, 255, 255)');
  assert.equal(print.fg, 'rgb(0, 0, 0)');
  assert.ok(print.breaks.length >= 3 && print.breaks.every((b) => b === 'page'), JSON.stringify(print.breaks));
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  assert.ok(pdf.subarray(0, 5).toString() === '%PDF-', 'prints to a PDF');
  assert.deepEqual(consoleErrors, [], 'printing raised no errors');
  await page.close();
});

test('an imported result without time series renders without charts and without errors', { skip, timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'loadproof-html-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const browser = await chromium.launch({ executablePath: CHROMIUM, timeout: 60_000, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  t.after(() => browser.close());
  const { page, consoleErrors, requests, url } = await open(browser, loadResultFixture('imported-wrk'), dir);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(requests, [url]);
  assert.equal(await page.getAttribute('html', 'data-charts'), '0');
  assert.ok(await page.getByText('No time series in this result').isVisible());
  assert.ok(await page.getByText('wrk records no time series').isVisible());
  // The file is self-contained: no URL of any kind outside the text the user gave.
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.ok(!/\b(src|href)\s*=/i.test(html.replace(/<script type="application\/json"[\s\S]*?<\/script>/, '')), 'no src= or href= attributes');
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;/);
  await page.close();
});
