import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadproofError } from '../errors.js';
import { createHistogram, decodeHistogram, encodeHistogram, recordUs } from '../metrics/histogram.js';
import { RESULT_SCHEMA } from '../result/types.js';
import { encodedHistogramProblem } from './histogram-check.js';
import { parseResult } from './read-result.js';

function histogram(): string {
  const h = createHistogram();
  for (let i = 0; i < 500; i++) recordUs(h, 1000 + ((i * 7919) % 40_000));
  return encodeHistogram(h);
}

/** The first one-character change of `good` that makes hdr-histogram-js throw `message`. */
function corruptWith(good: string, message: RegExp): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 12; i < good.length - 4; i++) {
    for (const c of alphabet) {
      const bad = good.slice(0, i) + c + good.slice(i + 1);
      if (bad === good) continue;
      try {
        decodeHistogram(bad);
      } catch (err) {
        if (message.test((err as Error).message)) return bad;
      }
    }
  }
  throw new Error(`no one-character change gives ${message}`);
}

const LATENCY = { min: 1, mean: 1.5, p50: 1, p90: 2, p95: 2, p99: 3, p999: 3, max: 3 };
const point = (t: number): Record<string, unknown> => ({ t, offeredRps: 250, rps: 250, errors: 0, inFlight: 1, vus: null, latencyMs: { p50: 1, p95: 2, p99: 3 } });

function doc(hdr: { summary?: string; endpoint?: string; point?: string }): string {
  return JSON.stringify({
    schema: RESULT_SCHEMA,
    source: 'loadproof',
    tool: { name: 'loadproof', version: 'x' },
    plan: { name: 'p', target: 'http://127.0.0.1:1', hypothesis: null, pattern: null },
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:02.000Z',
    durationSec: 2,
    verdict: 'pass',
    summary: { requests: 500, errors: 0, errorRate: 0, throughputRps: 250, peakRps: 250, latencyMs: LATENCY, ...(hdr.summary ? { hdr: hdr.summary } : {}) },
    endpoints: [{ name: 'a', method: 'GET', requests: 500, errors: 0, errorRate: 0, statusCodes: { '200': 500 }, latencyMs: LATENCY, ...(hdr.endpoint ? { hdr: hdr.endpoint } : {}) }],
    criteria: [],
    timeline: [point(0), { ...point(1), ...(hdr.point ? { hdr: hdr.point } : {}) }],
    steps: [],
    watch: {},
    analysis: null,
  });
}

function badInput(text: string): LoadproofError {
  try {
    parseResult(text, 'result.json');
  } catch (err) {
    assert.ok(err instanceof LoadproofError, `a LoadproofError, not ${(err as Error).constructor.name}: ${(err as Error).message}`);
    assert.equal(err.exitCode, 2);
    return err;
  }
  assert.fail('expected the result to be refused');
}

test('regression (issue 17): a corrupt summary.hdr ("invalid bit length repeat") is bad input located at the field, not a raw zlib error', () => {
  const good = histogram();
  const bad = corruptWith(good, /invalid bit length repeat/);
  const err = badInput(doc({ summary: bad }));
  assert.equal(err.where, 'result.json: summary.hdr');
  assert.match(err.message, /the encoded histogram is corrupt \(zlib: invalid bit length repeat\)/);
});

test('regression (issue 17): corrupt histograms in endpoints and timeline are located by index', () => {
  const good = histogram();
  assert.equal(badInput(doc({ summary: good, endpoint: corruptWith(good, /invalid (code lengths|distance|stored block|block type|literal)|incorrect (header|data) check|unexpected end/) })).where, 'result.json: endpoints.0.hdr');
  assert.equal(badInput(doc({ summary: good, point: good.slice(0, -8) })).where, 'result.json: timeline.1.hdr');
  assert.equal(badInput(doc({ point: 'not*base64' })).where, 'result.json: timeline.1.hdr');
  assert.doesNotThrow(() => parseResult(doc({ summary: good, endpoint: good, point: good }), 'result.json'));
});

test('every one-character change of an encoded histogram that breaks decoding is caught by the check', () => {
  const good = histogram();
  const alphabet = 'AZaz09+/';
  let caught = 0;
  for (let i = 0; i < good.length; i++) {
    for (const c of alphabet) {
      const bad = good.slice(0, i) + c + good.slice(i + 1);
      let threw = false;
      try {
        decodeHistogram(bad);
      } catch {
        threw = true;
      }
      if (threw) {
        assert.notEqual(encodedHistogramProblem(bad), null, `position ${i} → ${c} slipped through`);
        caught++;
      }
    }
  }
  assert.ok(caught > 100, `${caught} breaking changes checked`);
});
