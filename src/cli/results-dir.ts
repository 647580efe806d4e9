/**
 * Where a command's files go when `--out` is absent: a new folder
 * `loadproof-results/<slug>-<YYYYMMDD-HHMMSS>` in the current directory (`-2`, `-3`, … when two
 * runs start within the same second), so results are never overwritten.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** `items API capacity` → `items-api-capacity` */
export function slugOf(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return s || 'run';
}

/** Local time as YYYYMMDD-HHMMSS. */
export function stamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** The results folder: `out` when given, else a new one named after `name`. Absolute. */
export function resultsDir(name: string, out?: string): string {
  if (out !== undefined) return resolve(out);
  const base = join('loadproof-results', `${slugOf(name)}-${stamp(new Date())}`);
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  return resolve(dir);
}
