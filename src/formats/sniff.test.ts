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
