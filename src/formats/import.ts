/**
 * `import`: reads another tool's files, tells which tool wrote them (unless told), and hands them
 * to that tool's importer. All files are read and parsed before anything is returned, so a garbled
 * or truncated file fails the whole import (exit 2) and nothing is half-imported.
 */
import { open, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { badFile, badFlag } from '../errors.js';
import type { Result } from '../result/types.js';
import type { ImportInput } from './common/imported-result.js';
import type { SourceFile } from './common/source-file.js';
import { IMPORT_TOOLS, KIND_TOOL, sniffKind, type FileKind, type ImportTool } from './sniff.js';
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

/** At most this many files of a folder are looked at (a results folder, not a disk). */
const MAX_FOLDER_FILES = 500;
/** Sniffing reads only the start of each file. */
const SNIFF_BYTES = 64 * 1024;

async function sniffHead(path: string): Promise<FileKind | undefined> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return sniffKind(buf.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await fh.close();
  }
}

/**
 * The files of one run inside a folder: a Gatling results folder (its simulation.log), a Locust CSV
 * set (its _stats.csv; the rest is found by prefix), k6's outputs (the --out json points when
 * present, else the summary), JMeter JTLs, ab's text with its -g/-e files. The folder's own files
 * are sniffed (not its subfolders); files of two tools are an error naming both.
 */
export async function filesInFolder(dir: string, from?: ImportTool): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
  const byTool = new Map<ImportTool, Array<{ path: string; kind: FileKind }>>();
  for (const name of entries.slice(0, MAX_FOLDER_FILES)) {
    const path = join(dir, name);
    const kind = await sniffHead(path).catch(() => undefined);
    if (kind === undefined) continue;
    const tool = KIND_TOOL[kind];
    if (from !== undefined && tool !== from) continue;
    byTool.set(tool, [...(byTool.get(tool) ?? []), { path, kind }]);
  }
  if (byTool.size === 0) {
    throw badFile(dir, `holds no ${from ?? 'load tool'} output that loadproof imports (looked at ${Math.min(entries.length, MAX_FOLDER_FILES)} files)`, `pass the file itself, or --from with one of ${IMPORT_TOOLS.join(', ')}`);
  }
  if (byTool.size > 1) {
    const found = [...byTool].map(([t, fs]) => `${t} (${fs.map((f) => f.path.slice(dir.length + 1)).join(', ')})`).join('; ');
    throw badFile(dir, `holds output of several tools: ${found}`, 'pass the files of one run, or --from with the tool');
  }
  const [tool, files] = [...byTool][0]!;
  const ofKind = (...kinds: FileKind[]): string[] => files.filter((f) => kinds.includes(f.kind)).map((f) => f.path);
  switch (tool) {
    case 'gatling': {
      const logs = ofKind('gatling-log', 'gatling-binary-log');
      return [logs.find((p) => p.endsWith('simulation.log')) ?? logs[0]!];
    }
    case 'k6':
      return [ofKind('k6-points')[0] ?? ofKind('k6-summary')[0]!];
    case 'locust':
      return [ofKind('locust-stats')[0] ?? files[0]!.path];
    case 'hey':
      return [ofKind('hey-csv')[0] ?? files[0]!.path];
    case 'ab':
    case 'jmeter':
      return files.map((f) => f.path);
    default:
      return [files[0]!.path];
  }
}

/**
 * Reads and imports `paths` (one run of one tool, files or a folder); `from` names the tool instead
 * of sniffing.
 */
export async function importFiles(paths: string[], from?: string): Promise<{ result: Result; tool: ImportTool; files: string[] }> {
  if (paths.length === 0) throw badFlag('import needs a file', 'e.g. loadproof import wrk.txt');
  if (from !== undefined && !isImportTool(from)) {
    throw badFlag(`--from ${from} is not a tool loadproof imports`, `use one of ${IMPORT_TOOLS.join(', ')}`, '--from');
  }
  if (paths.length === 1) {
    const st = await stat(paths[0]!).catch(() => undefined);
    if (st?.isDirectory()) paths = await filesInFolder(paths[0]!, from);
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
