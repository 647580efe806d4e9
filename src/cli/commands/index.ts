/**
 * The explicit list of commands (no registration by import side effect).
 * Each module exports `register(program, io, setExit)` and owns its flags and help text.
 *
 * Modules are imported when needed: `loadproof analyze …` loads the analyze command's module graph
 * only, not the engine, the importers, the live dashboard and the Kubernetes glue of the others
 * (loading all of them took ~0.8 s of every command's start on this machine, more than `analyze`
 * spends on a one-hour result). Anything else — no command, `--help`, `help`, a mistyped name —
 * loads them all, so the command list and commander's suggestions stay complete.
 */
import type { Command } from 'commander';
import type { Io } from '../io.js';

export type SetExit = (code: number) => void;
export interface CommandModule {
  register(program: Command, io: Io, setExit: SetExit): void;
}

/** Every command by name, in the order `--help` lists them. */
const COMMANDS: ReadonlyArray<readonly [string, () => Promise<CommandModule>]> = [
  ['init', () => import('./init.js')],
  ['design', () => import('./design.js')],
  ['run', () => import('./run.js')],
  ['quick', () => import('./quick.js')],
  ['analyze', () => import('./analyze.js')],
  ['report', () => import('./report.js')],
  ['import', () => import('./import.js')],
  ['export', () => import('./export.js')],
  ['convert', () => import('./convert.js')],
  ['fit', () => import('./fit.js')],
  ['demo', () => import('./demo.js')],
  ['history', () => import('./history.js')],
  ['compare', () => import('./compare.js')],
  ['merge', () => import('./merge.js')],
  ['k8s', () => import('./k8s.js')],
];

/** Registers the command `argv` names (argv without node and script), or every command. */
export async function registerCommands(program: Command, io: Io, setExit: SetExit, argv: readonly string[]): Promise<void> {
  const named = COMMANDS.find(([name]) => name === argv[0]);
  const chosen = named ? [named] : COMMANDS;
  const modules = await Promise.all(chosen.map(([, load]) => load()));
  for (const m of modules) m.register(program, io, setExit);
}
