/**
 * Where the CLI writes. Library code never prints; commands receive an `Io` and write through it,
 * which lets tests capture output and lets `--json` move everything but the document to stderr.
 */
import { LoadproofError } from '../errors.js';

export interface Io {
  /** the document or report: stdout */
  out(text: string): void;
  /** progress, logs, warnings: stderr */
  err(text: string): void;
  /** stderr is a terminal (live status line allowed) */
  isTTY: boolean;
  /** terminal width for the status line */
  columns: number;
}

export function processIo(): Io {
  // `loadproof report x | head` closes the pipe early: that is the reader's choice, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    isTTY: Boolean(process.stderr.isTTY),
    columns: process.stderr.columns || 100,
  };
}

/** A capability whose issue has not landed: one line, exit 5, never fake output. */
export function notAvailable(what: string): LoadproofError {
  return new LoadproofError('LP_NOT_AVAILABLE', `${what} is not available in this build of loadproof yet`, {
    hint: 'see README.md and docs/ for what works today',
  });
}
