/**
 * Where a run's finished timeline points wait for the result (RunTotals, timeline.ts): each point as
 * one line of JSON text, appended in order and read back, parsed, when the result is assembled.
 *
 * Why text: a point held as an object costs several times its JSON — its `statusCodes` object has
 * integer-like keys ("200", "503"), which V8 keeps as an array indexed up to the largest code (a
 * 503 costs ~4 KB of slots, per second). As one line a point is its JSON (~1.6 KB at 2,000 req/s,
 * mostly its encoded histogram), and the result reads what result.json will hold: the same text
 * parsed (JSON keeps numbers exactly and drops `undefined` keys, as result.json does).
 *
 * Two stores: `MemoryPointStore` keeps the lines as strings (a result rebuilt from a log, a merge
 * of shards, tests); `FilePointStore` appends them to a file, so that a live run holds nothing per
 * second of its timeline (`run`/`quick` put it in the results folder: cli/run-session.ts). The
 * file is unlinked as soon as it is open where the system allows it (POSIX): it lives as long as
 * its descriptor, so a killed run leaves nothing behind.
 */
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';

/** The finished timeline points of a run, as lines of JSON (no newline), in order. */
export interface PointStore {
  append(line: string): void;
  /** every line appended so far, in order */
  lines(): readonly string[];
  /** lines appended so far */
  readonly count: number;
}

/** The lines as strings in memory. */
export class MemoryPointStore implements PointStore {
  private readonly held: string[] = [];

  append(line: string): void {
    this.held.push(line);
  }

  lines(): readonly string[] {
    return this.held;
  }

  get count(): number {
    return this.held.length;
  }
}

/**
 * The lines appended to a file (one per line), read back whole by `lines()`. If the file cannot be
 * opened, or an append fails (a full disk), the store keeps the lines in memory from then on,
 * having read back the whole lines already written: the points are the same either way.
 */
export class FilePointStore implements PointStore {
  private fd: number | null = null;
  /** the file's path while it is still linked (it is unlinked at close) */
  private linked: string | null = null;
  /** bytes of whole lines in the file */
  private bytes = 0;
  /** the lines, once the file has failed (or could not be opened) */
  private memory: string[] | null = null;
  private appended = 0;

  constructor(path: string) {
    try {
      this.fd = openSync(path, 'w+');
    } catch {
      this.memory = [];
      return;
    }
    this.linked = path;
    try {
      unlinkSync(path);
      this.linked = null;
    } catch {
      // a system that cannot unlink an open file (Windows): removed at close
    }
  }

  append(line: string): void {
    this.appended++;
    if (this.memory !== null) {
      this.memory.push(line);
      return;
    }
    const buf = Buffer.from(`${line}\n`, 'utf8');
    try {
      // positional writes: the file offset is never moved, so reads and writes do not interfere
      for (let off = 0; off < buf.length; ) off += writeSync(this.fd!, buf, off, buf.length - off, this.bytes + off);
      this.bytes += buf.length;
    } catch {
      const written = this.readFile();
      this.close();
      this.memory = [...written, line];
    }
  }

  lines(): readonly string[] {
    return this.memory ?? this.readFile();
  }

  get count(): number {
    return this.appended;
  }

  /** Closes (and removes) the file; the lines read after this are those kept in memory. */
  close(): void {
    if (this.fd === null) return;
    if (this.memory === null) this.memory = this.readFile();
    closeSync(this.fd);
    this.fd = null;
    if (this.linked !== null) {
      try {
        unlinkSync(this.linked);
      } catch {
        // already gone
      }
      this.linked = null;
    }
  }

  private readFile(): string[] {
    const buf = Buffer.allocUnsafe(this.bytes);
    let off = 0;
    while (off < this.bytes) {
      const n = readSync(this.fd!, buf, off, this.bytes - off, off);
      if (n === 0) break;
      off += n;
    }
    const text = buf.toString('utf8', 0, off);
    // every whole line ends with its newline; the split leaves one empty string after the last
    return text === '' ? [] : text.slice(0, -1).split('\n');
  }
}
