/**
 * The stores of a run's timeline points (point-store.ts): lines come back as appended, in order;
 * the file is gone from the folder from the start (POSIX) and its lines outlive `close`; a store
 * whose file cannot be made keeps its lines in memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilePointStore, MemoryPointStore } from './point-store.js';

const LINES = ['{"t":0,"rps":1}', '{"t":1,"note":"é — ✓"}', '{}', `{"hdr":"${'A'.repeat(70_000)}"}`];

test('a memory store gives its lines back in order', () => {
  const s = new MemoryPointStore();
  for (const l of LINES) s.append(l);
  assert.equal(s.count, LINES.length);
  assert.deepEqual(s.lines(), LINES);
});

test('a file store gives its lines back in order, before and after close; its file is unlinked at once and never left behind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lp-point-store-'));
  try {
    const path = join(dir, '.timeline-points');
    const s = new FilePointStore(path);
    if (process.platform !== 'win32') assert.equal(existsSync(path), false, 'unlinked while open');
    assert.deepEqual(s.lines(), []);
    s.append(LINES[0]!);
    assert.deepEqual(s.lines(), [LINES[0]]);
    for (const l of LINES.slice(1)) s.append(l);
    assert.equal(s.count, LINES.length);
    assert.deepEqual(s.lines(), LINES);
    assert.deepEqual(s.lines(), LINES, 'a read does not disturb the next');
    s.close();
    assert.deepEqual(s.lines(), LINES);
    s.close();
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file store whose file cannot be created keeps its lines in memory', () => {
  const s = new FilePointStore(join(tmpdir(), 'lp-no-such-folder-', String(process.pid), 'x', '.timeline-points'));
  for (const l of LINES) s.append(l);
  assert.deepEqual(s.lines(), LINES);
  s.close();
  assert.deepEqual(s.lines(), LINES);
});
