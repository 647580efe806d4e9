import { SampleAggregator } from './common/result-builder.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/helpers/cli.js';
import { sniffKind } from './sniff.js';
import { templateParts, simpleJsonPath } from './common/template.js';
import { parseCsv } from './common/csv.js';

const fx = (tool: string, file: string): string => readFileSync(join(REPO_ROOT, 'src/formats', tool, 'fixtures', file), 'utf8');

test('every fixture is sniffed as the kind its tool wrote', () => {
  const cases: Array<[string, string, string]> = [
    ['wrk', 'wrk-latency.txt', 'wrk-text'],
    ['wrk', 'wrk2-documented.txt', 'wrk-text'],
    ['ab', 'ab.txt', 'ab-text'],
    ['ab', 'ab-gnuplot.tsv', 'ab-gnuplot'],
    ['ab', 'ab-percentiles.csv', 'ab-percentiles'],
    ['hey', 'hey.txt', 'hey-text'],
    ['hey', 'hey.csv', 'hey-csv'],
    ['locust', 'run_stats.csv', 'locust-stats'],
    ['locust', 'run_stats_history.csv', 'locust-history'],
    ['locust', 'run_failures.csv', 'locust-failures'],
    ['locust', 'run_exceptions.csv', 'locust-exceptions'],
    ['artillery', 'report.json', 'artillery-report'],
    ['k6', 'k6-out.ndjson', 'k6-points'],
    ['k6', 'k6-summary.json', 'k6-summary'],
    ['gatling', 'simulation.log', 'gatling-log'],
  ];
  for (const [tool, file, kind] of cases) assert.equal(sniffKind(fx(tool, file)), kind, `${tool}/${file}`);
  assert.equal(sniffKind('hello'), undefined);
  assert.equal(sniffKind('{"a":1}'), undefined);
});

test('templates split into parts for each tool to translate', () => {
  assert.deepEqual(templateParts('Bearer {{ token }}'), [
    { kind: 'text', text: 'Bearer ' },
    { kind: 'var', name: 'token' },
  ]);
  assert.deepEqual(templateParts('{{ $randomInt(1, 10) }}-{{$uuid()}}${env.API_KEY}'), [
    { kind: 'randomInt', min: 1, max: 10 },
    { kind: 'text', text: '-' },
    { kind: 'uuid' },
    { kind: 'env', name: 'API_KEY' },
  ]);
  assert.deepEqual(templateParts('{{ not a template! }}'), [{ kind: 'text', text: '{{ not a template! }}' }]);
  assert.deepEqual(simpleJsonPath('$.data.items[0].id'), ['data', 'items', 0, 'id']);
  assert.equal(simpleJsonPath('$..id'), undefined);
});

test('CSV: quoted cells with commas, doubled quotes and newlines; an open quote is a truncated file', () => {
  const rows = parseCsv({ path: 'x.csv', text: 'a,b\n"1,2","say ""hi""\nthere"\n' });
  assert.deepEqual(rows.map((r) => r.cells), [['a', 'b'], ['1,2', 'say "hi"\nthere']]);
  assert.deepEqual(rows.map((r) => r.line), [1, 2]);
  assert.throws(
    () => parseCsv({ path: 'x.csv', text: 'a,b\n"open,1\n' }),
    (e: Error & { where?: string }) => e.where === 'x.csv:2' && /not closed.*truncated/.test(e.message),
  );
});

test('sniffing JMeter JTLs, Gatling 2.0-2.1 and binary logs', () => {
  assert.equal(sniffKind('timeStamp,elapsed,label,responseCode\n1795785726843,79,a,200\n'), 'jmeter-csv');
  assert.equal(sniffKind('1795785726843,79,list items,200,OK,items 1-1,text,true,,120,110,6,6,http://x/,78,0,1\n'), 'jmeter-csv');
  assert.equal(sniffKind('<?xml version="1.0" encoding="UTF-8"?>\n<testResults version="1.2">\n</testResults>\n'), 'jmeter-xml');
  assert.equal(sniffKind('<html><body>no</body></html>'), undefined);
  assert.equal(sniffKind('MySimulation\trun1\tRUN\t1406822067250\tdesc\t2.0\n'), 'gatling-log');
  assert.equal(sniffKind('RUN\tMySimulation\t\trun1\t1406822067250\tdesc\t2.0\n'), 'gatling-log');
  assert.equal(sniffKind('\u0000\u0000\u0000\u0000\u00063.13.1'), 'gatling-binary-log');
});

test('regression (issue 17): the sample aggregator refuses a span beyond 7 days at the record, and spreads a long request in O(1)', () => {
  const file = { path: 'x.log', text: '' };
  const agg = new SampleAggregator(0, file);
  agg.add({ startMs: 0, latencyUs: 5_000_000, endpoint: 'a', method: '', status: 200 }, 1);
  // a request 6 days long: spread over its whole seconds without a per-second walk, then built densely
  const started = Date.now();
  agg.add({ startMs: 500, latencyUs: 6 * 86_400 * 1e6, endpoint: 'a', method: '', status: 200 }, 2);
  const parts = agg.build();
  assert.ok(Date.now() - started < 5_000);
  assert.equal(parts.timeline.length, 6 * 86_400 + 1);
  assert.equal(parts.timeline[1]!.inFlight, 2, 'both requests in flight during second 1');
  assert.equal(parts.timeline[86_400]!.inFlight, 1);
  assert.throws(
    () => agg.add({ startMs: 1e12, latencyUs: 1000, endpoint: 'a', method: '', status: 200 }, 3),
    (e: Error & { where?: string }) => e.where === 'x.log:3' && /would make the run span 11574\.1 days; loadproof imports runs up to 7 days long/.test(e.message),
  );
  assert.throws(() => agg.setVus(-8 * 86_400_000, 1, 'byte 40'), (e: Error & { where?: string }) => e.where === 'x.log: byte 40');
  assert.throws(() => agg.add({ startMs: NaN, latencyUs: 1, endpoint: 'a', method: '', status: 200 }, 4), /expected a finite request start/);
});
