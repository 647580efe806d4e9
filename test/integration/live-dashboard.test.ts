/**
 * The live dashboard (`--dashboard`) in a real headless Chromium (Debian's /usr/bin/chromium driven
 * by playwright-core), against real runs of the CLI:
 *
 *   quick, 14 s                the page updates every second; a page opened mid-run receives the
 *                              history
 *   demo --quick --dashboard   the provisional phase while it runs; pages left open show the verdict
 *                              and figures equal to result.json (requests, p95, error rate,
 *                              capacity, first diagnosis); no request leaves 127.0.0.1
 *   stop / abort buttons       end a 30 s run early with partial results, recorded in result.stop,
 *                              with the exit code of Ctrl-C (the verdict's) and of the guard (3)
 *   stalled clients            ten raw sockets that never read do not slow the engine
 *
 * Loads are small and bounded (the demo's own quick run; 40 and 200 req/s against a 2–5 ms sleep).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { spawnLive, startTarget } from '../helpers/live.js';
import type { Result } from '../../src/result/types.js';
import { exitCodeFor } from '../../src/result/verdict.js';

// Browser globals for the callbacks given to page.evaluate (they run in Chromium, not Node).
interface BrowserElement {
  getAttribute(name: string): string | null;
  textContent: string | null;
  hidden?: boolean;
}
declare const document: {
  documentElement: BrowserElement;
  getElementById(id: string): BrowserElement | null;
  querySelectorAll(sel: string): Iterable<BrowserElement>;
};

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (.ci/run installs the chromium package)`;
const URL_RE = /live dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/;

async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 60_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

interface Watched {
  context: BrowserContext;
  /** every request the pages made */
  requests: string[];
  /** requests to anything but 127.0.0.1 (aborted) */
  foreign: string[];
  problems: string[];
}

async function watchedContext(browser: Browser): Promise<Watched> {
  const context = await browser.newContext();
  const w: Watched = { context, requests: [], foreign: [], problems: [] };
  context.on('request', (r) => w.requests.push(r.url()));
  // anything not on loopback is recorded and refused (the page must never ask)
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => {
      w.foreign.push(route.request().url());
      return route.abort();
    },
  );
  return w;
}

async function openPage(w: Watched, url: string): Promise<Page> {
  const page = await w.context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') w.problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => w.problems.push(`page error: ${e.message}`));
  await page.goto(url);
  return page;
}

const attr = (page: Page, name: string): Promise<string | null> => page.evaluate((n) => document.documentElement.getAttribute(n), name);
const value = (page: Page, id: string): Promise<string | null> => page.evaluate((i) => document.getElementById(i)?.getAttribute('data-value') ?? null, id);

async function waitForAttr(page: Page, name: string, ok: (v: string | null) => boolean, timeoutMs: number): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await attr(page, name);
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${name} is still ${v}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The figures a finished page shows equal result.json. */
async function assertFinalFigures(page: Page, r: Result, resultPath: string): Promise<void> {
  assert.equal(await attr(page, 'data-state'), 'ended');
  assert.equal(await page.evaluate(() => document.getElementById('verdict')?.getAttribute('data-verdict')), r.verdict, 'verdict');
  assert.equal(await page.evaluate(() => document.getElementById('final')?.hidden), false, 'the verdict is shown');
  assert.equal(Number(await value(page, 'fig-requests')), r.summary.requests, 'requests');
  assert.equal(Number(await value(page, 'fig-p95')), r.summary.latencyMs.p95, 'p95');
  assert.equal(Number(await value(page, 'fig-error-rate')), r.summary.errorRate, 'error rate');
  const cap = r.analysis?.capacity.maxSustainableRps ?? null;
  assert.equal(await value(page, 'fig-capacity'), cap === null ? '' : String(cap), 'capacity');
  assert.equal(await value(page, 'fig-diagnosis'), r.analysis?.diagnoses[0]?.id ?? '', 'first diagnosis');
  const links = await page.evaluate(() => [...document.querySelectorAll('#reports a')].map((a) => a.textContent));
  assert.ok(links.includes('report.html') && links.includes('result.json'), `report links: ${links.join(', ')}`);
  // the page kept each report (as a blob: the CLI has exited), whole
  const kept = await page.evaluate(() => [...document.querySelectorAll('#reports a')].map((a) => [a.textContent, a.getAttribute('href'), a.getAttribute('data-bytes')]));
  for (const [name, href, bytes] of kept) {
    assert.match(href ?? '', /^blob:/, `${name} kept`);
    if (name === 'result.json') assert.equal(Number(bytes), statSync(resultPath).size, 'result.json kept whole');
  }
}

test('the page updates at least once a second while the run goes, and a page opened mid-run receives the history', { skip, timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'loadproof-live-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const target = await startTarget(5);
  t.after(() => target.close());
  const out = join(dir, 'out');
  // no abort rule: the run lasts its 14 s whatever the machine's load
  const cli = spawnLive(['quick', `${target.url}/`, '-R', '50', '-d', '14s', '--dashboard', '--out', out]);
  t.after(() => cli.child.kill('SIGKILL'));
  const url = (await cli.waitFor(URL_RE))[1]!;
  const browser = await launch();
  t.after(() => browser.close());
  const w = await watchedContext(browser);

  const a = await openPage(w, url);
  await waitForAttr(a, 'data-state', (v) => v === 'running', 30_000);
  // Sample the page's last second for 6 s: it must move on at least once a second.
  const changes: number[] = [];
  let last = await attr(a, 'data-last-t');
  const t0 = Date.now();
  while (Date.now() - t0 < 6_000) {
    await new Promise((r) => setTimeout(r, 100));
    const v = await attr(a, 'data-last-t');
    if (v !== last) {
      changes.push(Date.now());
      last = v;
    }
  }
  assert.ok(changes.length >= 5, `${changes.length} updates in 6 s`);
  const gaps = changes.slice(1).map((c, i) => c - changes[i]!);
  // one event per second of the run; 1.5 s allows the merge's jitter on a busy machine
  assert.ok(Math.max(...gaps) <= 1_500, `gaps between updates: ${gaps.join(', ')} ms`);

  // A page opened mid-run receives the history first: as many seconds as the first page.
  const b = await openPage(w, url);
  await waitForAttr(b, 'data-ticks', (v) => Number(v) > 0, 10_000);
  const [ticksA, ticksB] = [Number(await attr(a, 'data-ticks')), Number(await attr(b, 'data-ticks'))];
  assert.ok(ticksB >= 6 && Math.abs(ticksA - ticksB) <= 1, `first page ${ticksA} seconds, late page ${ticksB}`);
  assert.ok((await value(b, 'fig-requests')) !== '', 'the late page shows the running totals');
  const rateA = await a.evaluate(() => document.getElementById('fig-requests')?.getAttribute('data-value') ?? null);
  assert.ok(Number(rateA) > 0);

  const code = await cli.exited;
  const r = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as Result;
  assert.equal(code, exitCodeFor(r.verdict));
  for (const page of [a, b]) {
    await waitForAttr(page, 'data-state', (v) => v === 'ended', 10_000);
    await assertFinalFigures(page, r, join(out, 'result.json'));
  }
  assert.deepEqual(w.foreign, [], 'no request left 127.0.0.1');
  assert.deepEqual(w.problems, []);
});

test('demo --quick --dashboard: provisional understanding while it runs; pages left open end on the verdict and figures of result.json; nothing off loopback', { skip, timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'loadproof-live-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'out');
  const cli = spawnLive(['demo', '--quick', '--dashboard', '--out', out]);
  t.after(() => cli.child.kill('SIGKILL'));
  const url = (await cli.waitFor(URL_RE))[1]!;
  const browser = await launch();
  t.after(() => browser.close());
  const w = await watchedContext(browser);

  const a = await openPage(w, url);
  // the demo's guard may end it early on a loaded machine: take what the run gives
  const deadline = Date.now() + 60_000;
  while (Number(await attr(a, 'data-ticks')) < 4 && (await attr(a, 'data-state')) !== 'ended' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  let b: Page | null = null;
  if ((await attr(a, 'data-state')) === 'running') {
    // the provisional understanding, marked so
    const phase = await a.evaluate(() => document.getElementById('phase')?.getAttribute('data-value') ?? '');
    assert.match(phase, /^(linear|knee|collapse|unknown)$/, 'a provisional phase');
    assert.equal(await a.evaluate(() => document.getElementById('prov')?.hidden), false, 'marked provisional');
    b = await openPage(w, url);
    await waitForAttr(b, 'data-ticks', (v) => Number(v) > 0, 10_000);
    const [ticksA, ticksB] = [Number(await attr(a, 'data-ticks')), Number(await attr(b, 'data-ticks'))];
    assert.ok(ticksB >= 4 && Math.abs(ticksA - ticksB) <= 1, `first page ${ticksA} seconds, late page ${ticksB}`);
  }

  const code = await cli.exited;
  assert.equal(code, 0, cli.stderr());
  const r = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as Result;
  for (const page of b ? [a, b] : [a]) {
    await waitForAttr(page, 'data-state', (v) => v === 'ended', 10_000);
    await assertFinalFigures(page, r, join(out, 'result.json'));
  }
  assert.ok(r.analysis?.diagnoses[0], 'the demo names a bottleneck (so the diagnosis figure is compared with a value)');
  assert.deepEqual(w.foreign, [], 'no request left 127.0.0.1');
  const origin = new URL(url).origin;
  assert.ok(
    w.requests.every((u) => u.startsWith(`${origin}/`)),
    `only the dashboard was asked: ${w.requests.filter((u) => !u.startsWith(origin)).join(', ')}`,
  );
  assert.deepEqual(w.problems, [], 'no console errors (a CSP violation would show here)');
  const drawn = await a.evaluate(() => [...document.querySelectorAll('figure.chart')].map((f) => f.getAttribute('data-drawn')));
  assert.ok(drawn.length >= 6 && drawn.every((d) => d === 'true'), `charts: ${drawn.join(', ')}`);
});

for (const button of ['stop', 'abort'] as const) {
  test(`the ${button} button ends a 30 s run early, with partial results recorded in result.stop`, { skip, timeout: 120_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'loadproof-live-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const target = await startTarget(5);
    t.after(() => target.close());
    const out = join(dir, 'out');
    const cli = spawnLive(['quick', `${target.url}/`, '-R', '40', '-d', '30s', '--dashboard', '--out', out]);
    t.after(() => cli.child.kill('SIGKILL'));
    const url = (await cli.waitFor(URL_RE))[1]!;
    const browser = await launch();
    t.after(() => browser.close());
    const w = await watchedContext(browser);
    const page = await openPage(w, url);
    await waitForAttr(page, 'data-ticks', (v) => Number(v) >= 3, 30_000);
    const clickedAt = Date.now();
    await page.click(button === 'stop' ? '#btn-stop' : '#btn-abort');
    const code = await cli.exited;
    assert.ok(Date.now() - clickedAt < 12_000, `the run ended ${Date.now() - clickedAt} ms after the click`);
    const r = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as Result;
    assert.ok(r.durationSec < 15, `ran ${r.durationSec}s of 30`);
    assert.ok(r.summary.requests >= 80, `partial results: ${r.summary.requests} requests`);
    if (button === 'stop') {
      assert.equal(r.stop?.reason, 'interrupted');
      assert.match(r.stop?.message ?? '', /live dashboard/);
      assert.equal(code, exitCodeFor(r.verdict), `exit code of the verdict (${r.verdict}), as after Ctrl-C`);
    } else {
      assert.equal(r.stop?.reason, 'aborted');
      assert.equal(r.stop?.rule, 'dashboard abort');
      assert.equal(r.verdict, 'aborted');
      assert.equal(code, 3);
    }
    await waitForAttr(page, 'data-state', (v) => v === 'ended', 10_000);
    await assertFinalFigures(page, r, join(out, 'result.json'));
    assert.match((await page.textContent('#stop-note')) ?? '', button === 'stop' ? /interrupted/ : /aborted/);
    if (button === 'stop') {
      // the kept report.html opens from the page after the CLI exited, and draws its charts
      const [report] = await Promise.all([w.context.waitForEvent('page'), page.click('#reports a:text-is("report.html")')]);
      const popupProblems: string[] = [];
      report.on('console', (m) => m.type() === 'error' && popupProblems.push(m.text()));
      await report.waitForFunction(() => Number(document.documentElement.getAttribute('data-charts')) > 0, undefined, { timeout: 15_000 });
      assert.deepEqual(popupProblems, []);
    }
    assert.deepEqual(w.foreign, []);
    assert.deepEqual(w.problems, []);
  });
}

test('ten clients that never read do not slow the engine: achieved rate within 5% of offered', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'loadproof-live-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const target = await startTarget(2);
  t.after(() => target.close());
  const out = join(dir, 'out');
  const RATE = 200;
  const cli = spawnLive(['quick', `${target.url}/`, '-R', String(RATE), '-d', '6s', '--dashboard', '--out', out]);
  t.after(() => cli.child.kill('SIGKILL'));
  const port = Number(new URL((await cli.waitFor(URL_RE))[1]!).port);
  const sockets: Socket[] = [];
  t.after(() => sockets.forEach((s) => s.destroy()));
  for (let i = 0; i < 10; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    s.pause(); // never reads
    s.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    sockets.push(s);
  }
  const code = await cli.exited;
  const r = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as Result;
  assert.notEqual(code, null, 'the CLI exited by itself (stalled clients do not hold it)');
  assert.equal(r.stop?.reason, 'completed');
  assert.equal(r.summary.dropped, 0);
  const full = r.timeline.filter((p) => (p.durationSec ?? 1) >= 1 && p.offeredRps !== null);
  assert.ok(full.length >= 5, `${full.length} full seconds`);
  // Completions per second move with the target's latency on a loaded machine (a late second
  // hands its requests to the next): the median second and the total are what the engine sent.
  const ratios = full.map((p) => p.rps / p.offeredRps!).sort((x, y) => x - y);
  const median = ratios[Math.floor(ratios.length / 2)]!;
  assert.ok(median >= 0.95 && median <= 1.05, `median second: ${median} of offered (${ratios.map((x) => x.toFixed(2)).join(', ')})`);
  assert.ok(Math.abs(r.summary.requests - RATE * 6) <= RATE * 6 * 0.05, `${r.summary.requests} requests of ${RATE * 6}`);
});
