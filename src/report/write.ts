/**
 * Writing reports to disk. Every file is written atomically (a temporary file in the same folder,
 * then a rename), so a reader — a CI step picking up `report.html`, a browser refreshing it — sees
 * the old file or the new one, never half of one, and an interrupted run leaves no torn report.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Result } from '../result/types.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

/** Writes `text` to `file` atomically (temp file beside it + rename). Creates no folders. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const dir = dirname(file);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The result document as stored: pretty-printed JSON with a final newline. */
export function renderJson(result: Result): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}

export interface WrittenReports {
  /** absolute paths */
  json: string;
  md: string;
  html: string;
}

/**
 * Writes `result.json`, `report.md` and `report.html` into `dir` (created when missing), each
 * atomically. `run`, `import` and `demo` call this. Resolves to the absolute paths written.
 */
export async function writeReports(result: Result, dir: string): Promise<WrittenReports> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const out: WrittenReports = {
    json: join(root, 'result.json'),
    md: join(root, 'report.md'),
    html: join(root, 'report.html'),
  };
  // Render everything first: a rendering bug must not leave a new result.json beside old reports.
  const json = renderJson(result);
  const md = renderMarkdown(result);
  const html = renderHtml(result);
  await writeFileAtomic(out.json, json);
  await writeFileAtomic(out.md, md);
  await writeFileAtomic(out.html, html);
  return out;
}
