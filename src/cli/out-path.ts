/**
 * Output paths checked before any work: a results folder (`--out` of run, quick, demo, import) and
 * an output file (`-o` of report, export, analyze). A path that cannot be written is a user's
 * mistake, so it is exit 2 with one line naming the path and a hint — never an internal error
 * (issue 20: `run plan.yaml --out out` with `out` a file was `internal error: EEXIST`, exit 5).
 *
 * The three cases, each found before any load is sent:
 *   the path exists and is the wrong kind (a file given as a results folder, a folder given as -o FILE)
 *   a path under a file (`--out notes.txt/run1`): some parent is a file, not a folder
 *   a folder that cannot be written (permissions, a read-only file system, an immutable folder,
 *   a pseudo file system such as /proc): found by creating the folder and a probe file in it, since
 *   `access()` says yes to root for most of these
 */
import { closeSync, lstatSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { badFile } from '../errors.js';

/** `stat` that answers null for a missing path (and follows symlinks: a link to a folder is a folder). */
function kindOf(path: string): 'dir' | 'file' | null {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'file';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    // ENOTDIR: a parent is a file; the walk up in checkAncestors names it
    if (code === 'ENOTDIR') return null;
    // a dangling symlink: the link is there, its target is not
    try {
      lstatSync(path);
      return 'file';
    } catch {
      return null;
    }
  }
}

/** Throws when a parent of `abs` is a file (`--out notes.txt/run1`). */
function checkAncestors(abs: string, shown: string, flag: string, example: string): void {
  for (let p = dirname(abs); ; p = dirname(p)) {
    const k = kindOf(p);
    if (k === 'file') throw badFile(shown, `${flag} lies under ${p}, which is a file, not a folder`, `choose a path whose parent folders are folders, e.g. ${example}`);
    if (k === 'dir' || dirname(p) === p) return;
  }
}

/**
 * `mkdir -p`, one level at a time. Not `mkdirSync(…, { recursive: true })`: on a pseudo file system
 * that answers ENOENT for a new name under a folder that exists (/proc), Node 20's recursive mkdir
 * retries for ever — the CLI would hang instead of reporting the path.
 */
export function makeDirs(abs: string): void {
  const missing: string[] = [];
  for (let p = abs; kindOf(p) === null && dirname(p) !== p; p = dirname(p)) missing.unshift(p);
  for (const p of missing) {
    try {
      mkdirSync(p);
    } catch (e) {
      // made meanwhile by another process: fine when it is a folder
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || kindOf(p) !== 'dir') throw e;
    }
  }
}

/** Why a write failed, in a few words, from its errno code. */
export function why(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'EROFS':
      return 'read-only file system (EROFS)';
    case 'ENOSPC':
      return 'no space left on the device (ENOSPC)';
    case 'EDQUOT':
      return 'disk quota exceeded (EDQUOT)';
    case 'ENOENT':
      return 'the file system does not allow new files there (ENOENT)';
    default:
      return code ?? (err as Error).message;
  }
}

/**
 * Makes sure `dir` is a results folder this process can write: creates it when missing and writes
 * (then removes) a probe file in it. Throws exit 2 naming the path, with a hint, otherwise.
 * `flag` names the folder in messages: `--out` when the user gave it, else e.g. 'the results folder'.
 * Returns the absolute path.
 */
export function prepareOutDir(dir: string, flag = '--out'): string {
  const abs = resolve(dir);
  // the hints always show --out: also when the default folder (no --out) could not be written
  const shown = dir;
  const k = kindOf(abs);
  const example = '--out ./loadproof-results/run1';
  if (k === 'file') throw badFile(shown, `${flag} is a file, not a folder`, `give --out a folder path (created when missing), or move the file away`);
  if (k === null) checkAncestors(abs, shown, flag, example);
  try {
    makeDirs(abs);
  } catch (e) {
    throw badFile(shown, `cannot create the results folder: ${why(e)}`, `choose a folder you can write to, e.g. ${example}`);
  }
  const probe = join(abs, `.loadproof-write-check-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (e) {
    throw badFile(shown, `cannot write in the results folder: ${why(e)}`, `choose a folder you can write to, e.g. ${example}`);
  }
  return abs;
}

/**
 * Checks an output file path before the work that fills it: not an existing folder, not under a
 * file. The write itself can still fail (permissions): wrap it with `outFileError`.
 */
export function checkOutFile(file: string, flag: string): void {
  const abs = resolve(file);
  const k = kindOf(abs);
  if (k === 'dir') throw badFile(file, `${flag} is a folder, not a file`, `give ${flag} a file name, e.g. ${flag} ${join(file, 'out')}`);
  if (k === null) checkAncestors(abs, file, flag, `${flag} ./${file.replace(/^.*\//, '') || 'out'}`);
}

/**
 * The exit-2 error for a results file that could not be written during or after a run (a full
 * disk, a file system turned read-only): one line naming the file and the errno, and a hint. Not an
 * internal error: the environment, not loadproof, refused the write (CONTRACT.md: 2 is bad input,
 * "plan, flags, file").
 */
export function resultsWriteError(file: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const hint = code === 'ENOSPC' || code === 'EDQUOT' ? 'free some space on that file system, or choose a folder on another one with --out' : 'choose a folder you can write to with --out';
  return badFile(file, `cannot write the results: ${why(err)}`, hint);
}

/** The exit-2 error for a failed write of an output file. */
export function outFileError(file: string, flag: string, err: unknown): Error {
  return badFile(file, `cannot write ${flag} file: ${why(err)}`, `choose a path you can write to, e.g. ${flag} ./${file.replace(/^.*\//, '') || 'out'}`);
}
