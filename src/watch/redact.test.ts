import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl, scrubSqlLiterals } from './redact.js';

test('redactUrl hides passwords, keeps users', () => {
  assert.equal(redactUrl('postgres://app:s3cret@127.0.0.1:5432/shop'), 'postgres://app:***@127.0.0.1:5432/shop');
  assert.equal(redactUrl('http://127.0.0.1:3000/metrics'), 'http://127.0.0.1:3000/metrics');
});

test('scrubSqlLiterals removes string, dollar-quoted and numeric literals, keeps bind parameters ($1) and identifiers', () => {
  assert.equal(scrubSqlLiterals("SELECT * FROM users WHERE email = 'a@b.c' AND id = 42"), 'SELECT * FROM users WHERE email = ? AND id = ?');
  assert.equal(scrubSqlLiterals("SET search_path = 'o''brien'"), 'SET search_path = ?');
  assert.equal(scrubSqlLiterals("SELECT E'it\\'s', $$body$$, $fn$x$fn$"), 'SELECT ?, ?, ?');
  assert.equal(scrubSqlLiterals('SELECT t1.c2 FROM t1 WHERE v = $1 LIMIT $2'), 'SELECT t1.c2 FROM t1 WHERE v = $1 LIMIT $2');
  assert.equal(scrubSqlLiterals('SELECT "col 1" FROM x WHERE y > 3.5e2'), 'SELECT "col 1" FROM x WHERE y > ?');
  assert.equal(scrubSqlLiterals("INSERT INTO t VALUES (X'ff', -7)"), 'INSERT INTO t VALUES (?, -?)');
});
