/**
 * The explicit list of commands (no registration by import side effect).
 * Each module exports `register(program, io, setExit)` and owns its flags and help text.
 */
import type { Command } from 'commander';
import type { Io } from '../io.js';
import * as init from './init.js';
import * as design from './design.js';
import * as run from './run.js';
import * as quick from './quick.js';
import * as analyze from './analyze.js';
import * as report from './report.js';
import * as importCmd from './import.js';
import * as exportCmd from './export.js';
import * as convert from './convert.js';
import * as fit from './fit.js';
import * as demo from './demo.js';
import * as history from './history.js';
import * as compare from './compare.js';
import * as merge from './merge.js';
import * as k8s from './k8s.js';

export type SetExit = (code: number) => void;
export interface CommandModule {
  register(program: Command, io: Io, setExit: SetExit): void;
}

export const COMMANDS: readonly CommandModule[] = [init, design, run, quick, analyze, report, importCmd, exportCmd, convert, fit, demo, history, compare, merge, k8s];

export function registerCommands(program: Command, io: Io, setExit: SetExit): void {
  for (const c of COMMANDS) c.register(program, io, setExit);
}
