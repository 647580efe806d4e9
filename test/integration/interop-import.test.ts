/**
 * `loadproof import` on real fixtures (see each src/formats/<tool>/fixtures/README.md): imported
 * totals and percentiles are checked against what the tool itself printed for that run, and a
 * garbled and a truncated file of each format fail with exit 2 naming what was expected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import type { Result } from '../../src/result/types.js';
import { decodeHistogram } from '../../src/metrics/histogram.js';

const FX = (tool: string, file: string): string => join(REPO_ROOT, 'src/formats', tool, 'fixtures', file);

async function importJson(files: string[], extra: string[] = []): Promise<{ code: number | null; result: Result; stderr: string }> {
  const out = mkdtempSync(join(tmpdir(), 'lp-import-'));
  try {
    const r = await runCli(['import', ...files, '--json', '--out', out, ...extra], { timeoutMs: 60_000 });
    assert.ok(r.stdout.startsWith('{'), `expected JSON on stdout, got: ${r.stdout.slice(0, 200)} ${r.stderr}`);
    const result = JSON.parse(r.stdout) as Result;
    // the same document was written into the folder
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')), result);
    return { code: r.code, result, stderr: r.stderr };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Runs import on a broken copy; expects exit 2, one line naming the file, and no result folder. */
async function expectBadInput(name: string, text: string | Buffer, pattern: RegExp, from?: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lp-bad-'));
  try {
    const file = join(dir, name);
    writeFileSync(file, text);
    const out = join(dir, 'out');
    const r = await runCli(['import', file, '--out', out, ...(from ? ['--from', from] : [])], { timeoutMs: 60_000 });
    assert.equal(r.code, 2, `exit code for ${name}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.ok(r.stderr.startsWith(`loadproof: ${name}`) || r.stderr.startsWith(`loadproof: ${file}`), r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
    assert.equal(existsSync(out), false, 'nothing half-imported');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const truncate = (text: string, fraction: number): string => text.slice(0, Math.floor(text.length * fraction));

test('wrk --latency: totals, errors and percentiles as wrk printed them', async () => {
  const { result: r, code } = await importJson([FX('wrk', 'wrk-latency.txt')]);
  assert.equal(code, 0);
  assert.equal(r.source, 'wrk');
  assert.equal(r.stop?.reason, 'imported');
  // import analyses what it read: with 14% non-2xx answers the SLO was not met, and no capacity is invented
  assert.ok(r.analysis !== null);
  assert.equal(r.analysis.capacity.maxSustainableRps, null);
  // printed: "17014 requests in 3.01s", "Non-2xx or 3xx responses: 2430", "Requests/sec: 5652.50"
  assert.equal(r.summary.requests, 17014);
  assert.equal(r.summary.errors, 2430);
  assert.equal(r.summary.throughputRps, 5652.5);
  assert.equal(r.durationSec, 3.01);
  // printed: Latency 6.26ms 19.13ms 187.60ms; 50% 2.36ms 90% 5.81ms 99% 126.22ms
  assert.equal(r.summary.latencyMs.mean, 6.26);
  assert.equal(r.summary.latencyMs.max, 187.6);
  assert.equal(r.summary.latencyMs.p50, 2.36);
  assert.equal(r.summary.latencyMs.p90, 5.81);
  assert.equal(r.summary.latencyMs.p99, 126.22);
  assert.equal(r.summary.latencyMs.p95, null, 'wrk 4 does not print p95');
  assert.deepEqual(r.timeline, []);
  assert.ok(r.limitations?.some((l) => l.includes('wrk records no time series: phases cannot be detected')));
  assert.equal(r.plan.target, 'http://127.0.0.1:18431/flaky');
});

test('wrk without --latency has no percentiles; wrk2 reads the corrected and uncorrected distributions', async () => {
  const plain = (await importJson([FX('wrk', 'wrk.txt')])).result;
  assert.equal(plain.summary.requests, 6824);
  assert.equal(plain.summary.latencyMs.p50, null);
  assert.equal(plain.summary.latencyMs.max, 33.89);
  const w2 = (await importJson([FX('wrk', 'wrk2-documented.txt')])).result;
  assert.equal(w2.summary.latencyBasis, 'intended');
  assert.equal(w2.summary.latencyMs.p50, 20.11);
  assert.equal(w2.summary.latencyMs.p999, 54.02);
  assert.ok(w2.summary.latencyMs.p95 !== null && w2.summary.latencyMs.p95 > 28.3 && w2.summary.latencyMs.p95 < 49.5);
  assert.ok(w2.summary.serviceTimeMs, 'uncorrected distribution kept beside the corrected one');
  assert.ok(w2.summary.serviceTimeMs.p99! < w2.summary.latencyMs.p99!, 'correction only adds latency');
});

test('ab: text totals, percentiles from the -e CSV, timeline and exact histogram from -g', async () => {
  const text = (await importJson([FX('ab', 'ab.txt')])).result;
  // printed: Complete requests 2000, Non-2xx responses 286, Requests per second 2170.15, 50% 4, 95% 10, 99% 18, 100% 38
  assert.equal(text.summary.requests, 2000);
  assert.equal(text.summary.errors, 286);
  assert.equal(text.summary.throughputRps, 2170.15);
  assert.deepEqual([text.summary.latencyMs.p50, text.summary.latencyMs.p95, text.summary.latencyMs.p99, text.summary.latencyMs.max], [4, 10, 18, 38]);
  assert.ok(text.warnings?.some((w) => w.message.includes('1714 "Length" failures')));
  const withE = (await importJson([FX('ab', 'ab.txt'), FX('ab', 'ab-percentiles.csv')])).result;
  const csv = readFileSync(FX('ab', 'ab-percentiles.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const at = (p: number): number => csv.find((r) => r[0] === p)![1]!;
  assert.equal(withE.summary.latencyMs.p50, at(50));
  assert.equal(withE.summary.latencyMs.p99, at(99));
  const withG = (await importJson([FX('ab', 'ab.txt'), FX('ab', 'ab-gnuplot.tsv')])).result;
  assert.ok(withG.timeline.length >= 1);
  assert.equal(withG.timeline.reduce((a, p) => a + p.rps, 0), 2000, 'every gnuplot row lands in one interval');
  assert.ok(withG.summary.hdr && withG.timeline.every((p) => p.hdr));
  // ab prints whole milliseconds; the histogram keeps 3 significant digits (10 ms ↔ 10.007 ms)
  assert.ok(Math.abs(withG.summary.latencyMs.p50! - 4) <= 0.01);
  assert.ok(Math.abs(withG.summary.latencyMs.max! - 38) <= 0.05);
});

test('hey: printed summary and the per-request CSV', async () => {
  const t = (await importJson([FX('hey', 'hey.txt')])).result;
  // printed: [200] 1714, [500] 286, Requests/sec 3766.0715, 50% in 0.0023 secs, 99% in 0.0088 secs, Slowest 0.0109
  assert.equal(t.summary.requests, 2000);
  assert.equal(t.summary.errors, 286);
  assert.deepEqual(t.summary.statusCodes, { '200': 1714, '500': 286 });
  assert.equal(t.summary.throughputRps, 3766.0715);
  assert.equal(t.summary.latencyMs.p50, 2.3);
  assert.equal(t.summary.latencyMs.p99, 8.8);
  assert.equal(t.summary.latencyMs.max, 10.9);
  const c = (await importJson([FX('hey', 'hey.csv')])).result;
  const rows = readFileSync(FX('hey', 'hey.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[0]) * 1000);
  rows.sort((a, b) => a - b);
  assert.equal(c.summary.requests, rows.length);
  // HdrHistogram keeps 3 significant digits: within 0.1% (+ 1 µs) of the exact order statistic
  const exact = (p: number): number => rows[Math.ceil((p / 100) * rows.length) - 1]!;
  for (const [p, got] of [[50, c.summary.latencyMs.p50], [95, c.summary.latencyMs.p95], [99, c.summary.latencyMs.p99]] as const) {
    assert.ok(got !== null && Math.abs(got - exact(p)) <= exact(p) * 0.001 + 0.002, `p${p}: ${got} vs ${exact(p)}`);
  }
  assert.equal(c.timeline.reduce((a, p) => a + p.rps, 0), rows.length);
  assert.ok(c.timeline.some((p) => p.inFlight !== null && p.inFlight > 1), 'mean concurrency per interval from the samples');
});

test('Locust: stats, history and failures found by prefix, as Locust printed them', async () => {
  // any one file of the family will do
  const { result: r } = await importJson([FX('locust', 'run_failures.csv')]);
  const printed = readFileSync(FX('locust', 'locust-output.txt'), 'utf8');
  // the last statistics table Locust printed (the first ones are periodic progress tables)
  const agg = [...printed.matchAll(/^\s+Aggregated\s+(\d+)\s+(\d+)\(/gm)].at(-1)!;
  assert.equal(r.summary.requests, Number(agg[1]));
  assert.equal(r.summary.errors, Number(agg[2]));
  // the last "Response time percentiles" table: 50% … 99.9% columns of the Aggregated row
  const pct = [...printed.matchAll(/^\s+Aggregated((?:\s+\d+){12})\s*$/gm)].at(-1)![1]!.trim().split(/\s+/).map(Number);
  assert.equal(r.summary.latencyMs.p50, pct[0]);
  assert.equal(r.summary.latencyMs.p90, pct[4]);
  assert.equal(r.summary.latencyMs.p95, pct[5]);
  assert.equal(r.summary.latencyMs.p99, pct[7]);
  assert.equal(r.summary.latencyMs.p999, pct[8]);
  const flaky = r.endpoints.find((e) => e.name === '/flaky')!;
  assert.equal(flaky.method, 'GET');
  const flakyRow = [...printed.matchAll(/^GET\s+\/flaky\s+(\d+)\s+(\d+)\(/gm)].at(-1)!;
  assert.equal(flaky.requests, Number(flakyRow[1]));
  assert.equal(flaky.errors, Number(flakyRow[2]));
  assert.equal(flaky.statusCodes['500'], flaky.errors, 'status parsed from the failure messages');
  assert.ok(r.timeline.length >= 15);
  assert.equal(r.timeline.reduce((a, p) => a + Math.round(p.rps * (p.durationSec ?? 1)), 0), r.summary.requests, 'interval counts add up');
  assert.ok(r.timeline.some((p) => p.vus === 10));
});

test('Artillery: aggregate totals and per-endpoint metrics, as Artillery printed them', async () => {
  const { result: r } = await importJson([FX('artillery', 'report.json')]);
  const printed = readFileSync(FX('artillery', 'artillery-output.txt'), 'utf8');
  const final = printed.slice(printed.lastIndexOf('Summary report'));
  const field = (name: string): number => Number(new RegExp(`^${name.replace(/\./g, '\\.')}:\\s*\\.+\\s*([\\d.]+)`, 'm').exec(final)![1]);
  const rt = final.slice(final.indexOf('http.response_time:'));
  const stat = (name: string): number => Number(new RegExp(`^\\s+${name}:\\s*\\.+\\s*([\\d.]+)`, 'm').exec(rt)![1]);
  assert.equal(r.summary.requests, field('http.requests'));
  assert.equal(r.summary.statusCodes?.['500'], field('http.codes.500'));
  assert.equal(r.summary.errors, field('http.codes.500'));
  assert.equal(r.summary.latencyMs.p50, stat('median'));
  assert.equal(r.summary.latencyMs.p95, stat('p95'));
  assert.equal(r.summary.latencyMs.p99, stat('p99'));
  assert.equal(r.summary.latencyMs.max, stat('max'));
  assert.deepEqual(r.endpoints.map((e) => e.name), ['/auth/login', '/flaky', '/items', '/slow']);
  assert.equal(r.endpoints.reduce((a, e) => a + e.requests, 0), r.summary.requests);
  assert.equal(r.timeline.reduce((a, p) => a + (p.statusCodes?.['200'] ?? 0) + (p.statusCodes?.['500'] ?? 0), 0), field('http.responses'));
});

test('k6: --out json rebuilt from points agrees with the summary export of the same run; thresholds judged', async () => {
  const pts = await importJson([FX('k6', 'k6-out.ndjson')]);
  const sum = await importJson([FX('k6', 'k6-summary.json')]);
  const s = JSON.parse(readFileSync(FX('k6', 'k6-summary.json'), 'utf8')) as { metrics: Record<string, Record<string, number>> };
  const expected = JSON.parse(readFileSync(FX('k6', 'k6-expected.json'), 'utf8')) as Record<string, number>;
  const d = s.metrics.http_req_duration!;
  assert.equal(pts.result.summary.requests, s.metrics.http_reqs!.count);
  assert.equal(pts.result.summary.errors, s.metrics.http_req_failed!.passes);
  assert.equal(sum.result.summary.requests, s.metrics.http_reqs!.count);
  assert.equal(sum.result.summary.latencyMs.p95, Math.round(d['p(95)']! * 1000) / 1000);
  // percentiles from histograms (0.1%) vs k6's interpolated ones: within 1% or one sample's gap
  for (const [k, got] of [['med', pts.result.summary.latencyMs.p50], ['p(90)', pts.result.summary.latencyMs.p90], ['p(95)', pts.result.summary.latencyMs.p95]] as const) {
    assert.ok(got !== null && Math.abs(got - d[k]!) <= d[k]! * 0.01 + 0.3, `${k}: ${got} vs ${d[k]}`);
  }
  // threshold outcomes: the summary's own (true = failed) and the ones re-judged from points agree
  const outcome = (r: Result): string[] => r.criteria.map((c) => `${c.metric} ${c.condition} ${c.pass}`).sort();
  assert.deepEqual(outcome(pts.result), outcome(sum.result));
  assert.equal(pts.code, 1, 'a failed threshold exits 1, as k6 does');
  const p99 = pts.result.criteria.find((c) => c.condition === 'p(99)<25')!;
  assert.ok(Math.abs(p99.observed! - expected['p(99)']!) <= expected['p(99)']! * 0.01 + 0.3);
  assert.equal(pts.result.summary.checks?.fails, s.metrics.checks!.fails);
  assert.ok(pts.result.timeline.length >= 2 && pts.result.timeline.every((p) => p.vus === 6));
  assert.deepEqual(pts.result.endpoints.map((e) => e.name), ['create item', 'flaky', 'list items', 'slow']);
});

test('Gatling simulation.log: requests, KO status codes and users', async () => {
  const { result: r } = await importJson([FX('gatling', 'simulation.log')]);
  const lines = readFileSync(FX('gatling', 'simulation.log'), 'utf8').trim().split('\n');
  const reqs = lines.filter((l) => l.startsWith('REQUEST\t'));
  assert.equal(r.summary.requests, reqs.length);
  assert.equal(r.summary.errors, reqs.filter((l) => l.split('\t')[5] === 'KO').length);
  assert.equal(r.summary.statusCodes?.['500'], r.summary.errors);
  assert.equal(r.tool.version, '3.9.5');
  const ms = reqs.map((l) => Number(l.split('\t')[4]) - Number(l.split('\t')[3])).sort((a, b) => a - b);
  assert.equal(r.summary.latencyMs.max, ms[ms.length - 1]);
  assert.ok(Math.abs(r.summary.latencyMs.p50! - ms[Math.ceil(0.5 * ms.length) - 1]!) <= 0.01);
  assert.ok(r.timeline.some((p) => p.vus === 6));
});

test('Gatling 3.13+ binary simulation.log (a real one, from Gatling\'s own tests): figures as Gatling\'s LogFileReaderSpec states them', async () => {
  const { result: r } = await importJson([FX('gatling', 'simulation-binary.log')]);
  assert.equal(r.source, 'gatling');
  assert.equal(r.tool.version, '3.12.1');
  assert.equal(r.plan.name, 'computerdatabase.ComputerDatabaseSimulation');
  assert.deepEqual(r.plan.scenarios?.map((s) => s.name), ['Users', 'Admins']);
  // LogFileReaderSpec: 104 OK requests within [0, 100000] ms and 1 KO; min 87, p70 113, p99 368, max 368
  assert.equal(r.summary.requests, 105);
  assert.equal(r.summary.errors, 1);
  assert.equal(r.summary.latencyMs.min, 87);
  assert.equal(r.summary.latencyMs.max, 368);
  assert.equal(r.summary.latencyMs.p99, 368);
  const h = decodeHistogram(r.summary.hdr!);
  // Gatling's percentiles are whole milliseconds; the histogram keeps 3 significant digits
  assert.ok(Math.abs(h.getValueAtPercentile(70) / 1000 - 113) <= 0.5, `p70 ${h.getValueAtPercentile(70) / 1000}`);
  assert.equal(r.endpoints.reduce((a, e) => a + e.requests, 0), 105);
  assert.equal(r.timeline.reduce((a, p) => a + p.rps, 0), 105);
  assert.ok(r.timeline.some((p) => (p.vus ?? 0) > 0));
});

test('Gatling 2.2 and 2.1 text logs: the same requests as the 3.x log give the same result', async () => {
  const v3 = (await importJson([FX('gatling', 'simulation.log')])).result;
  for (const f of ['simulation-2.2.log', 'simulation-2.1.log']) {
    const r = (await importJson([FX('gatling', f)])).result;
    assert.equal(r.tool.version, '2.0', f);
    assert.deepEqual(r.summary, v3.summary, f);
    assert.deepEqual(r.endpoints, v3.endpoints, f);
    assert.deepEqual(r.timeline.map((p) => [p.rps, p.errors, p.vus]), v3.timeline.map((p) => [p.rps, p.errors, p.vus]), f);
  }
  const v22 = readFileSync(FX('gatling', 'simulation-2.2.log'), 'utf8');
  await expectBadInput('simulation.log', v22.replace(/\tOK\t/, '\tMAYBE\t'), /simulation\.log:\d+: expected REQUEST <scenario> <user id> <groups> <name> <start ms> <end ms> OK\|KO <message>/);
  const v21 = readFileSync(FX('gatling', 'simulation-2.1.log'), 'utf8');
  await expectBadInput('simulation.log', v21.slice(0, v21.lastIndexOf('\t')), /expected <scenario> <user id> REQUEST .* \(the file looks truncated\)|expected .*USER/);
});

test('JMeter JTL: CSV with and without the header and XML with nested sub-results give the same figures as the rows', async () => {
  const csvText = readFileSync(FX('jmeter', 'results.csv'), 'utf8').trim().split('\n');
  const rows = csvText.slice(1).map((l) => l.split(','));
  const elapsed = rows.map((c) => Number(c[1])).sort((a, b) => a - b);
  const exact = (p: number): number => elapsed[Math.ceil((p / 100) * elapsed.length) - 1]!;
  const results: Result[] = [];
  for (const f of ['results.csv', 'results-noheader.csv', 'results.xml']) {
    const r = (await importJson([FX('jmeter', f)])).result;
    assert.equal(r.source, 'jmeter');
    assert.equal(r.summary.requests, rows.length, f);
    assert.equal(r.summary.errors, rows.filter((c) => c[7] === 'false').length, f);
    assert.equal(r.summary.statusCodes?.['500'], rows.filter((c) => c[3] === '500').length, f);
    // elapsed is whole milliseconds; the histogram keeps 3 significant digits
    for (const [p, got] of [[50, r.summary.latencyMs.p50], [95, r.summary.latencyMs.p95], [99, r.summary.latencyMs.p99]] as const) {
      assert.ok(got !== null && Math.abs(got - exact(p)) <= exact(p) * 0.001 + 0.01, `${f} p${p}: ${got} vs ${exact(p)}`);
    }
    assert.equal(r.summary.latencyMs.max, elapsed.at(-1));
    assert.deepEqual(r.endpoints.map((e) => e.name), ['create item', 'flaky', 'list items', 'slow']);
    assert.equal(r.timeline.reduce((a, p) => a + p.rps, 0), rows.length);
    assert.ok(r.timeline.every((p) => p.vus === 6), 'allThreads as virtual users');
    assert.ok(r.limitations?.some((l) => l.includes("JMeter's elapsed time")));
    results.push(r);
  }
  assert.deepEqual(results[1]!.summary, results[0]!.summary);
  assert.deepEqual(results[2]!.summary, results[0]!.summary, 'the nested redirect hop is not counted');
  const csv = readFileSync(FX('jmeter', 'results.csv'), 'utf8');
  await expectBadInput('results.csv', csv.slice(0, csv.lastIndexOf(',')), /results\.csv:\d+: expected 17 JMeter JTL columns, found 16 \(the file looks truncated\)/);
  await expectBadInput('results.csv', csv.replace(/\n(\d{13}),/, '\n2026/11/27 13:22:06,'), /results\.csv:2: expected timeStamp in epoch milliseconds, found "2026\/11\/27 13:22:06" \(hint: save the JTL with jmeter\.save\.saveservice\.timestamp_format=ms/);
  await expectBadInput('results.csv', '1,2,3,4,5,6,7,8,true,\n', /results\.csv:1: expected JMeter's default JTL columns \(17, 16 or 12 of them\) or a header line, found 10 columns/, 'jmeter');
  const xml = readFileSync(FX('jmeter', 'results.xml'), 'utf8');
  await expectBadInput('results.xml', truncate(xml, 0.5), /results\.xml:\d+:\d+: expected a JMeter XML JTL .*\(the file looks truncated\)/);
  await expectBadInput('results.xml', xml.replace('t="42"', 't="fast"'), /results\.xml: testResults\.httpSample\[1\]: expected a whole number in attribute t, found "fast"/);
});

test('format sniffing: a file no tool wrote, and --from naming another tool', async () => {
  await expectBadInput('notes.txt', 'hello\nworld\n', /cannot tell which tool wrote this file \(hint: pass --from/);
  await expectBadInput('wrk.txt', readFileSync(FX('hey', 'hey.txt'), 'utf8'), /expected "Running <duration> test @ <url>" line \(is this wrk output\?/, 'wrk');
});

test('garbled and truncated files fail with exit 2 naming what was expected', async () => {
  const wrk = readFileSync(FX('wrk', 'wrk-latency.txt'), 'utf8');
  await expectBadInput('wrk.txt', wrk.split('\n').slice(0, 9).join('\n'), /wrk\.txt:\d+: expected "<n> requests in <time>, <bytes> read" line \(is this wrk output\? it looks truncated\)/);
  await expectBadInput('wrk.txt', wrk.replace('Latency     6.26ms', 'Latency     fast'), /expected latencies like "6\.26ms"/);
  const ab = readFileSync(FX('ab', 'ab.txt'), 'utf8');
  await expectBadInput('ab.txt', truncate(ab, 0.5), /ab\.txt:\d+: expected "Requests per second:" line \(is this ab output\? it looks truncated\)/);
  await expectBadInput('ab.txt', ab.replace(/^Complete requests:.*$/m, 'Complete requests: many'), /expected "Complete requests:" line/);
  const hey = readFileSync(FX('hey', 'hey.txt'), 'utf8');
  await expectBadInput('hey.txt', truncate(hey, 0.3), /expected "Status code distribution:" line \(is this hey output\?/);
  const heyCsv = readFileSync(FX('hey', 'hey.csv'), 'utf8');
  await expectBadInput('hey.csv', heyCsv.slice(0, heyCsv.lastIndexOf(',')), /hey\.csv:\d+: expected 8 hey -o csv columns, found 7 \(the file looks truncated\)/);
  await expectBadInput('hey.csv', heyCsv.replace(/\n0\.\d+,/, '\nquick,'), /expected a number in column "response-time"/);
  const stats = readFileSync(FX('locust', 'run_stats.csv'), 'utf8');
  await expectBadInput('run_stats.csv', stats.split('\n').slice(0, 3).join('\n') + '\n', /expected the "Aggregated" row \(the file looks truncated\)/);
  await expectBadInput('run_stats.csv', stats.replace(/^GET,\/flaky,\d+/m, 'GET,/flaky,lots'), /expected a number in column "Request Count"/);
  const art = readFileSync(FX('artillery', 'report.json'), 'utf8');
  await expectBadInput('report.json', truncate(art, 0.6), /report\.json:\d+:\d+: expected an Artillery report .*the file looks truncated/, 'artillery');
  await expectBadInput('report.json', '{"aggregate": {"latency": {}}, "intermediate": []}', /this looks like an Artillery 1 report/);
  const k6 = readFileSync(FX('k6', 'k6-out.ndjson'), 'utf8');
  await expectBadInput('k6.json', truncate(k6, 0.5), /k6\.json:\d+: expected one k6 JSON output record per line .*the file looks truncated/);
  await expectBadInput('k6.json', k6.replace('"value":6', '"value":"six"'), /expected a point with a numeric "value"/);
  const k6s = readFileSync(FX('k6', 'k6-summary.json'), 'utf8');
  await expectBadInput('summary.json', truncate(k6s, 0.7), /summary\.json:\d+:\d+: expected a k6 --summary-export JSON document \(the JSON ends early/, 'k6');
  const gat = readFileSync(FX('gatling', 'simulation.log'), 'utf8');
  await expectBadInput('simulation.log', gat.slice(0, gat.indexOf('\tOK', gat.indexOf('REQUEST')) ), /simulation\.log:\d+: expected REQUEST <groups> <name> <start ms> <end ms> OK\|KO <message> \(the file looks truncated\)/);
  await expectBadInput('simulation.log', gat.replace(/^RUN\t.*\n/, ''), /expected a "RUN<TAB>…" record/, 'gatling');
  const bin = readFileSync(FX('gatling', 'simulation-binary.log'));
  await expectBadInput('simulation.log', bin.subarray(0, 1500), /simulation\.log: byte \d+: the file ends inside this record: it looks truncated \(record \d+\)/);
  const garbled = Buffer.from(bin);
  garbled[0x6a] = 9; // the start/end flag of the first USER record
  await expectBadInput('simulation.log', garbled, /simulation\.log: byte 106: expected a boolean \(0 or 1\) for USER start\/end, found 9 \(record 2\)/);
  garbled[0x65] = 9; // that record's header byte
  await expectBadInput('simulation.log', garbled, /simulation\.log: byte 101: expected a record header 1-4 \(REQUEST, USER, GROUP, ERROR\), found 9 \(record 2\)/);
  await expectBadInput('simulation.log', Buffer.from([0, 0, 0, 0, 3, 0x32, 0x2e, 0x39, 0]), /byte 1: this binary log says Gatling 2\.9, but Gatling wrote binary logs only from 3\.13 on/, 'gatling');
});

test('import writes a new folder under loadproof-results by default', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'lp-cwd-'));
  try {
    const r = await runCli(['import', FX('wrk', 'wrk.txt')], { cwd, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const dirs = readdirSync(join(cwd, 'loadproof-results'));
    assert.equal(dirs.length, 1);
    assert.match(dirs[0]!, /^wrk-\d{8}-\d{6}$/);
    assert.match(r.stdout, /imported wrk output from .*wrk\.txt → .*loadproof-results\/wrk-\d{8}-\d{6}\n/);
    assert.match(r.stdout, /6,824 requests in 2s · throughput 3,378 req\/s · errors 0%/);
    for (const f of ['result.json', 'report.md', 'report.html']) assert.ok(existsSync(join(cwd, 'loadproof-results', dirs[0]!, f)), f);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test('regression (issue 17): one absurd timestamp fails fast with exit 2 at its line, in every per-sample importer (no walk across decades)', async () => {
  const started = Date.now();
  const gat = readFileSync(FX('gatling', 'simulation.log'), 'utf8');
  // the end of the 5th request becomes 1e12 ms later than its start (year 2001 + …); then a year far in the future
  let n = 0;
  const far = gat.replace(/^(REQUEST\t[^\t]*\t[^\t]*\t(\d+)\t)(\d+)/gm, (m, head: string, start: string) => (++n === 5 ? `${head}${Number(start) + 1e12}` : m));
  await expectBadInput('simulation.log', far, /simulation\.log:\d+: this record would make the run span 11574\.1 days; loadproof imports runs up to 7 days long \(hint: the timestamp looks garbled/);
  await expectBadInput('simulation.log', gat.replace(/^(RUN\t[^\t]*\t[^\t]*\t)\d+/m, '$199999999999999'), /simulation\.log:1: expected the run start in epoch milliseconds between 1990 and 2200, found 99999999999999/);
  const heyCsv = readFileSync(FX('hey', 'hey.csv'), 'utf8').split('\n');
  heyCsv[3] = heyCsv[3]!.replace(/,[\d.]+$/, ',1e12');
  await expectBadInput('hey.csv', heyCsv.join('\n'), /hey\.csv:4: this record would make the run span/);
  const k6 = readFileSync(FX('k6', 'k6-out.ndjson'), 'utf8').split('\n');
  const i = k6.findIndex((l) => l.includes('"metric":"http_req_duration"') && l.includes('"type":"Point"'));
  k6[i] = k6[i]!.replace(/"time":"\d{4}-/, '"time":"2195-');
  await expectBadInput('k6.json', k6.join('\n'), new RegExp(`k6\\.json:${i + 1}: this point would make the run span`));
  const hist = readFileSync(FX('locust', 'run_stats_history.csv'), 'utf8').split('\n');
  hist[hist.length - 2] = hist[hist.length - 2]!.replace(/^\d+/, '1000000000000');
  await expectBadInput('run_stats_history.csv', hist.join('\n'), /run_stats_history\.csv:\d+: this Timestamp would make the run span/, 'locust');
  const art = readFileSync(FX('artillery', 'report.json'), 'utf8');
  await expectBadInput('report.json', art.replace('"lastMetricAt": 1795785336536', '"lastMetricAt": 1e15'), /report\.json: aggregate\.lastMetricAt would make the run span/, 'artillery');
  assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
});

test('regression (issue 17): analyze and report on a result.json with a corrupt encoded histogram exit 2 naming the field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lp-corrupt-'));
  try {
    const { result } = await importJson([FX('hey', 'hey.csv')]);
    const hdr = result.summary.hdr!;
    // flip one character in the compressed stream (zlib's checksum or its code tables then fail)
    const at = Math.floor(hdr.length / 2);
    result.summary.hdr = hdr.slice(0, at) + (hdr[at] === 'A' ? 'B' : 'A') + hdr.slice(at + 1);
    const file = join(dir, 'result.json');
    writeFileSync(file, JSON.stringify(result));
    for (const args of [['analyze', file], ['report', file, '-o', join(dir, 'report.md')]]) {
      const r = await runCli(args, { timeoutMs: 60_000 });
      assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, /^loadproof: .*result\.json: summary\.hdr: not a loadproof result: the encoded histogram is corrupt/);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('import accepts a folder: a Gatling results folder, a Locust CSV set, k6 outputs; two tools in one folder are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lp-folder-'));
  try {
    // a Gatling results folder: simulation.log beside the HTML report
    const gat = join(dir, 'itemssimulation-20261127131600000');
    mkdirSync(join(gat, 'js'), { recursive: true });
    copyFileSync(FX('gatling', 'simulation-binary.log'), join(gat, 'simulation.log'));
    writeFileSync(join(gat, 'index.html'), '<!DOCTYPE html><html></html>');
    writeFileSync(join(gat, 'js', 'global_stats.json'), '{}');
    const g = await importJson([gat]);
    assert.equal(g.result.source, 'gatling');
    assert.equal(g.result.summary.requests, 105);
    assert.match(g.stderr, /imported gatling output from .*simulation\.log/);
    // Locust's CSV set, found through its stats file
    const direct = (await importJson([FX('locust', 'run_stats.csv')])).result;
    const loc = (await importJson([join(REPO_ROOT, 'src/formats/locust/fixtures')])).result;
    assert.equal(loc.source, 'locust');
    assert.deepEqual(loc.summary, direct.summary);
    assert.equal(loc.timeline.length, direct.timeline.length);
    // k6: the --out json points are preferred to the summary
    const k6 = await importJson([join(REPO_ROOT, 'src/formats/k6/fixtures')]);
    assert.match(k6.stderr, /imported k6 output from .*k6-out\.ndjson/);
    // two tools in one folder
    const mixed = join(dir, 'mixed');
    mkdirSync(mixed);
    copyFileSync(FX('wrk', 'wrk.txt'), join(mixed, 'wrk.txt'));
    copyFileSync(FX('hey', 'hey.txt'), join(mixed, 'hey.txt'));
    const r = await runCli(['import', mixed, '--out', join(dir, 'out')], { timeoutMs: 60_000 });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /mixed: holds output of several tools: (wrk \(wrk\.txt\); hey \(hey\.txt\)|hey \(hey\.txt\); wrk \(wrk\.txt\)) \(hint: pass the files of one run, or --from with the tool\)/);
    const picked = await importJson([mixed], ['--from', 'hey']);
    assert.equal(picked.result.source, 'hey');
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.txt'), 'hello\n');
    const e = await runCli(['import', empty], { timeoutMs: 60_000 });
    assert.equal(e.code, 2);
    assert.match(e.stderr, /empty: holds no load tool output that loadproof imports \(looked at 1 files\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
