import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSecretHeader, redactHeaders, REDACTED, SecretRegistry } from './redact.js';

test('isSecretHeader: the usual credential headers and names that say token/secret/password/session', () => {
  for (const h of ['Authorization', 'proxy-authorization', 'Cookie', 'Set-Cookie', 'X-API-Key', 'x-auth-token', 'X-CSRF-Token', 'x-client-secret', 'X-Password', 'x-session-id', 'api_key']) {
    assert.equal(isSecretHeader(h), true, h);
  }
  for (const h of ['content-type', 'user-agent', 'accept', 'x-request-id', 'host']) assert.equal(isSecretHeader(h), false, h);
});

test('redactHeaders: records and pair lists, copies only', () => {
  const rec = { Authorization: 'Bearer abc', 'content-type': 'application/json', cookie: 'sid=1' };
  assert.deepEqual(redactHeaders(rec), { Authorization: REDACTED, 'content-type': 'application/json', cookie: REDACTED });
  assert.equal(rec.Authorization, 'Bearer abc');
  const pairs: Array<[string, string]> = [['authorization', 'Basic xyz'], ['accept', '*/*']];
  assert.deepEqual(redactHeaders(pairs), [['authorization', REDACTED], ['accept', '*/*']]);
});

test('SecretRegistry scrubs learned values everywhere they occur, longest first', () => {
  const r = new SecretRegistry();
  r.learn('tok-123456');
  r.learn('tok-123456789');
  const text = 'request with tok-123456789 failed; retry tok-123456 and tok-123456';
  assert.equal(r.scrub(text), `request with ${REDACTED} failed; retry ${REDACTED} and ${REDACTED}`);
  assert.equal(r.scrub('nothing secret here'), 'nothing secret here');
  assert.equal(r.scrub('tok-123456'), REDACTED);
});

test('learning a Bearer header value also learns the bare credential; cookies their values', () => {
  const r = new SecretRegistry();
  r.learnHeaders({ Authorization: 'Bearer eyJhbGciOi.payload.sig', Accept: 'text/html', Cookie: 'sid=abcdef123; theme=dark' });
  assert.equal(r.scrub('token eyJhbGciOi.payload.sig echoed'), `token ${REDACTED} echoed`);
  assert.equal(r.scrub('session abcdef123 expired'), `session ${REDACTED} expired`);
  // every cookie value counts as secret (the registry cannot know which one is the session)
  assert.equal(r.scrub('theme dark'), `theme ${REDACTED}`);
  assert.equal(r.scrub('text/html'), 'text/html'); // not a secret header
});

test('short values are not learned (they would shred unrelated text)', () => {
  const r = new SecretRegistry({ minLength: 4 });
  r.learn('7');
  r.learn('ok');
  assert.equal(r.size, 0);
  assert.equal(r.scrub('HTTP 401: ok'), 'HTTP 401: ok');
});

test('credentials and secret-named parameters are redacted without being learned', () => {
  const r = new SecretRegistry();
  assert.equal(r.scrub('sent Authorization: Bearer abc.def-ghi'), `sent Authorization: Bearer ${REDACTED}`);
  assert.equal(r.scrub('Basic dXNlcjpwYXNz=='), `Basic ${REDACTED}`);
  assert.equal(r.scrub('GET /x?api_key=K123&page=2'), `GET /x?api_key=${REDACTED}&page=2`);
  assert.equal(r.scrub('password=hunter2&user=bob'), `password=${REDACTED}&user=bob`);
  assert.equal(r.scrub('{"email":"a@b.c","password":"hunter2","accessToken":"x\\"y"}'), `{"email":"a@b.c","password":"${REDACTED}","accessToken":"${REDACTED}"}`);
  // idempotent
  const once = r.scrub('?token=abc');
  assert.equal(r.scrub(once), once);
});

test('scrubDeep copies JSON-like values with strings scrubbed and secret-named fields redacted', () => {
  const r = new SecretRegistry();
  r.learn('s3cr3t-value');
  const v = { msg: 'got s3cr3t-value', list: ['x', 's3cr3t-value'], password: 'anything', n: 3, nested: { apiKey: 'k' } };
  assert.deepEqual(r.scrubDeep(v), { msg: `got ${REDACTED}`, list: ['x', REDACTED], password: REDACTED, n: 3, nested: { apiKey: REDACTED } });
  assert.equal(v.password, 'anything');
});

test('the registry is bounded: the oldest values are forgotten first', () => {
  const r = new SecretRegistry({ maxValues: 3 });
  for (const v of ['aaaa-1', 'aaaa-2', 'bbbb-3', 'cccc-4']) r.learn(v);
  assert.equal(r.size, 3);
  assert.equal(r.scrub('aaaa-1 aaaa-2 bbbb-3 cccc-4'), `aaaa-1 ${REDACTED} ${REDACTED} ${REDACTED}`);
});
