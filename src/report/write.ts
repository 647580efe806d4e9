/**
 * Writing reports to disk. Every final artefact (result.json, report.md, report.html, and every
 * `-o FILE` of report, analyze, export and convert) is written by `writeFileAtomic`: a temporary
 * file in the same folder, written in full and flushed to the disk (fsync), then renamed over the
 * target, and the folder flushed so that the rename itself is durable. rename(2) within one file
 * system is atomic, so a reader — a CI step picking up `report.html`, a browser refreshing it, the
 * next `analyze` — sees the old file or the new one, never half of one; a process killed at any
 * moment (SIGKILL, power loss after the fsync) leaves at most a stray `.NAME.PID.RANDOM.tmp`
 * beside the target, never a torn target. A failed write (a full disk, a read-only file system)
 * removes its temporary file and throws `WriteFailure` naming the target.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Result } from '../result/types.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

/** A final artefact could not be written: `file` is the target (not the temporary file). */
export class WriteFailure extends Error {
  /** errno code of the failed call (ENOSPC, EROFS, EACCES, …), as on Node's own errors */
  readonly code: string | undefined;

  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`cannot write ${file}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'WriteFailure';
    this.code = (cause as NodeJS.ErrnoException)?.code;
  }
}

/**
 * Flushes a folder's entries (the rename) to the disk. Some file systems refuse fsync on a folder
 * (EINVAL, EISDIR, EPERM): the rename is still atomic there, only not yet durable, so that is not
 * a failure.
 */
async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // see above
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/**
 * Writes `text` to `file` atomically and durably (temp file beside it, fsync, rename, fsync of the
 * folder). Creates no folders. Throws `WriteFailure` (the temp file removed) when it cannot.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const dir = dirname(file);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    // 'wx': a fresh file of our own, never someone else's through a link
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new WriteFailure(file, err);
  }
  await syncDir(dir);
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
  try {
    await mkdir(root, { recursive: true });
  } catch (err) {
    throw new WriteFailure(root, err);
  }
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
