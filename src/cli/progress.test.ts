import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatClock, Progress, renderPlainLine, renderStatusLine, type ProgressSnapshot } from './progress.js';
import type { Io } from './io.js';

const open: ProgressSnapshot = {
  stage: 3,
  stages: 8,
  elapsedSec: 42,
  totalSec: 120,
  model: 'open',
  targetRps: 300,
  achievedRps: 297,
  inFlight: 12,
  p95Ms: 23.4,
  errorRate: 0,
  watch: 'app CPU 87%',
};

test('formatClock', () => {
  assert.equal(formatClock(42), '00:42');
  assert.equal(formatClock(120), '02:00');
  assert.equal(formatClock(3725), '1:02:05');
});

test('at 120 columns the status line shows everything, with a bar', () => {
  const line = renderStatusLine(open, 120);
  assert.equal(line, 'stage 3/8  00:42/02:00 [#######-------------]  target 300/s  got 297/s  in-flight 12  p95 23ms  err 0.0%  app CPU 87%');
  assert.ok(line.length <= 119);
});

test('at 80 columns the bar shrinks and the least useful fields go first', () => {
  const line = renderStatusLine(open, 80);
  assert.ok(line.length <= 79, `${line.length}: ${line}`);
  for (const part of ['00:42/02:00', 'got 297/s', 'p95 23ms', 'err 0.0%', 'target 300/s', 'stage 3/8']) assert.ok(line.includes(part), `${part} in ${line}`);
  assert.match(line, /\[#+-+\]/);
  assert.ok(!line.includes('in-flight'), line);
});

test('at 40 columns the essentials remain: clock, achieved rate, p95, errors', () => {
  const line = renderStatusLine({ ...open, errorRate: 0.123, p95Ms: 15_300 }, 40);
  assert.ok(line.length <= 39, `${line.length}: ${line}`);
  for (const part of ['00:42/02:00', 'got 297/s', 'p95 15.3s', 'err 12%']) assert.ok(line.includes(part), `${part} in ${line}`);
});

test('closed model shows VUs; null p95 shows a dash; dropped arrivals are shown', () => {
  const closed: ProgressSnapshot = { ...open, model: 'closed', targetRps: undefined, vus: 40, targetVus: 50, p95Ms: null, dropped: 7 };
  const line = renderStatusLine(closed, 120);
  assert.ok(line.includes('vus 40/50') && line.includes('p95 -') && line.includes('dropped 7'), line);
  assert.ok(!line.includes('target'), line);
});

test('the bar follows elapsed/total and stays within bounds', () => {
  assert.ok(renderStatusLine({ ...open, elapsedSec: 0 }, 120).includes('[--------------------]'));
  assert.ok(renderStatusLine({ ...open, elapsedSec: 130 }, 120).includes('[####################]'));
});

test('renderPlainLine has every field and no bar', () => {
  assert.equal(renderPlainLine(open), '[00:42/02:00]  stage 3/8  target 300/s  got 297/s  in-flight 12  p95 23ms  err 0.0%  app CPU 87%');
});

function fakeIo(isTTY: boolean): Io & { outText: string; errText: string } {
  const io = {
    outText: '',
    errText: '',
    isTTY,
    columns: 80,
    out(t: string) {
      io.outText += t;
    },
    err(t: string) {
      io.errText += t;
    },
  };
  return io;
}

test('on a TTY: each update rewrites the line in place; finish clears it and prints the summary', () => {
  const io = fakeIo(true);
  const p = new Progress(io, { json: false });
  p.update({ ...open, elapsedSec: 1 });
  p.update({ ...open, elapsedSec: 2 });
  p.finish('done: 297 req/s, p95 23ms');
  p.finish('twice');
  const writes = io.errText.split('\r');
  assert.equal(writes.length, 4); // '', update, update, clear + summary
  assert.ok(writes[1]!.startsWith('stage 3/8  00:01/02:00') && writes[1]!.endsWith('\x1b[K'));
  assert.equal(writes[3], '\x1b[Kdone: 297 req/s, p95 23ms\n');
  assert.equal(io.outText, '');
});

test('not a TTY: plain lines every N seconds of run time and at stage changes', () => {
  const io = fakeIo(false);
  const p = new Progress(io, { json: false, everySec: 10 });
  for (let t = 0; t <= 25; t++) p.update({ ...open, elapsedSec: t, stage: t < 15 ? 1 : 2 });
  p.finish();
  const lines = io.errText.trimEnd().split('\n');
  assert.deepEqual(
    lines.map((l) => l.slice(0, 13)),
    ['[00:00/02:00]', '[00:10/02:00]', '[00:15/02:00]', '[00:25/02:00]'],
  );
  assert.ok(!io.errText.includes('\r'));
  assert.equal(io.outText, '');
});

test('--json and not a TTY: progress lines are JSON objects on stderr, nothing on stdout', () => {
  const io = fakeIo(false);
  const p = new Progress(io, { json: true, everySec: 5 });
  p.update(open);
  p.finish('summary');
  const [first, last] = io.errText.trimEnd().split('\n');
  assert.deepEqual(JSON.parse(first!), { progress: open });
  assert.equal(last, 'summary');
  assert.equal(io.outText, '');
});
