import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataExhausted, DataTable, VuRows, csvTable, jsonTable, loadDataSets } from './data.js';
import { LoadproofError } from '../errors.js';
import { parsePlan } from '../plan/parse.js';
import { mulberry32 } from './rng.js';

function errorOf(fn: () => unknown): LoadproofError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof LoadproofError, String(err));
    return err;
  }
  assert.fail('no error');
}

test('CSV: header and rows, quoted cells; ragged rows, empty files and unnamed columns name file:line', () => {
  const t = csvTable('/x/users.csv', 'email,password\na@x.io,"p,1"\n"b@x.io",p2\n');
  assert.deepEqual(t.columns, ['email', 'password']);
  assert.deepEqual(t.cells, [['a@x.io', 'p,1'], ['b@x.io', 'p2']]);
  const ragged = errorOf(() => csvTable('/x/users.csv', 'email,password\na@x.io,p1\nb@x.io\n'));
  assert.equal(ragged.where, 'users.csv:3');
  assert.match(ragged.message, /row has 1 cell, the header has 2/);
  assert.equal(ragged.exitCode, 2);
  assert.equal(errorOf(() => csvTable('/x/e.csv', '')).where, 'e.csv:1');
  assert.match(errorOf(() => csvTable('/x/h.csv', 'email\n')).message, /no rows/);
  assert.equal(errorOf(() => csvTable('/x/u.csv', 'email,,x\n1,2,3\n')).where, 'u.csv:1');
});

test('JSON: an array of objects; a missing key names its line', () => {
  const t = jsonTable('/x/p.json', '[{"id": 1, "name": "a"},\n {"id": 2, "name": "b"}]');
  assert.deepEqual(t.columns, ['id', 'name']);
  assert.deepEqual(t.cells, [['1', 'a'], ['2', 'b']]);
  const e = errorOf(() => jsonTable('/x/p.json', '[\n  {"id": 1, "name": "a"},\n  {"id": 2}\n]'));
  assert.equal(e.where, 'p.json:3');
  assert.match(e.message, /lacks "name"/);
  assert.match(errorOf(() => jsonTable('/x/p.json', '{"a": 1}')).message, /array of objects/);
  assert.match(errorOf(() => jsonTable('/x/p.json', '[]')).message, /empty/);
});

function tableOf(csv: string, source: string, segment?: { index: number; count: number }): DataTable {
  const dir = mkdtempSync(join(tmpdir(), 'lp-data-'));
  try {
    const file = join(dir, 'd.csv');
    writeFileSync(file, csv);
    const plan = parsePlan(`
name: d
target: http://127.0.0.1:1
pattern: { type: smoke, peak: 1 }
data: { d: ${source.replace('FILE', file)} }
scenarios: [{ name: a, flow: [{ get: "/{{ d.v }}" }] }]
`);
    return new DataTable(loadDataSets(plan.data, segment)[0]!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CSV5 = 'v\n0\n1\n2\n3\n4\n';

test('modes: sequential wraps, unique errors or recycles when exhausted, per-vu is k mod n', () => {
  const rng = mulberry32(1);
  const seq = tableOf(CSV5, 'FILE');
  assert.deepEqual(Array.from({ length: 7 }, () => seq.draw(rng, 0)), [0, 1, 2, 3, 4, 0, 1]);
  const uniq = tableOf(CSV5, '{ file: FILE, mode: unique }');
  assert.deepEqual(Array.from({ length: 5 }, () => uniq.draw(rng, 0)), [0, 1, 2, 3, 4]);
  assert.throws(() => uniq.draw(rng, 0), DataExhausted);
  const rec = tableOf(CSV5, '{ file: FILE, mode: unique, onExhausted: recycle }');
  assert.deepEqual(Array.from({ length: 7 }, () => rec.draw(rng, 0)), [0, 1, 2, 3, 4, 0, 1]);
  const pv = tableOf(CSV5, '{ file: FILE, mode: per-vu }');
  assert.deepEqual([0, 1, 7, 12].map((k) => pv.draw(rng, k)), [0, 1, 2, 2]);
  const rnd = tableOf(CSV5, '{ file: FILE, mode: random }');
  const seen = new Set(Array.from({ length: 200 }, () => rnd.draw(rng, 0)));
  assert.equal(seen.size, 5);
});

test('segments partition unique rows: no row is used by two segments, every row by one', () => {
  const csv = `v\n${Array.from({ length: 10 }, (_, i) => i).join('\n')}\n`;
  const used: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = tableOf(csv, '{ file: FILE, mode: unique }', { index: i, count: 3 });
    for (;;) {
      try {
        used.push(Number(t.cell(t.draw(Math.random, 0), 0)));
      } catch {
        break;
      }
    }
  }
  assert.deepEqual(used.sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('VuRows: per-iteration tables draw again each iteration, per-vu tables keep their row', () => {
  const a = tableOf('v\nx\ny\nz\n', 'FILE');
  const b = tableOf('w\np\nq\n', '{ file: FILE, per: vu }');
  const rows = new VuRows([a, b], new Map([['a', 0], ['b', 1]]), Math.random, 0);
  rows.begin([0, 1]);
  // the tables were loaded under the name "d"; VuRows looks them up by the names given here
  assert.equal(rows.get('a.v'), 'x');
  assert.equal(rows.get('b.w'), 'p');
  rows.begin([0, 1]);
  assert.equal(rows.get('a.v'), 'y');
  assert.equal(rows.get('b.w'), 'p');
  assert.equal(rows.get('a.nope'), undefined);
  assert.equal(rows.get('c.v'), undefined);
});

test('a template reading a column the file lacks is a plan error naming the step', async () => {
  const { compilePlan } = await import('./compile.js');
  const dir = mkdtempSync(join(tmpdir(), 'lp-data-'));
  try {
    const file = join(dir, 'users.csv');
    writeFileSync(file, 'email,password\na,b\n');
    const plan = parsePlan(`
name: d
target: http://127.0.0.1:1
pattern: { type: smoke, peak: 1 }
data: { user: ${file} }
scenarios: [{ name: a, flow: [{ post: /login, json: { e: "{{ user.emial }}" } }] }]
`);
    const e = errorOf(() => compilePlan(plan, { data: loadDataSets(plan.data) }));
    assert.equal(e.where, 'scenarios.0.flow.0');
    assert.match(e.message, /no column "emial"/);
    assert.match(e.hint!, /email, password/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
