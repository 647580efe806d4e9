/**
 * Errors and exit codes.
 *
 * Callers switch on `code` (stable strings, like undici's `UND_ERR_*`), never on message text.
 * Only `src/cli/` turns an error into printed text and an exit code; library code throws these.
 * A failed *request* is never an error here: it is a sample with an `errorKind` (see engine/).
 */

/** The documented exit-code table (CONTRACT.md, "Exit codes"). */
export const ExitCode = {
  /** every success criterion met */
  ok: 0,
  /** a criterion failed */
  criterionFailed: 1,
  /** bad input: plan, flags, file */
  badInput: 2,
  /** stopped by the incident guard (`abort:` rules) */
  aborted: 3,
  /** results not valid (generator saturated, too few samples) */
  invalid: 4,
  /** internal error, or a capability that has not landed */
  internal: 5,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorCode =
  | 'LP_PLAN_INVALID'
  | 'LP_BAD_FLAG'
  | 'LP_BAD_FILE'
  | 'LP_ENV_MISSING'
  | 'LP_UNSAFE_TARGET'
  | 'LP_NOT_AVAILABLE'
  | 'LP_INTERNAL';

export interface LoadproofErrorOptions {
  /** one short sentence telling the user what to do */
  hint?: string;
  /** where: `file:line:col` or a field path */
  where?: string;
  cause?: unknown;
  exitCode?: ExitCodeValue;
}

/** Base class of every error loadproof raises on purpose. */
export class LoadproofError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly where: string | undefined;
  readonly exitCode: ExitCodeValue;

  constructor(code: ErrorCode, message: string, opts: LoadproofErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'LoadproofError';
    this.code = code;
    this.hint = opts.hint;
    this.where = opts.where;
    this.exitCode = opts.exitCode ?? (code === 'LP_INTERNAL' || code === 'LP_NOT_AVAILABLE' ? ExitCode.internal : ExitCode.badInput);
  }

  /** One line: `where: message (hint: ...)`. */
  oneLine(): string {
    const head = this.where ? `${this.where}: ${this.message}` : this.message;
    return this.hint ? `${head} (hint: ${this.hint})` : head;
  }
}

/** One problem found in a plan, located in its source text when the plan came from a file. */
export interface PlanIssue {
  /** file name as given by the user, when known */
  file?: string;
  /** 1-based */
  line?: number;
  /** 1-based */
  col?: number;
  /** dotted field path, e.g. `scenarios.0.flow.1.expect.status` ('' for the document itself) */
  path: string;
  message: string;
  hint?: string;
}

/** Formats an issue as `file:line:col: field.path: message (hint: ...)`. */
export function formatPlanIssue(issue: PlanIssue): string {
  const loc = [issue.file, issue.line, issue.col].filter((p) => p !== undefined).join(':');
  const parts = [loc, issue.path].filter((p) => p !== undefined && p !== '');
  const head = parts.length ? `${parts.join(': ')}: ${issue.message}` : issue.message;
  return issue.hint ? `${head} (hint: ${issue.hint})` : head;
}

/** All the problems of a plan at once (zod `prettifyError` spirit), exit code 2. */
export class PlanError extends LoadproofError {
  readonly issues: PlanIssue[];

  constructor(issues: PlanIssue[]) {
    const first = issues[0];
    super('LP_PLAN_INVALID', first ? formatPlanIssue(first) : 'invalid plan', { exitCode: ExitCode.badInput });
    this.name = 'PlanError';
    this.issues = issues;
  }

  override oneLine(): string {
    return this.issues.map(formatPlanIssue).join('\n');
  }
}

/** Bad flag or argument on the command line (exit 2). */
export function badFlag(message: string, hint?: string, where?: string): LoadproofError {
  return new LoadproofError('LP_BAD_FLAG', message, { hint, where, exitCode: ExitCode.badInput });
}

/** A file that cannot be read or understood (exit 2). */
export function badFile(where: string, message: string, hint?: string): LoadproofError {
  return new LoadproofError('LP_BAD_FILE', message, { hint, where, exitCode: ExitCode.badInput });
}
