/**
 * `import`: reads another tool's files, tells which tool wrote them (unless told), and hands them
 * to that tool's importer. All files are read and parsed before anything is returned, so a garbled
 * or truncated file fails the whole import (exit 2) and nothing is half-imported.
 */
import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { badFile, badFlag } from '../errors.js';
import type { Result } from '../result/types.js';
import type { ImportInput } from './common/imported-result.js';
import type { SourceFile } from './common/source-file.js';
import { IMPORT_TOOLS, KIND_TOOL, sniffKind, type ImportTool } from './sniff.js';
import { importWrk } from './wrk/import.js';
import { importAb } from './ab/import.js';
import { importHey } from './hey/import.js';
import { importLocust, locustSiblings } from './locust/import.js';
import { importArtillery } from './artillery/import.js';
import { importK6 } from './k6/import.js';
import { importGatling } from './gatling/import.js';
import { importJmeter } from './jmeter/import.js';

export interface Importer {
  /** parses the files (all of this tool) into a Result; throws `LoadproofError` (exit 2) on bad input */
  import(input: ImportInput): Result;
  /** other files of the same run to read as well, when they exist (Locust's CSV family) */
  siblings?(path: string): string[];
}

/** The explicit list of importers. */
export const IMPORTERS: Readonly<Record<ImportTool, Importer>> = {
  k6: { import: importK6 },
  locust: { import: importLocust, siblings: locustSiblings },
  artillery: { import: importArtillery },
  wrk: { import: importWrk },
  ab: { import: importAb },
  hey: { import: importHey },
  gatling: { import: importGatling },
  jmeter: { import: importJmeter },
};

export function isImportTool(s: string): s is ImportTool {
  return (IMPORT_TOOLS as readonly string[]).includes(s);
}

async function readSource(path: string): Promise<{ file: SourceFile; mtimeMs: number }> {
  try {
    const [bytes, st] = await Promise.all([readFile(path), stat(path)]);
    // A leading NUL byte is a binary format (Gatling 3.13+): keep the bytes, utf8 text would be lossy.
    const file: SourceFile = { path, text: bytes.toString('utf8') };
    if (bytes.length > 0 && bytes[0] === 0) file.bytes = bytes;
    return { file, mtimeMs: st.mtimeMs };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw badFile(path, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot read: ${(err as Error).message}`);
  }
}

/** Reads and imports `paths` (one run of one tool); `from` names the tool instead of sniffing. */
export async function importFiles(paths: string[], from?: string): Promise<{ result: Result; tool: ImportTool; files: string[] }> {
  if (paths.length === 0) throw badFlag('import needs a file', 'e.g. loadproof import wrk.txt');
  if (from !== undefined && !isImportTool(from)) {
    throw badFlag(`--from ${from} is not a tool loadproof imports`, `use one of ${IMPORT_TOOLS.join(', ')}`, '--from');
  }
  const read = await Promise.all(paths.map(readSource));
  let tool: ImportTool | undefined = from;
  if (tool === undefined) {
    for (const { file } of read) {
      const kind = sniffKind(file.text);
      if (kind === undefined) {
        throw badFile(file.path, 'cannot tell which tool wrote this file', `pass --from with one of ${IMPORT_TOOLS.join(', ')}`);
      }
      const t = KIND_TOOL[kind];
      if (tool !== undefined && t !== tool) {
        throw badFile(file.path, `this is ${t} output, but ${paths[0]} is ${tool} output`, 'import one run of one tool at a time');
      }
      tool = t;
    }
  }
  const importer = IMPORTERS[tool!];
  const files = read.map((r) => r.file);
  if (importer.siblings) {
    const have = new Set(paths);
    for (const p of paths) {
      for (const s of importer.siblings(p)) {
        if (!have.has(s) && existsSync(s)) {
          have.add(s);
          files.push((await readSource(s)).file);
        }
      }
    }
  }
  const result = importer.import({ files, mtimeMs: read[0]!.mtimeMs });
  return { result, tool: tool!, files: files.map((f) => f.path) };
}
