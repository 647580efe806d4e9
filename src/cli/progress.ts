/**
 * Live progress of a run, on stderr only (stdout carries the report or, with --json, the document).
 *
 * On a terminal, one status line rewritten in place every update:
 *
 *   stage 3/8  00:42/02:00 [#####-----]  target 300/s  got 297/s  in-flight 12  p95 23ms  err 0.0%  app CPU 87%
 *
 * It always fits the terminal width: the bar shrinks first, then the least useful fields go
 * (in-flight and the watched value, then the stage, then the target), then the spacing tightens —
 * elapsed time, achieved rate, p95 and error rate stay. When stderr is not a terminal (CI logs, pipes), a plain line is printed
 * every `everySec` seconds of run time (default 10) and at each stage change; with `json: true`
 * those lines are JSON objects (one per line) for machines reading the log.
 */
import type { Io } from './io.js';

/** What the engine reports about the run, once per update. */
export interface ProgressSnapshot {
  /** 1-based current stage */
  stage: number;
  stages: number;
  elapsedSec: number;
  totalSec: number;
  model: 'open' | 'closed';
  /** open model: the offered rate now */
  targetRps?: number;
  /** closed model: the VUs the schedule asks for now */
  targetVus?: number;
  /** completed requests per second (last second) */
  achievedRps: number;
  inFlight: number;
  /** closed model: running VUs */
  vus?: number;
  p95Ms: number | null;
  /** 0..1 */
  errorRate: number;
  dropped?: number;
  /** headline watched value, e.g. "app CPU 87%" */
  watch?: string;
}

/** mm:ss, or h:mm:ss from an hour on. */
export function formatClock(sec: number): string {
  const s = Math.max(0, Math.floor(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${String(m).padStart(2, '0')}:${ss}`;
}

function formatRate(r: number): string {
  return r >= 100 ? String(Math.round(r)) : String(Number(r.toFixed(1)));
}

function formatMs(ms: number | null): string {
  if (ms === null) return 'p95 -';
  if (ms >= 10_000) return `p95 ${Number((ms / 1000).toFixed(1))}s`;
  return `p95 ${ms >= 10 ? Math.round(ms) : Number(ms.toFixed(1))}ms`;
}

function formatPct(ratio: number): string {
  const pct = ratio * 100;
  return `err ${pct >= 10 ? pct.toFixed(0) : pct.toFixed(1)}%`;
}

function bar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

interface Field {
  text: string;
  /** higher goes first when space runs out */
  dropOrder: number;
}

/** The fields of a snapshot, in display order (the bar is placed after the clock). */
function fields(s: ProgressSnapshot): { before: Field[]; clock: string; after: Field[] } {
  const target =
    s.model === 'open'
      ? s.targetRps !== undefined
        ? `target ${formatRate(s.targetRps)}/s`
        : undefined
      : `vus ${s.vus ?? 0}${s.targetVus !== undefined ? `/${s.targetVus}` : ''}`;
  const after: Field[] = [];
  if (target) after.push({ text: target, dropOrder: 3 });
  after.push({ text: `got ${formatRate(s.achievedRps)}/s`, dropOrder: 0 });
  after.push({ text: `in-flight ${s.inFlight}`, dropOrder: 5 });
  after.push({ text: formatMs(s.p95Ms), dropOrder: 0 });
  after.push({ text: formatPct(s.errorRate), dropOrder: 0 });
  if (s.dropped) after.push({ text: `dropped ${s.dropped}`, dropOrder: 2 });
  if (s.watch) after.push({ text: s.watch, dropOrder: 4 });
  return {
    before: [{ text: `stage ${s.stage}/${s.stages}`, dropOrder: 3.5 }],
    clock: `${formatClock(s.elapsedSec)}/${formatClock(s.totalSec)}`,
    after,
  };
}

/**
 * The status line for a terminal `columns` wide. It is at most `columns − 1` characters: writing
 * into the last column makes many terminals wrap, which breaks the in-place rewrite.
 */
export function renderStatusLine(s: ProgressSnapshot, columns: number): string {
  const max = Math.max(10, columns - 1);
  const { before, clock, after } = fields(s);
  const fraction = s.totalSec > 0 ? s.elapsedSec / s.totalSec : 0;
  let kept = [...before, ...after];
  const compose = (barWidth: number, sep = '  ', clockText = clock): string => {
    const pre = kept.filter((f) => before.includes(f)).map((f) => f.text);
    const post = kept.filter((f) => after.includes(f)).map((f) => f.text);
    const head = barWidth > 0 ? `${clockText} ${bar(fraction, barWidth)}` : clockText;
    return [...pre, head, ...post].join(sep);
  };
  for (const w of [20, 10]) {
    const line = compose(w);
    if (line.length <= max) return line;
  }
  // drop fields, least useful first, with a 5-wide bar; then drop the bar too
  const order = [...kept].filter((f) => f.dropOrder > 0).sort((a, b) => b.dropOrder - a.dropOrder);
  for (const victim of [null, ...order]) {
    if (victim) kept = kept.filter((f) => f !== victim);
    const line = compose(5);
    // what fits with a 5-wide bar: give the bar the room that is left, up to 20
    if (line.length <= max) return compose(Math.min(20, 5 + max - line.length));
  }
  // narrowest: no bar, single spaces, then the elapsed time alone, then cut
  for (const line of [compose(0), compose(0, ' '), compose(0, ' ', formatClock(s.elapsedSec))]) {
    if (line.length <= max) return line;
  }
  return compose(0, ' ', formatClock(s.elapsedSec)).slice(0, max);
}

/** One plain line for logs: every field, no bar. */
export function renderPlainLine(s: ProgressSnapshot): string {
  const { before, clock, after } = fields(s);
  return [`[${clock}]`, ...before.map((f) => f.text), ...after.map((f) => f.text)].join('  ');
}

export interface ProgressOptions {
  /** the run was asked for --json: plain lines become JSON objects */
  json: boolean;
  /** non-TTY: print a line every this many seconds of run time (default 10) */
  everySec?: number;
}

/** Writes progress to `io.err`; never to `io.out`. */
export class Progress {
  private readonly io: Io;
  private readonly json: boolean;
  private readonly everySec: number;
  private lastPrintedSec = -Infinity;
  private lastStage = -1;
  private lineShown = false;
  private finished = false;

  constructor(io: Io, opts: ProgressOptions) {
    this.io = io;
    this.json = opts.json;
    this.everySec = Math.max(1, opts.everySec ?? 10);
  }

  update(s: ProgressSnapshot): void {
    if (this.finished) return;
    if (this.io.isTTY) {
      // \r back to column 0, the line, then erase whatever a longer previous line left behind
      this.io.err(`\r${renderStatusLine(s, this.io.columns)}\x1b[K`);
      this.lineShown = true;
      return;
    }
    const due = s.elapsedSec - this.lastPrintedSec >= this.everySec || s.stage !== this.lastStage;
    if (!due) return;
    this.lastPrintedSec = s.elapsedSec;
    this.lastStage = s.stage;
    this.io.err(`${this.json ? JSON.stringify({ progress: s }) : renderPlainLine(s)}\n`);
  }

  /** Clears the live line (on a terminal) and prints the closing line, if any. Idempotent. */
  finish(summaryLine?: string): void {
    if (this.finished) return;
    this.finished = true;
    if (this.lineShown) this.io.err('\r\x1b[K');
    if (summaryLine) this.io.err(`${summaryLine}\n`);
  }
}
