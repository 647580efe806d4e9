import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatCount, formatMs, formatNumber, formatPct, formatRps, formatSeconds, formatSeriesValue, formatTimestamp } from './format.js';
import { criterionLabel, formatObserved, formatThreshold } from './criteria.js';

test('latency keeps at most 3 significant digits and groups thousands', () => {
  assert.equal(formatMs(0.4242), '0.42 ms');
  assert.equal(formatMs(4.219), '4.22 ms');
  assert.equal(formatMs(42.13), '42.1 ms');
  assert.equal(formatMs(421.4), '421 ms');
  assert.equal(formatMs(4210.6), '4,211 ms');
  assert.equal(formatMs(0), '0 ms');
  assert.equal(formatMs(null), '—');
  assert.equal(formatMs(Number.NaN), '—');
});

test('rates: one decimal below 10 req/s, whole above', () => {
  assert.equal(formatRps(2.25), '2.3 req/s');
  assert.equal(formatRps(3), '3 req/s');
  assert.equal(formatRps(225.4), '225 req/s');
  assert.equal(formatRps(12097), '12,097 req/s');
});

test('percentages: short where exact, precise near 0 and near 100, never a false 0% or 100%', () => {
  assert.equal(formatPct(0), '0%');
  assert.equal(formatPct(1), '100%');
  assert.equal(formatPct(0.3), '30%');
  assert.equal(formatPct(0.023), '2.3%');
  assert.equal(formatPct(0.0012), '0.12%');
  assert.equal(formatPct(0.00003), '<0.01%');
  assert.equal(formatPct(0.452), '45.2%');
  assert.equal(formatPct(0.99973), '99.97%');
  assert.equal(formatPct(0.999999), '>99.99%');
  assert.equal(formatPct(0.01), '1%');
});

test('counts, numbers, bytes, durations and timestamps', () => {
  assert.equal(formatCount(1234567), '1,234,567');
  assert.equal(formatCount(-1200), '-1,200');
  assert.equal(formatCount(12), '12');
  assert.equal(formatNumber(0.08512), '0.0851');
  assert.equal(formatNumber(28.84), '28.8');
  assert.equal(formatNumber(12345.6), '12,346');
  assert.equal(formatNumber(0.0000213), '0.0000213');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(96_000_000), '91.6 MiB');
  assert.equal(formatSeconds(108), '1m48s');
  assert.equal(formatSeconds(45), '45s');
  assert.equal(formatTimestamp('2025-06-16T08:00:00.000Z'), '2025-06-16 08:00 UTC');
  assert.equal(formatTimestamp('not a date'), 'not a date');
});

test('watched values read in their unit', () => {
  assert.equal(formatSeriesValue(41.8, '%'), '41.8%');
  assert.equal(formatSeriesValue(0.35, 'ratio'), '35%');
  assert.equal(formatSeriesValue(10, 'count'), '10');
  assert.equal(formatSeriesValue(59.7, '/s'), '59.7/s');
  assert.equal(formatSeriesValue(null, 'ms'), '—');
  assert.equal(formatSeriesValue(3, 'widgets'), '3 widgets');
});

test('criteria read as labels and thresholds in their unit', () => {
  const c = (metric: string, condition: string) => ({ metric, condition, observed: 1, pass: true });
  assert.equal(criterionLabel(c('http_req_duration', 'p(95)<200')), 'p95 latency');
  assert.equal(criterionLabel(c('http_req_duration', 'avg<100')), 'average latency');
  assert.equal(criterionLabel(c('http_req_duration{name:browse}', 'p(99)<500')), 'p99 latency of name:browse');
  assert.equal(criterionLabel(c('http_req_failed', 'rate<0.01')), 'error rate');
  assert.equal(criterionLabel(c('checks', 'rate>0.99')), 'checks passed');
  assert.equal(criterionLabel(c('http_reqs', 'rate>1000')), 'throughput');
  assert.equal(criterionLabel(c('http_reqs', 'count>10')), 'requests');
  assert.equal(formatThreshold(c('http_req_duration', 'p(95)<200')), '< 200 ms');
  assert.equal(formatThreshold(c('http_req_duration', 'p(95)<2s')), '< 2,000 ms');
  assert.equal(formatThreshold(c('http_req_duration', 'p(95)<50')), '< 50 ms');
  assert.equal(formatThreshold(c('http_req_failed', 'rate<0.01')), '< 1%');
  assert.equal(formatThreshold(c('checks', 'rate>=0.99')), '≥ 99%');
  assert.equal(formatThreshold(c('http_reqs', 'rate>1000')), '> 1,000 req/s');
  assert.equal(formatThreshold(c('http_req_duration', 'garbled')), 'garbled');
});

test('byte criteria and criteria with nothing observed read sensibly', () => {
  const c = (metric: string, condition: string, observed: number | null, note?: string) => ({ metric, condition, observed, pass: false, note });
  assert.equal(criterionLabel(c('data_received', 'rate>1000000', 1)), 'data received rate');
  assert.equal(criterionLabel(c('data_sent', 'count<1000', 1)), 'data sent');
  assert.equal(formatThreshold(c('data_received', 'rate>1048576', 1)), '> 1.00 MiB/s');
  assert.equal(formatObserved(c('data_sent', 'count<1000', 2048)), '2.00 KiB');
  assert.equal(formatObserved(c('http_req_duration{name:x}', 'p(95)<200', null, 'no endpoint matched name:x')), '— (no endpoint matched name:x)');
  assert.equal(formatObserved(c('http_req_duration', 'p(95)<200', null)), '—');
});
