/**
 * JUnit XML: well-formed (checked by an independent parser, fast-xml-parser), one testcase per
 * criterion with the observed value on failures, an extra failing testcase for aborted and invalid
 * runs, and `tests`/`failures` counts that agree with the cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { renderJunit } from '../../src/report/junit.js';
import type { Result } from '../../src/result/types.js';
import { HOSTILE, RESULT_FIXTURE_NAMES, hostileResult, loadResultFixture } from '../helpers/result-fixtures.js';

interface Failure {
  message: string;
  type: string;
  '#text'?: string;
}
interface TestCase {
  name: string;
  classname: string;
  failure?: Failure;
}
interface Parsed {
  testsuites: {
    tests: string;
    failures: string;
    testsuite: { name: string; tests: string; failures: string; testcase?: TestCase[] };
  };
}

function parse(xml: string): Parsed['testsuites'] {
  const valid = XMLValidator.validate(xml);
  assert.equal(valid, true, `not well-formed XML: ${JSON.stringify(valid)}`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    isArray: (name) => name === 'testcase' || name === 'property',
  });
  return (parser.parse(xml) as Parsed).testsuites;
}

function expectedFailures(r: Result): number {
  return r.criteria.filter((c) => !c.pass).length + (r.verdict === 'aborted' || r.verdict === 'invalid' ? 1 : 0);
}

for (const name of RESULT_FIXTURE_NAMES) {
  test(`JUnit for ${name}: well-formed, one testcase per criterion, counts right`, () => {
    const r = loadResultFixture(name);
    const suites = parse(renderJunit(r));
    const cases = suites.testsuite.testcase ?? [];
    const extra = r.verdict === 'aborted' || r.verdict === 'invalid' ? 1 : 0;
    assert.equal(cases.length, r.criteria.length + extra);
    assert.equal(Number(suites.tests), cases.length);
    assert.equal(Number(suites.testsuite.tests), cases.length);
    assert.equal(Number(suites.failures), expectedFailures(r));
    assert.equal(Number(suites.testsuite.failures), cases.filter((c) => c.failure).length);
    assert.equal(suites.testsuite.name, r.plan.name);
    r.criteria.forEach((c, i) => {
      const tc = cases[i]!;
      assert.equal(tc.name, `${c.metric} ${c.condition}`);
      assert.equal(tc.classname, r.plan.name);
      assert.equal(Boolean(tc.failure), !c.pass, tc.name);
    });
  });
}

test('a failed criterion carries the observed value; aborted and invalid runs add a failing case saying so', () => {
  const stress = parse(renderJunit(loadResultFixture('fail-stress'))).testsuite.testcase!;
  const p95 = stress.find((c) => c.name === 'http_req_duration p(95)<200')!;
  assert.equal(p95.failure!.type, 'threshold');
  assert.match(p95.failure!.message, /observed p95 latency 9,871 ms, threshold < 200 ms/);
  assert.match(p95.failure!['#text'] ?? '', /observed: 9871\.359 ms/);

  const aborted = parse(renderJunit(loadResultFixture('aborted-breakpoint'))).testsuite.testcase!;
  const stop = aborted.find((c) => c.failure?.type === 'aborted')!;
  assert.equal(stop.name, 'run completed without an abort');
  assert.match(stop.failure!.message, /stopped the run by rule http_req_duration p\(95\)>1000 for 5s at 1m48s/);

  const invalid = parse(renderJunit(loadResultFixture('invalid-generator'))).testsuite.testcase!;
  const v = invalid.find((c) => c.failure?.type === 'invalid')!;
  assert.equal(v.name, 'results are valid');
  assert.match(v.failure!.message, /generator-saturated/);

  // Without criteria and with a valid run there is nothing to fail.
  const imported = parse(renderJunit(loadResultFixture('imported-wrk')));
  assert.equal(Number(imported.tests), 0);
  assert.equal(Number(imported.failures), 0);
});

test('hostile names and control characters stay well-formed and come back as the same text', () => {
  const r = hostileResult();
  r.plan.name = `${HOSTILE}\u0000\u0007\u001b[31m\uD800 ]]> "quoted"`;
  const suites = parse(renderJunit(r));
  assert.equal(suites.testsuite.name, `${HOSTILE}\uFFFD\uFFFD\uFFFD[31m\uFFFD ]]> "quoted"`);
  const hostileCase = suites.testsuite.testcase!.find((c) => c.name.includes('{name:'))!;
  assert.equal(hostileCase.name, `http_req_duration{name:${HOSTILE}} p(95)<200`);
});
