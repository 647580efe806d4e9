import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpect, jsonEqual, runChecks } from './checks.js';
import type { ExpectSpec as Expect } from './checks.js';
import type { ResponseView } from './response.js';

const res = (status: number, body: string, durationMs = 10): ResponseView => ({ status, headers: {}, body: Buffer.from(body), durationMs });

test('each condition is one check with a stable name', () => {
  const expect: Expect = { status: 200, maxDurationMs: 200, contains: 'ok', json: { '$.ok': true, '$.items[*].id': [1, 2] } };
  const c = compileExpect(expect);
  assert.deepEqual(c.names, ['status is 200', 'duration <= 200ms', 'body contains "ok"', '$.ok equals true', '$.items[*].id equals [1,2]']);
  assert.deepEqual(c.run(res(200, '{"ok":true,"items":[{"id":1},{"id":2}]}', 50)), { passes: 5, fails: 0, failed: [] });
});

test('failures are counted and named; they do not throw', () => {
  const expect: Expect = { status: [200, 201], maxDurationMs: 2000, contains: 'ok', json: { '$.ok': true } };
  const out = runChecks(expect, res(500, '{"ok":false}', 2500));
  assert.deepEqual(out, { passes: 1, fails: 3, failed: ['status in [200, 201]', 'duration <= 2s', '$.ok equals true'] });
});

test('maxDuration is inclusive; status lists accept any member', () => {
  assert.equal(runChecks({ maxDurationMs: 200 }, res(200, '', 200)).passes, 1);
  assert.equal(runChecks({ maxDurationMs: 200 }, res(200, '', 200.5)).fails, 1);
  assert.equal(runChecks({ status: [200, 201] }, res(201, '')).passes, 1);
});

test('JSONPath checks use deep equality; a non-JSON body fails them', () => {
  const expect: Expect = { json: { '$.user': { id: 7, roles: ['a'] }, '$.missing': null } };
  assert.deepEqual(runChecks(expect, res(200, '{"user":{"roles":["a"],"id":7},"missing":null}')).fails, 0);
  assert.deepEqual(runChecks(expect, res(200, '{"user":{"roles":["a","b"],"id":7}}')).fails, 2);
  assert.deepEqual(runChecks({ json: { '$.x': 1 } }, res(200, '<html>')).failed, ['$.x equals 1']);
  // a path that matches nothing does not equal null
  assert.equal(runChecks({ json: { '$.nope': null } }, res(200, '{}')).fails, 1);
});

test('an empty expect runs no checks', () => {
  assert.deepEqual(runChecks({}, res(200, '')), { passes: 0, fails: 0, failed: [] });
});

test('jsonEqual', () => {
  assert.ok(jsonEqual({ a: [1, { b: null }] }, { a: [1, { b: null }] }));
  assert.ok(!jsonEqual({ a: 1 }, { a: 1, b: 2 }));
  assert.ok(!jsonEqual([1], { 0: 1 }));
  assert.ok(!jsonEqual(1, '1'));
  assert.ok(!jsonEqual({ a: undefined }, { b: undefined }));
});
