/**
 * Golden files for the Markdown report and the terminal summary, one pair per stored result
 * (passing, failing, aborted, invalid, imported). Vegeta's plot golden files are the model: the
 * rendered text is compared byte for byte; a deliberate change is reviewed and regenerated with
 *
 *   npm run build && UPDATE_GOLDEN=1 node scripts/run-tests.mjs report-golden
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderMarkdown, renderSummary } from '../../src/report/markdown.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { RECORDED_FIXTURE_NAMES, RESULT_FIXTURE_NAMES, loadResultFixture } from '../helpers/result-fixtures.js';

const GOLDEN_DIR = resolve(REPO_ROOT, 'test/golden/report');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function checkGolden(file: string, actual: string): void {
  const path = resolve(GOLDEN_DIR, file);
  if (UPDATE) {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  assert.ok(existsSync(path), `golden file ${path} is missing (regenerate with UPDATE_GOLDEN=1)`);
  assert.equal(actual, readFileSync(path, 'utf8'), `${file} differs from its golden file (review, then regenerate with UPDATE_GOLDEN=1)`);
}

for (const name of [...RESULT_FIXTURE_NAMES, ...RECORDED_FIXTURE_NAMES]) {
  test(`Markdown report and summary of ${name} match their golden files`, () => {
    const result = loadResultFixture(name);
    checkGolden(`${name}.md`, renderMarkdown(result));
    checkGolden(`${name}.summary.txt`, renderSummary(result));
  });
}
