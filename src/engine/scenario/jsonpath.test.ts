import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileJsonPath } from './jsonpath.js';
import { LoadproofError } from '../../errors.js';

const doc = {
  token: 'abc',
  user: { id: 7, roles: ['admin', 'dev'], 'full name': 'Ada L' },
  items: [
    { id: 1, ok: true, tags: ['x'] },
    { id: 2, ok: false, tags: [] },
  ],
  nothing: null,
};

test('definite paths use the direct walk and find values', () => {
  const cases: Array<[string, unknown]> = [
    ['$.token', 'abc'],
    ['$.user.id', 7],
    ['$.user.roles[1]', 'dev'],
    ["$.user['full name']", 'Ada L'],
    ['$["user"]["roles"][0]', 'admin'],
    ['$.items[0].tags[0]', 'x'],
    ['$.items.1.id', 2],
    ['$.nothing', null],
    ['$', doc],
  ];
  for (const [path, want] of cases) {
    const q = compileJsonPath(path);
    assert.equal(q.definite, true, path);
    assert.deepEqual(q.first(doc), want, path);
    assert.deepEqual(q.all(doc), [want], path);
  }
});

test('definite paths that do not match give undefined / [] (no inherited or array properties)', () => {
  for (const path of ['$.nope', '$.user.roles[5]', '$.token.length', '$.items.length', '$.user.constructor', '$.nothing.x']) {
    const q = compileJsonPath(path);
    assert.equal(q.first(doc), undefined, path);
    assert.deepEqual(q.all(doc), [], path);
  }
  assert.equal(compileJsonPath('$.a').first('not an object'), undefined);
});

test('wildcards, descent, filters and slices go through jsonpath-plus', () => {
  const cases: Array<[string, unknown[]]> = [
    ['$.items[*].id', [1, 2]],
    ['$..id', [7, 1, 2]],
    ['$.items[?(@.ok)].id', [1]],
    ['$.items[?(@.id > 1)].id', [2]],
    ['$.items[-1:].id', [2]],
    ['$.user.roles[0,1]', ['admin', 'dev']],
  ];
  for (const [path, want] of cases) {
    const q = compileJsonPath(path);
    assert.equal(q.definite, false, path);
    assert.deepEqual(q.all(doc), want, path);
    assert.deepEqual(q.first(doc), want[0], path);
  }
  assert.deepEqual(compileJsonPath('$..zzz').all(doc), []);
  assert.deepEqual(compileJsonPath('$..id').all(null), []);
});

test('a filter that throws on a document matches nothing instead of throwing', () => {
  assert.deepEqual(compileJsonPath('$..[?(@.constructor)]').all(doc), []);
});

test('malformed paths are plan errors naming the field', () => {
  for (const path of ['token', '$.items[0', "$['a]", '$.a)', '$.a.']) {
    assert.throws(
      () => compileJsonPath(path, 'scenarios.0.setup.0.capture.token'),
      (e: unknown) => e instanceof LoadproofError && e.code === 'LP_PLAN_INVALID' && e.where === 'scenarios.0.setup.0.capture.token',
      path,
    );
  }
});
