/**
 * Writes the JMeter fixtures from the 600 real requests of the k6 fixture (src/formats/k6/fixtures/
 * k6-out.ndjson: start, duration, label, status, per request), in JMeter's documented JTL layouts:
 * CSV with the header line (5.x default columns), CSV without it, and XML with a nested sub-result.
 * JMeter does not run here (Debian's 2.13 fails to load any plan: ForbiddenClassException from its
 * XStream), so these files are constructed, not written by JMeter.
 * Usage: node dist/test/tools/make-jmeter-fixtures.js
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';

interface Point {
  metric: string;
  type: string;
  data: { time: string; value: number; tags: Record<string, string> };
}

const dir = join(REPO_ROOT, 'src/formats/jmeter/fixtures');
const points = readFileSync(join(REPO_ROOT, 'src/formats/k6/fixtures/k6-out.ndjson'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Point)
  .filter((p) => p.type === 'Point' && p.metric === 'http_req_duration');
// k6 stamps a sample with its end; JMeter with its start, in whole milliseconds
const samples = points.map((p, i) => {
  const endMs = Date.parse(p.data.time) + (Number(p.data.time.slice(23, 29)) % 1000) / 1000;
  const elapsed = Math.round(p.data.value);
  const status = p.data.tags.status!;
  return {
    ts: Math.round(endMs - p.data.value),
    elapsed,
    label: p.data.tags.name!,
    code: status,
    message: status === '200' || status === '201' ? (status === '200' ? 'OK' : 'Created') : 'Internal Server Error',
    thread: `items 1-${(i % 6) + 1}`,
    success: Number(status) < 400,
    url: p.data.tags.url!,
    latency: Math.max(0, elapsed - 1),
  };
});
samples.sort((a, b) => a.ts + a.elapsed - (b.ts + b.elapsed));
const head = 'timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect';
const rows = samples.map((s) =>
  [s.ts, s.elapsed, s.label, s.code, s.message, s.thread, 'text', s.success, s.success ? '' : `Test failed: code expected to be 2xx`, 120, 110, 6, 6, s.url, s.latency, 0, 1].join(','),
);
writeFileSync(join(dir, 'results.csv'), [head, ...rows].join('\n') + '\n');
writeFileSync(join(dir, 'results-noheader.csv'), rows.join('\n') + '\n');
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
const xml = ['<?xml version="1.0" encoding="UTF-8"?>', '<testResults version="1.2">'];
samples.forEach((s, i) => {
  const attrs = `t="${s.elapsed}" it="0" lt="${s.latency}" ct="1" ts="${s.ts}" s="${s.success}" lb="${esc(s.label)}" rc="${s.code}" rm="${esc(s.message)}" tn="${s.thread}" dt="text" by="120" sby="110" ng="6" na="6"`;
  if (i === 0) {
    // a followed redirect: JMeter nests the hops as sub-results of the sample
    xml.push(`<httpSample ${attrs}>`);
    xml.push(`  <httpSample t="${Math.max(0, s.elapsed - 1)}" it="0" lt="1" ct="1" ts="${s.ts}" s="true" lb="${esc(s.label)}-0" rc="302" rm="Found" tn="${s.thread}" dt="text" by="60" sby="110" ng="6" na="6"/>`);
    xml.push(`  <java.net.URL>${esc(s.url)}</java.net.URL>`);
    xml.push('</httpSample>');
  } else xml.push(`<httpSample ${attrs}>\n  <java.net.URL>${esc(s.url)}</java.net.URL>\n</httpSample>`);
});
xml.push('</testResults>');
writeFileSync(join(dir, 'results.xml'), xml.join('\n') + '\n');
