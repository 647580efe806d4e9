/**
 * Writes the k6, Gatling and wrk2 fixtures, whose tools are not installed here, in the formats those
 * tools document, from real requests sent to the fixture target on 127.0.0.1 (see each fixtures/README.md).
 * Usage: node dist/test/tools/make-documented-fixtures.js http://127.0.0.1:PORT
 * Bounded: 600 requests, 6 at a time.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';

interface Done {
  name: string;
  method: string;
  url: string;
  startMs: number;
  endMs: number;
  durationMs: number;
  status: number;
  bytes: number;
}

const ROUTES: Array<{ name: string; method: string; path: string }> = [
  { name: 'list items', method: 'GET', path: '/items' },
  { name: 'list items', method: 'GET', path: '/items' },
  { name: 'create item', method: 'POST', path: '/items' },
  { name: 'flaky', method: 'GET', path: '/flaky' },
  { name: 'slow', method: 'GET', path: '/slow' },
];

async function main(base: string): Promise<void> {
  const done: Done[] = [];
  const vus: Array<[number, number]> = [];
  let next = 0;
  const total = 600;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const r = ROUTES[i % ROUTES.length]!;
      const t0 = performance.timeOrigin + performance.now();
      const res = await fetch(base + r.path, { method: r.method, body: r.method === 'POST' ? '{"name":"x"}' : undefined });
      const body = await res.arrayBuffer();
      const t1 = performance.timeOrigin + performance.now();
      done.push({ name: r.name, method: r.method, url: base + r.path, startMs: t0, endMs: t1, durationMs: t1 - t0, status: res.status, bytes: body.byteLength });
      await new Promise((s) => setTimeout(s, 10));
    }
  };
  const startMs = performance.timeOrigin + performance.now();
  const timer = setInterval(() => vus.push([performance.timeOrigin + performance.now(), 6]), 1000);
  vus.push([startMs, 6]);
  await Promise.all(Array.from({ length: 6 }, worker));
  clearInterval(timer);
  done.sort((a, b) => a.endMs - b.endMs);

  // ---- k6 --out json (NDJSON): a Metric line when a metric first appears, then Point lines.
  const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '000+00:00').replace(/\.(\d{3})000/, (_m, d: string) => `.${d}${String(Math.floor((ms % 1) * 1e6)).padStart(6, '0')}`);
  const lines: string[] = [];
  const declared = new Set<string>();
  const metricLine = (name: string, type: string, contains: string, thresholds: string[]): void => {
    if (declared.has(name)) return;
    declared.add(name);
    lines.push(JSON.stringify({ type: 'Metric', data: { name, type, contains, thresholds, submetrics: null }, metric: name }));
  };
  const point = (metric: string, ms: number, value: number, tags: Record<string, string> | null): void => {
    lines.push(JSON.stringify({ metric, type: 'Point', data: { time: iso(ms), value, tags } }));
  };
  const thresholds: Record<string, string[]> = {
    http_req_duration: ['p(95)<40', 'p(99)<25'],
    http_req_failed: ['rate<0.05'],
    checks: ['rate>0.9'],
  };
  const events: Array<[number, () => void]> = [];
  for (const [ms, v] of vus) events.push([ms, () => (metricLine('vus', 'gauge', 'default', []), point('vus', ms, v, null))]);
  for (const d of done) {
    events.push([
      d.endMs,
      () => {
        const tags = {
          expected_response: String(d.status < 400),
          group: '',
          method: d.method,
          name: d.name,
          proto: 'HTTP/1.1',
          scenario: 'default',
          status: String(d.status),
          url: d.url,
        };
        metricLine('http_reqs', 'counter', 'default', []);
        point('http_reqs', d.endMs, 1, tags);
        metricLine('http_req_duration', 'trend', 'time', thresholds.http_req_duration!);
        point('http_req_duration', d.endMs, Math.round(d.durationMs * 1e6) / 1e6, tags);
        metricLine('http_req_failed', 'rate', 'default', thresholds.http_req_failed!);
        point('http_req_failed', d.endMs, d.status >= 400 ? 1 : 0, tags);
        metricLine('data_received', 'counter', 'data', []);
        point('data_received', d.endMs, d.bytes + 150, { group: '', scenario: 'default' });
        metricLine('checks', 'rate', 'default', thresholds.checks!);
        point('checks', d.endMs, d.status < 400 ? 1 : 0, { check: 'status is 2xx', group: '', scenario: 'default' });
        metricLine('iterations', 'counter', 'default', []);
        point('iterations', d.endMs, 1, { group: '', scenario: 'default' });
      },
    ]);
  }
  events.sort((a, b) => a[0] - b[0]).forEach(([, f]) => f());
  const k6Dir = join(REPO_ROOT, 'src/formats/k6/fixtures');
  writeFileSync(join(k6Dir, 'k6-out.ndjson'), lines.join('\n') + '\n');

  // ---- k6 --summary-export (legacy layout; threshold value true = FAILED), k6's percentile:
  // linear interpolation between the closest ranks.
  const sorted = done.map((d) => d.durationMs).sort((a, b) => a - b);
  const pk6 = (p: number): number => {
    const rank = (p / 100) * (sorted.length - 1);
    const lo = Math.floor(rank);
    const hi = Math.ceil(rank);
    return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
  };
  const avg = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  const failed = done.filter((d) => d.status >= 400).length;
  const durSec = (done[done.length - 1]!.endMs - startMs) / 1000;
  const trend = { avg, min: sorted[0]!, med: pk6(50), max: sorted[sorted.length - 1]!, 'p(90)': pk6(90), 'p(95)': pk6(95) };
  const summary = {
    root_group: {
      name: '',
      path: '',
      id: 'd41d8cd98f00b204e9800998ecf8427e',
      groups: [],
      checks: [{ name: 'status is 2xx', path: '::status is 2xx', id: '6210a8cd14cd70477eba5c5e4cb3fb5f', passes: done.length - failed, fails: failed }],
    },
    metrics: {
      http_req_duration: { ...trend, thresholds: { 'p(95)<40': !(pk6(95) < 40), 'p(99)<25': !(pk6(99) < 25) } },
      http_req_failed: { passes: failed, fails: done.length - failed, value: failed / done.length, thresholds: { 'rate<0.05': !(failed / done.length < 0.05) } },
      http_reqs: { count: done.length, rate: done.length / durSec },
      checks: { passes: done.length - failed, fails: failed, value: (done.length - failed) / done.length, thresholds: { 'rate>0.9': !((done.length - failed) / done.length > 0.9) } },
      iterations: { count: done.length, rate: done.length / durSec },
      vus: { value: 6, min: 6, max: 6 },
      vus_max: { value: 6, min: 6, max: 6 },
      data_received: { count: done.reduce((a, d) => a + d.bytes + 150, 0), rate: done.reduce((a, d) => a + d.bytes + 150, 0) / durSec },
    },
  };
  writeFileSync(join(k6Dir, 'k6-summary.json'), JSON.stringify(summary, null, 4) + '\n');
  // p(99) is not in k6's default summaryTrendStats; kept beside the fixture for the test's criteria check.
  writeFileSync(join(k6Dir, 'k6-expected.json'), JSON.stringify({ 'p(99)': pk6(99), note: 'k6-style p(99) of the same requests (not part of the default summary export)' }, null, 2) + '\n');

  // ---- Gatling 3.9 simulation.log (tab-separated): RUN, USER START/END, REQUEST, ERROR.
  const g: string[] = [];
  const ms = (x: number): number => Math.floor(x);
  g.push(['RUN', 'loadproof.fixtures.ItemsSimulation', 'itemssimulation-20261127131600000', String(ms(startMs)), ' ', '3.9.5'].join('\t'));
  const gev: Array<[number, string]> = [];
  for (let u = 0; u < 6; u++) gev.push([startMs + u, ['USER', 'items', 'START', String(ms(startMs + u))].join('\t')]);
  for (const d of done) {
    const ok = d.status < 400;
    gev.push([
      d.endMs,
      ['REQUEST', '', d.name, String(ms(d.startMs)), String(ms(d.endMs)), ok ? 'OK' : 'KO', ok ? ' ' : `status.find.in(200,201,202,203,204,205,206,207,208,209,304), found ${d.status}`].join('\t'),
    ]);
  }
  const endAll = done[done.length - 1]!.endMs + 1;
  for (let u = 0; u < 6; u++) gev.push([endAll + u, ['USER', 'items', 'END', String(ms(endAll + u))].join('\t')]);
  gev.sort((a, b) => a[0] - b[0]).forEach(([, l]) => g.push(l));
  writeFileSync(join(REPO_ROOT, 'src/formats/gatling/fixtures/simulation.log'), g.join('\n') + '\n');
  console.log(`wrote ${done.length} requests (${failed} failed) over ${durSec.toFixed(2)} s`);
}

await main(process.argv[2] ?? 'http://127.0.0.1:18431');
