/**
 * The command line. The only code that prints or exits (through the `Io` it hands to commands).
 * Every command's action returns its exit code (CONTRACT.md "Exit codes"); errors are mapped here:
 * a `LoadproofError` becomes one line (or one line per plan issue) and its exit code, anything else
 * is an internal error (exit 5) with no stack trace unless LOADPROOF_DEBUG is set.
 */
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, LoadproofError } from '../errors.js';
import { processIo, type Io } from './io.js';
import { VERSION } from '../version.js';
import { registerCommands } from './commands/index.js';

/** Runs the CLI with `argv` (without node and script). Resolves to the exit code. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = new Command();
  program
    .name('loadproof')
    .description('Load tests as experiments: hypothesis → load → watch → interpret → report.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    // Options belong to the command written before them: \`demo --bottleneck\` and
    // \`demo serve --bottleneck\` are different options (commander otherwise gives both to \`demo\`).
    .enablePositionalOptions()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: (s, write) => write(s),
    })
    .exitOverride();

  const setExit = (code: number): void => {
    exitCode = code;
  };
  await registerCommands(program, io, setExit, argv);
  // Every subcommand reports flag errors through the same override.
  for (const c of program.commands) applyOverrides(c, io);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    return handleError(err, io);
  }
  return exitCode;
}

function applyOverrides(cmd: Command, io: Io): void {
  cmd.exitOverride();
  cmd.configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  cmd.showHelpAfterError('(run with --help for usage)');
  for (const c of cmd.commands) applyOverrides(c, io);
}

function handleError(err: unknown, io: Io): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
    // commander already printed its message; flag errors are bad input.
    return ExitCode.badInput;
  }
  if (err instanceof LoadproofError) {
    io.err(`loadproof: ${err.oneLine()}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  io.err(`loadproof: internal error: ${e?.message ?? String(err)}\n`);
  if (process.env.LOADPROOF_DEBUG && e?.stack) io.err(`${e.stack}\n`);
  return ExitCode.internal;
}

export { Option };
