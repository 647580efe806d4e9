import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyCaptures, compileCaptures } from './capture.js';
import { bodyJson, NOT_JSON, type ResponseView } from './response.js';
import { Vars } from './template.js';
import { LoadproofError } from '../../errors.js';

const res = (body: string, headers: Record<string, string> = {}, status = 200): ResponseView => ({
  status,
  headers,
  body: Buffer.from(body),
  durationMs: 12,
});

test('JSONPath, {json}, regex and header captures set variables', () => {
  const vars = new Vars();
  const out = applyCaptures(
    {
      token: '$.token',
      id: { json: '$.items[0].id' },
      csrf: { regex: 'csrf=([a-z0-9]+);' },
      loc: { header: 'Location' },
    },
    res('{"token":"t-123","items":[{"id":42}],"note":"csrf=ab12;"}', { location: '/items/42' }),
    vars,
  );
  assert.deepEqual(out, { captured: ['token', 'id', 'csrf', 'loc'], missing: [] });
  assert.equal(vars.get('token'), 't-123');
  assert.equal(vars.get('id'), '42'); // numbers as plain text
  assert.equal(vars.get('csrf'), 'ab12');
  assert.equal(vars.get('loc'), '/items/42');
});

test('non-string values are JSON text; objects, booleans and null too', () => {
  const vars = new Vars();
  applyCaptures({ o: '$.o', b: '$.b', n: '$.n', f: '$.f' }, res('{"o":{"a":[1,2]},"b":true,"n":null,"f":1.5}'), vars);
  assert.equal(vars.get('o'), '{"a":[1,2]}');
  assert.equal(vars.get('b'), 'true');
  assert.equal(vars.get('n'), 'null');
  assert.equal(vars.get('f'), '1.5');
});

test('regex group: default 1, 0 when the regex has no group, explicit group', () => {
  const vars = new Vars();
  const r = res('order #123 by user-9');
  applyCaptures({ whole: { regex: 'user-\\d+' }, num: { regex: '#(\\d+) by (\\S+)' }, who: { regex: '#(\\d+) by (\\S+)', group: 2 } }, r, vars);
  assert.equal(vars.get('whole'), 'user-9');
  assert.equal(vars.get('num'), '123');
  assert.equal(vars.get('who'), 'user-9');
});

test('what is not found is reported missing and leaves the old value in place', () => {
  const vars = new Vars();
  vars.set('token', 'old');
  const out = applyCaptures({ token: '$.token', h: { header: 'x-none' }, r: { regex: 'zzz(\\d)' } }, res('not json'), vars);
  assert.deepEqual(out, { captured: [], missing: ['token', 'h', 'r'] });
  assert.equal(vars.get('token'), 'old');
  assert.equal(vars.has('h'), false);
});

test('the body is parsed as JSON once per response, lazily', () => {
  const r = res('{"a":1,"b":2}');
  const original = JSON.parse;
  let parses = 0;
  JSON.parse = ((text: string) => {
    parses++;
    return original(text) as unknown;
  }) as typeof JSON.parse;
  try {
    const c = compileCaptures({ x: { header: 'h' } });
    c.apply(r, new Vars());
    assert.equal(parses, 0, 'a header capture does not parse the body');
    compileCaptures({ a: '$.a', b: '$.b' }).apply(r, new Vars());
    assert.equal(bodyJson(r) !== NOT_JSON, true);
    assert.equal(parses, 1);
  } finally {
    JSON.parse = original;
  }
});

test('captured values are handed to the secret sink', () => {
  const learned: string[] = [];
  compileCaptures({ token: '$.token' }).apply(res('{"token":"s3cr3t"}'), new Vars(), { learn: (v) => learned.push(v) });
  assert.deepEqual(learned, ['s3cr3t']);
});

test('bad regexes, groups and JSONPaths are plan errors naming the capture', () => {
  const where = 'scenarios.0.setup.0.capture';
  assert.throws(() => compileCaptures({ t: { regex: '(' } }, where), (e: LoadproofError) => e.where === `${where}.t` && /invalid regex/.test(e.message));
  assert.throws(() => compileCaptures({ t: { regex: 'a(b)', group: 2 } }, where), (e: LoadproofError) => /group 2 does not exist/.test(e.message));
  assert.throws(() => compileCaptures({ t: 'token' }, where), (e: LoadproofError) => e.where === `${where}.t`);
});

test('{header, regex}: a regular expression on a header value (a cookie out of Set-Cookie)', () => {
  const vars = new Vars();
  const c = compileCaptures({ sid: { header: 'Set-Cookie', regex: 'sid=([^;]+)' }, whole: { header: 'set-cookie', regex: 'Path=/', group: 0 }, none: { header: 'x-absent', regex: '(.)' } });
  const out = c.apply(res('{}', { 'set-cookie': 'sid=abc123; Path=/; HttpOnly' }), vars);
  assert.deepEqual(out, { captured: ['sid', 'whole'], missing: ['none'] });
  assert.equal(vars.get('sid'), 'abc123');
  assert.equal(vars.get('whole'), 'Path=/');
  assert.throws(() => compileCaptures({ x: { header: 'a', regex: '(' } }, 'capture'), LoadproofError);
});
