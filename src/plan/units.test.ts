import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDurationMs, parseDurationMs, parseDurationRangeMs, parseRatePerSec } from './units.js';

test('durations parse to milliseconds', () => {
  assert.equal(parseDurationMs('250ms'), 250);
  assert.equal(parseDurationMs('30s'), 30_000);
  assert.equal(parseDurationMs('1m30s'), 90_000);
  assert.equal(parseDurationMs('2h'), 7_200_000);
  assert.equal(parseDurationMs('1.5s'), 1500);
  assert.equal(parseDurationMs(200), 200);
  assert.equal(parseDurationMs('200'), 200);
  for (const bad of ['', '10q', 's', '1m30', '-1s', '1s 2s', 'abc']) assert.equal(parseDurationMs(bad), undefined, bad);
});

test('durations format back to the shortest form', () => {
  assert.equal(formatDurationMs(250), '250ms');
  assert.equal(formatDurationMs(30_000), '30s');
  assert.equal(formatDurationMs(90_000), '1m30s');
  assert.equal(formatDurationMs(3_600_000), '1h');
  assert.equal(formatDurationMs(0), '0ms');
});

test('ranges and rates', () => {
  assert.deepEqual(parseDurationRangeMs('1s..3s'), { minMs: 1000, maxMs: 3000 });
  assert.deepEqual(parseDurationRangeMs('500ms'), { minMs: 500, maxMs: 500 });
  assert.equal(parseDurationRangeMs('3s..1s'), undefined);
  assert.equal(parseRatePerSec('100/s'), 100);
  assert.equal(parseRatePerSec('6000/m'), 100);
  assert.equal(parseRatePerSec(5), 5);
  assert.equal(parseRatePerSec('fast'), undefined);
});
