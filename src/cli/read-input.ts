/**
 * What `analyze` and `report` read: a stored result.json, or a run's NDJSON log (`run.ndjson`),
 * which is rebuilt into a result (metrics/log.ts) — the way to report a run that was killed before
 * it wrote result.json (SIGKILL, power loss, a full disk). A log is recognised by its name
 * (`*.ndjson`) or by its first line (the log header). Unreadable files are exit 2 naming the file.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { badFile } from '../errors.js';
import { resultFromLog } from '../metrics/log.js';
import { parseResult } from '../report/read-result.js';
import type { Result } from '../result/types.js';

/** Reads a result.json or a run.ndjson (rebuilt into a result). Bad input → exit 2. */
export async function readResultOrLog(file: string): Promise<Result> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw badFile(file, `cannot read the result: ${why}`, 'pass a result.json, or the run.ndjson of a run that did not finish');
  }
  const isLog = extname(file).toLowerCase() === '.ndjson' || /^\s*\{"type":"header"/.test(text.slice(0, 200));
  return isLog ? resultFromLog(text, file) : parseResult(text, file);
}
