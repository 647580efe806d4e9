/**
 * A foreign tool's file as importers see it: its text, the name to use in messages, and a reader
 * that locates problems by line. Every importer error is a `badFile` (exit 2) naming the file and
 * line and what was expected there, so that nothing is half-imported.
 */
import { basename } from 'node:path';
import { badFile, type LoadproofError } from '../../errors.js';

export interface SourceFile {
  /** the path as the user gave it (or a fixture path in tests) */
  path: string;
  text: string;
  /** the raw bytes, kept for binary formats (Gatling 3.13+'s simulation.log); text is then lossy */
  bytes?: Buffer;
}

/** The name used in messages: the file's base name. */
export function displayName(file: SourceFile): string {
  return basename(file.path);
}

/** `file:line: message (hint: …)`, exit 2; `at` is a line number, or a place in words ("byte 120"). */
export function fileError(file: SourceFile, at: number | string | undefined, message: string, hint?: string): LoadproofError {
  const where = at === undefined ? displayName(file) : typeof at === 'number' ? `${displayName(file)}:${at}` : `${displayName(file)}: ${at}`;
  return badFile(where, message, hint);
}

/** Lines of a file with 1-based numbers; `\r\n` and `\r` are accepted. */
export function linesOf(text: string): string[] {
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Reads a tool's text report (wrk, ab, hey) top to bottom. `expect` finds the next line matching a
 * pattern or fails with "expected <what> line (is this <tool> output?)", pointing at the last line
 * read — for a truncated file that is where it stops.
 */
export class TextReport {
  readonly lines: string[];
  /** 0-based index of the next line to read */
  private cursor = 0;

  constructor(
    readonly file: SourceFile,
    readonly tool: string,
  ) {
    this.lines = linesOf(file.text);
  }

  /** The next line (from the cursor on) matching `re`, and moves past it; undefined when none. */
  find(re: RegExp): RegExpExecArray | undefined {
    for (let i = this.cursor; i < this.lines.length; i++) {
      const m = re.exec(this.lines[i]!);
      if (m) {
        this.cursor = i + 1;
        return m;
      }
    }
    return undefined;
  }

  /** Like `find` without moving the cursor, searching the whole file. */
  findAnywhere(re: RegExp): { match: RegExpExecArray; line: number } | undefined {
    for (let i = 0; i < this.lines.length; i++) {
      const m = re.exec(this.lines[i]!);
      if (m) return { match: m, line: i + 1 };
    }
    return undefined;
  }

  /** Like `find`, but a missing line is an error naming what was expected. */
  expect(re: RegExp, what: string): RegExpExecArray {
    const m = this.find(re);
    if (m) return m;
    throw this.missing(what);
  }

  /** The line after the cursor, when it matches; does not skip lines. */
  next(re: RegExp): RegExpExecArray | undefined {
    const line = this.lines[this.cursor];
    if (line === undefined) return undefined;
    const m = re.exec(line);
    if (m) this.cursor++;
    return m ?? undefined;
  }

  /** Moves past blank lines. */
  skipBlank(): void {
    while (this.cursor < this.lines.length && this.lines[this.cursor]!.trim() === '') this.cursor++;
  }

  /** 1-based number of the line last read (0 before any). */
  get lineNumber(): number {
    return this.cursor;
  }

  missing(what: string): LoadproofError {
    const truncated = this.lines.length > 0 && this.cursor > 0;
    const at = Math.max(1, this.lines.length);
    return fileError(
      this.file,
      at,
      `expected ${what} line (is this ${this.tool} output?${truncated ? ' it looks truncated' : ''})`,
      `pass the complete output ${this.tool} printed`,
    );
  }
}
