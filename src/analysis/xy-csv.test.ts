import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadproofError } from '../errors.js';
import { parseXyCsv } from './xy-csv.js';

test('parseXyCsv: optional header, separators, comments, blank lines', () => {
  const r = parseXyCsv('# capacity data\nN;X\n1; 10\n\n2\t19.5\n4 36e0\n', 'd.csv', ['N', 'X']);
  assert.deepEqual(r.header, ['N', 'X']);
  assert.deepEqual(r.xs, [1, 2, 4]);
  assert.deepEqual(r.ys, [10, 19.5, 36]);
  assert.deepEqual(r.lines, [3, 5, 6]);
  assert.equal(parseXyCsv('1,2\n3,4', 'd.csv', ['x', 'y']).header, null);
});

test('parseXyCsv names the bad line, exit 2', () => {
  assert.throws(
    () => parseXyCsv('x,y\n1,2\n3,four\n', 'd.csv', ['x', 'y']),
    (e: unknown) => e instanceof LoadproofError && e.where === 'd.csv:3' && e.exitCode === 2 && /expected two numbers/.test(e.message),
  );
  assert.throws(() => parseXyCsv('1,2,3\n', 'd.csv', ['x', 'y']), (e: unknown) => e instanceof LoadproofError && e.where === 'd.csv:1');
});
