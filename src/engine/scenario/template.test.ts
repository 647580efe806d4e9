import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileJsonTemplate, compileTemplate, EMPTY_SCOPE, Vars } from './template.js';
import { LoadproofError } from '../../errors.js';
import { mulberry32 } from '../rng.js';

const vars = (o: Record<string, string>): Vars => {
  const v = new Vars();
  for (const [k, val] of Object.entries(o)) v.set(k, val);
  return v;
};

test('plain text is static and renders as written', () => {
  const t = compileTemplate('/items?x=1');
  assert.equal(t.isStatic, true);
  assert.equal(t.render(EMPTY_SCOPE), '/items?x=1');
  assert.deepEqual(t.names, []);
});

test('variables render their value, with or without spaces inside the braces', () => {
  const t = compileTemplate('Bearer {{ token }} / {{user}}');
  assert.equal(t.isStatic, false);
  assert.deepEqual(t.names, ['token', 'user']);
  assert.equal(t.render(vars({ token: 'abc', user: 'u1' })), 'Bearer abc / u1');
});

test('an unset variable renders as empty text and is reported in `missing`', () => {
  const t = compileTemplate('/users/{{ id }}/orders/{{ order }}');
  const missing: string[] = [];
  assert.equal(t.render(vars({ order: '9' }), missing), '/users//orders/9');
  assert.deepEqual(missing, ['id']);
  // without a sink it still renders
  assert.equal(t.render(EMPTY_SCOPE), '/users//orders/');
});

test('$randomString: default length 10, explicit length, alphanumeric only', () => {
  const a = compileTemplate('{{ $randomString() }}').render(EMPTY_SCOPE);
  const b = compileTemplate('x-{{ $randomString(16) }}').render(EMPTY_SCOPE);
  assert.match(a, /^[A-Za-z0-9]{10}$/);
  assert.match(b, /^x-[A-Za-z0-9]{16}$/);
  const t = compileTemplate('{{ $randomString() }}');
  assert.equal(t.isStatic, false);
  assert.notEqual(t.render(EMPTY_SCOPE), t.render(EMPTY_SCOPE));
});

test('$randomInt(a,b) is inclusive on both ends and seeded draws are reproducible', () => {
  const t = compileTemplate('{{ $randomInt(1, 3) }}', 'f', { rng: mulberry32(5) });
  const seen = new Set<string>();
  for (let i = 0; i < 300; i++) seen.add(t.render(EMPTY_SCOPE));
  assert.deepEqual([...seen].sort(), ['1', '2', '3']);
  const neg = compileTemplate('{{ $randomInt(-5,-5) }}');
  assert.equal(neg.render(EMPTY_SCOPE), '-5');
  const a = compileTemplate('{{ $randomInt(1,1000000) }}', 'f', { rng: mulberry32(77) });
  const b = compileTemplate('{{ $randomInt(1,1000000) }}', 'f', { rng: mulberry32(77) });
  assert.equal(a.render(EMPTY_SCOPE), b.render(EMPTY_SCOPE));
});

test('$uuid and $timestamp', () => {
  assert.match(compileTemplate('{{ $uuid() }}').render(EMPTY_SCOPE), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const before = Date.now();
  const ts = Number(compileTemplate('{{ $timestamp() }}').render(EMPTY_SCOPE));
  assert.ok(ts >= before && ts <= Date.now());
});

test('$env is read once at compile time and keeps the template static', () => {
  const t = compileTemplate('key={{ $env(API_KEY) }}', 'headers.x', { env: { API_KEY: 's3' } });
  assert.equal(t.isStatic, true);
  assert.equal(t.render(EMPTY_SCOPE), 'key=s3');
  assert.throws(
    () => compileTemplate('{{ $env(NOPE) }}', 'headers.x', { env: {} }),
    (e: LoadproofError) => e.code === 'LP_ENV_MISSING' && e.where === 'headers.x' && e.exitCode === 2,
  );
});

test('bad syntax and unknown functions are plan errors naming the field, with a hint', () => {
  const where = 'scenarios.1.flow.0.json.name';
  const cases: Array<[string, RegExp]> = [
    ['{{ $randomStrin() }}', /unknown template function \$randomStrin/],
    ['{{ token', /unclosed/],
    ['{{ two words }}', /not a template expression/],
    ['{{ $randomInt(1) }}', /takes 2 arguments/],
    ['{{ $randomInt(a, 2) }}', /must be an integer/],
    ['{{ $randomInt(5, 1) }}', /must not exceed/],
    ['{{ $randomString(0) }}', /length must be/],
    ['{{ $uuid(3) }}', /takes 0 arguments/],
    ['{{ {{ x }} }}', /do not nest/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => compileTemplate(text, where),
      (e: unknown) => e instanceof LoadproofError && e.code === 'LP_PLAN_INVALID' && e.exitCode === 2 && e.where === where && message.test(e.message) && !!e.hint,
      text,
    );
  }
  assert.throws(() => compileTemplate('{{ $randomStrin() }}', where), (e: LoadproofError) => e.hint === 'did you mean $randomString()?');
});

test('JSON bodies: static values serialise once; templates in values and keys render', () => {
  const s = compileJsonTemplate({ email: 'a@b.c', n: 42, ok: true, none: null, list: [1, 'x'] }, 'json');
  assert.equal(s.isStatic, true);
  assert.equal(s.render(EMPTY_SCOPE), JSON.stringify({ email: 'a@b.c', n: 42, ok: true, none: null, list: [1, 'x'] }));

  const t = compileJsonTemplate({ name: '{{ $randomString(4) }}', '{{ k }}': 'v', nested: [{ who: 'user {{ user }}' }] }, 'json');
  assert.equal(t.isStatic, false);
  const out = JSON.parse(t.render(vars({ k: 'dyn', user: 'a"b' }))) as Record<string, unknown>;
  assert.match(out.name as string, /^[A-Za-z0-9]{4}$/);
  assert.equal(out.dyn, 'v');
  assert.deepEqual(out.nested, [{ who: 'user a"b' }]); // quotes in captured values are escaped
});

test('JSON bodies: a value that is exactly $randomInt or $timestamp renders as a number; a variable stays a string', () => {
  const t = compileJsonTemplate({ a: '{{ $randomInt(7,7) }}', b: 'id-{{ $randomInt(7,7) }}', c: '{{ id }}', '{{ $randomInt(1,1) }}': 0 }, 'json');
  assert.deepEqual(JSON.parse(t.render(vars({ id: '12' }))), { a: 7, b: 'id-7', c: '12', '1': 0 });
  const ts = JSON.parse(compileJsonTemplate({ at: '{{ $timestamp() }}' }).render(EMPTY_SCOPE)) as { at: unknown };
  assert.equal(typeof ts.at, 'number');
});

test('JSON bodies: errors name the nested field path; missing variables are reported', () => {
  assert.throws(
    () => compileJsonTemplate({ user: { name: '{{ $nope() }}' } }, 'scenarios.1.flow.0.json'),
    (e: LoadproofError) => e.where === 'scenarios.1.flow.0.json.user.name',
  );
  const missing: string[] = [];
  const t = compileJsonTemplate({ token: '{{ token }}' });
  assert.equal(t.render(EMPTY_SCOPE, missing), '{"token":""}');
  assert.deepEqual(missing, ['token']);
  assert.deepEqual(t.names, ['token']);
});
