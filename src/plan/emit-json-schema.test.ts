import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { PLAN_JSON_SCHEMA_FILE, planJsonSchema, planJsonSchemaText } from './emit-json-schema.js';
import { parsePlan } from './parse.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const EXAMPLE = resolve(REPO_ROOT, 'examples/plan-example.yaml');

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  return ajv.compile(planJsonSchema());
}

test('the committed schema/plan.schema.json is what the code generates (run `npm run schema`)', () => {
  assert.equal(readFileSync(PLAN_JSON_SCHEMA_FILE, 'utf8'), planJsonSchemaText());
});

test('plan-example.yaml validates against the JSON Schema and the zod schema', () => {
  const text = readFileSync(EXAMPLE, 'utf8');
  const validate = validator();
  const ok = validate(parseYaml(text));
  assert.equal(ok, true, JSON.stringify(validate.errors, null, 2));
  assert.equal(parsePlan(text).name, 'items API capacity');
});

test('the JSON Schema rejects what zod rejects: unknown fields, bad durations, bad expressions, two methods', () => {
  const validate = validator();
  const base = (): Record<string, unknown> => ({
    name: 'x',
    target: 'http://127.0.0.1:3000',
    pattern: { type: 'load', peak: 10 },
    scenarios: [{ name: 's', flow: [{ get: '/items' }] }],
  });
  assert.equal(validate(base()), true, JSON.stringify(validate.errors));
  const bad: Array<[string, (p: Record<string, unknown>) => void]> = [
    ['unknown top-level field', (p) => (p.thresholdz = {})],
    ['bad duration', (p) => (p.pattern = { type: 'load', peak: 10, duration: '10 minutes' })],
    ['bad threshold expression', (p) => (p.thresholds = { http_req_duration: ['p95<200'] })],
    ['unknown metric', (p) => (p.thresholds = { http_req_duraton: ['p(95)<200'] })],
    ['abort rule without for', (p) => (p.abort = { http_req_failed: 'rate>0.05' })],
    ['two methods in one step', (p) => (p.scenarios = [{ name: 's', flow: [{ get: '/a', post: '/b' }] }])],
    ['a step with neither request nor think', (p) => (p.scenarios = [{ name: 's', flow: [{ name: 'x' }] }])],
    ['no pattern and no stages', (p) => delete p.pattern],
    ['unknown pattern type', (p) => (p.pattern = { type: 'burst', peak: 10 })],
    ['two watchers in one entry', (p) => (p.watch = [{ process: { port: 1 }, eventLoop: { url: 'http://x' } }])],
    ['bad think range', (p) => (p.scenarios = [{ name: 's', flow: [{ think: '3s...1s' }] }])],
  ];
  for (const [what, mutate] of bad) {
    const p = base();
    mutate(p);
    assert.equal(validate(p), false, `${what} should be rejected`);
  }
  // Explicit stages without a pattern are fine.
  const staged = base();
  delete staged.pattern;
  staged.load = { stages: [{ duration: '1m30s', target: 5 }] };
  assert.equal(validate(staged), true, JSON.stringify(validate.errors));
});
