/**
 * `ws:` steps compiled at plan load: templates (path, headers, messages), the expect's matching
 * checks and correlation path, captures, and the socket's endpoints.
 *
 * Each socket (a `connect` step) has three endpoints, named after its path (or the connect's
 * `name`): `WS /chat connect` (the handshake), `WS /chat message` (each round trip: a send to its
 * matching reply, or an expect to its message), `WS /chat close`. Every later ws step of the
 * scenario (setup then flow, in plan order) talks to the socket of the connect before it.
 */
import type { Defaults, WsStep } from '../../plan/schema.js';
import { ExitCode, LoadproofError } from '../../errors.js';
import { compileJsonTemplate, compileTemplate, type Template, type TemplateOptions, type JsonTemplate, type VarScope } from '../scenario/template.js';
import { compileExpect, type CompiledExpect } from '../scenario/checks.js';
import { compileCaptures, type CompiledCaptures } from '../scenario/capture.js';
import { compileJsonPath, type JsonPathQuery } from '../scenario/jsonpath.js';

const DEFAULT_TIMEOUT_MS = 10_000;

/** A compiled message: rendered to text or bytes. */
export interface WsMessageExec {
  binary: boolean;
  /** renders the text (text/JSON), or null for a fixed binary payload */
  render: ((vars: VarScope, missing?: string[]) => string) | null;
  bytes: Buffer | null;
}

export interface WsExec {
  kind: 'ws';
  op: WsStep['op'];
  /** the socket's endpoints */
  connectEndpoint: number;
  messageEndpoint: number;
  closeEndpoint: number;
  /** connect: the path template and handshake headers */
  path: Template | null;
  headers: Array<[string, Template]>;
  /** the connect is in the scenario's setup (a lost socket makes the setup run again) */
  inSetup: boolean;
  send: WsMessageExec | null;
  /** expect: all of these hold for the awaited message */
  match: CompiledExpect | null;
  correlate: JsonPathQuery | null;
  capture: CompiledCaptures | null;
  holdMs: number;
  closeCode: number;
  timeoutMs: number;
  /** names of the variables its templates read */
  variables: string[];
}

export interface WsCompileContext {
  defaults?: Defaults | undefined;
  where: string;
  templates?: TemplateOptions | undefined;
  inSetup: boolean;
  /** endpoint index for (name, method, path) in this scenario */
  endpointOf: (name: string, method: string, path: string) => number;
  /** the socket the previous ws steps talk to (null before the first connect) */
  socket: { connect: number; message: number; close: number } | null;
}

function planError(where: string, message: string, hint: string): LoadproofError {
  return new LoadproofError('LP_PLAN_INVALID', message, { where, hint, exitCode: ExitCode.badInput });
}

/** Compiles a `ws:` step; returns the exec and the socket later steps talk to. */
export function compileWsStep(step: WsStep, ctx: WsCompileContext): { exec: WsExec; socket: NonNullable<WsCompileContext['socket']> } {
  const at = `${ctx.where}.ws`;
  const variables = new Set<string>();
  const track = (t: { names: readonly string[] }): void => {
    for (const n of t.names) variables.add(n);
  };
  let socket = ctx.socket;
  let path: Template | null = null;
  const headers: Array<[string, Template]> = [];
  if (step.op === 'connect') {
    const written = step.connect!;
    if (!written.startsWith('/') && !written.startsWith('{{')) throw planError(`${at}.connect`, `"${written}" is not a path`, 'write a path on the target, e.g. /chat');
    path = compileTemplate(written, `${at}.connect`, ctx.templates);
    track(path);
    const base = step.name ?? `WS ${written}`;
    socket = {
      connect: ctx.endpointOf(`${base} connect`, 'WS', written),
      message: ctx.endpointOf(`${base} message`, 'WS', written),
      close: ctx.endpointOf(`${base} close`, 'WS', written),
    };
    const merged = new Map<string, [string, string, string]>();
    for (const [k, v] of Object.entries(ctx.defaults?.headers ?? {})) merged.set(k.toLowerCase(), [k, v, `defaults.headers.${k}`]);
    for (const [k, v] of Object.entries(step.headers ?? {})) merged.set(k.toLowerCase(), [k, v, `${at}.headers.${k}`]);
    for (const [name, value, w] of merged.values()) {
      const t = compileTemplate(value, w, ctx.templates);
      track(t);
      headers.push([name, t]);
    }
  } else if (socket === null) {
    throw planError(at, `a ws ${step.op} step comes before any ws connect`, 'open the socket first: `- ws: { connect: /path }` (in setup or earlier in the flow)');
  }
  let send: WsMessageExec | null = null;
  if (step.send !== undefined) {
    const m = step.send;
    if (typeof m === 'string' || 'text' in m) {
      const t = compileTemplate(typeof m === 'string' ? m : m.text, `${at}.send`, ctx.templates);
      track(t);
      send = { binary: false, render: (v, miss) => t.render(v, miss), bytes: null };
    } else if ('json' in m) {
      const t: JsonTemplate = compileJsonTemplate(m.json, `${at}.send.json`, ctx.templates);
      track(t);
      send = { binary: false, render: (v, miss) => t.render(v, miss), bytes: null };
    } else {
      const bytes = Buffer.from(m.binary, 'base64');
      if (bytes.toString('base64').replace(/=+$/, '') !== m.binary.replace(/\s+/g, '').replace(/=+$/, '')) {
        throw planError(`${at}.send.binary`, 'the binary message is not base64', 'write the bytes in base64, e.g. AAEC');
      }
      send = { binary: true, render: null, bytes };
    }
  }
  const e = step.expect;
  const match = e !== undefined ? compileExpect({ contains: e.contains, json: e.json }, `${at}.expect`) : null;
  const correlate = e?.correlate !== undefined ? compileJsonPath(e.correlate, `${at}.expect.correlate`) : null;
  const capture = step.capture !== undefined ? compileCaptures(step.capture, `${at}.capture`) : null;
  const timeoutMs = e?.timeoutMs ?? step.timeoutMs ?? ctx.defaults?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const exec: WsExec = {
    kind: 'ws',
    op: step.op === 'send' && e !== undefined ? 'send' : step.op,
    connectEndpoint: socket!.connect,
    messageEndpoint: socket!.message,
    closeEndpoint: socket!.close,
    path,
    headers,
    inSetup: ctx.inSetup,
    send,
    match,
    correlate,
    capture,
    holdMs: step.holdMs ?? 0,
    closeCode: step.closeCode ?? 1000,
    timeoutMs,
    variables: [...variables],
  };
  return { exec, socket: socket! };
}
