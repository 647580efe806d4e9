/**
 * WebSocket and gRPC steps in a k6 script.
 *
 *   WebSocket (k6/ws): a `ws connect` and the ws steps after it, up to its `close` (or the end of
 *   the list), become one `ws.connect(url, params, (socket) => wsSession(socket, ops, name))`
 *   block; `wsSession` (written once into the script) runs the sends, expects (a message with the
 *   text / JSON values asked for, within the timeout; a check), holds and the close in order. Steps
 *   of another kind inside a socket's lifetime run after the block (k6/ws runs the socket to its
 *   end inside ws.connect).
 *   gRPC (k6/net/grpc): one client per .proto, loaded in the init context; each VU connects once
 *   (plaintext for an http:// target) and each step is `client.invoke(...)` with its deadline and a
 *   status-OK check.
 *
 * What k6 cannot express is listed in the script's header (`notes`), never dropped silently.
 */
import type { Step } from '../../plan/schema.js';
import { simpleJsonPath } from '../common/template.js';

type WsStepT = Extract<Step, { kind: 'ws' }>;
type GrpcStepT = Extract<Step, { kind: 'grpc' }>;

const js = (v: unknown): string => JSON.stringify(v);

/** What the k6 export gathers while writing protocol steps. */
export interface K6ProtocolContext {
  /** .proto files, in order of first use (client i loads protos[i]) */
  protos: string[];
  usesWs: boolean;
  notes: Set<string>;
  /** plan string → JS expression (templates) */
  str: (s: string) => string;
  /** JSON value with templated strings → JS expression */
  value: (v: unknown) => string;
}

function selector(path: string, notes: Set<string>): string {
  const segs = simpleJsonPath(path);
  if (segs === undefined) {
    notes.add(`the JSONPath ${path} is not a simple path: k6 checks read the root instead`);
    return '[]';
  }
  return js(segs);
}

/** The ops of one socket's steps, as JS object literals for wsSession. */
function wsOp(s: WsStepT, ctx: K6ProtocolContext, defaultTimeoutMs: number): string | null {
  const parts: string[] = [];
  if (s.op === 'hold') return `{ hold: ${s.holdMs ?? 0} }`;
  if (s.op === 'close') return `{ close: ${s.closeCode ?? 1000} }`;
  if (s.send !== undefined) {
    const m = s.send;
    if (typeof m === 'string') parts.push(`send: () => ${ctx.str(m)}`);
    else if ('text' in m) parts.push(`send: () => ${ctx.str(m.text)}`);
    else if ('json' in m) parts.push(`send: () => JSON.stringify(${ctx.value(m.json)})`);
    else parts.push(`sendBinary: ${js(m.binary)}`);
  }
  const e = s.expect;
  if (e !== undefined) {
    const conds: string[] = [];
    if (e.contains !== undefined) conds.push(`contains: ${js(e.contains)}`);
    const json = Object.entries(e.json ?? {}).map(([p, want]) => `[${selector(p, ctx.notes)}, ${js(want)}]`);
    if (json.length) conds.push(`json: [${json.join(', ')}]`);
    if (e.correlate !== undefined) {
      conds.push(`correlate: ${selector(e.correlate, ctx.notes)}`);
    }
    conds.push(`timeoutMs: ${e.timeoutMs ?? s.timeoutMs ?? defaultTimeoutMs}`);
    parts.push(`expect: { ${conds.join(', ')} }`);
    const caps = Object.entries(s.capture ?? {}).flatMap(([k, spec]) => {
      if (typeof spec === 'string' || 'json' in spec) return [`[${js(k)}, ${selector(typeof spec === 'string' ? spec : spec.json, ctx.notes)}]`];
      ctx.notes.add(`the regex capture ${k} of a WebSocket message is not exported`);
      return [];
    });
    if (caps.length) parts.push(`capture: [${caps.join(', ')}]`);
  }
  return parts.length ? `{ ${parts.join(', ')} }` : null;
}

/**
 * Writes the ws steps that start at `list[i]` (a connect) into `out`; returns the index after the
 * socket's last step and the steps of other kinds met inside its lifetime (written after it).
 */
export function wsBlock(list: readonly Step[], i: number, indent: string, ctx: K6ProtocolContext, defaultHeaders: Record<string, string>, defaultTimeoutMs: number): { lines: string[]; next: number; others: Step[] } {
  ctx.usesWs = true;
  const c = list[i] as WsStepT;
  const name = c.name ?? `WS ${c.connect}`;
  const headers: Record<string, string> = { ...defaultHeaders, ...(c.headers ?? {}) };
  const params = [`tags: { name: ${js(name)} }`];
  if (Object.keys(headers).length) params.push(`headers: { ${Object.entries(headers).map(([k, v]) => `${js(k)}: ${ctx.str(v)}`).join(', ')} }`);
  const ops: string[] = [];
  const others: Step[] = [];
  let j = i + 1;
  for (; j < list.length; j++) {
    const s = list[j]!;
    if (s.kind === 'ws' && s.op === 'connect') break;
    if (s.kind !== 'ws') {
      others.push(s);
      continue;
    }
    const op = wsOp(s, ctx, defaultTimeoutMs);
    if (op !== null) ops.push(op);
    if (s.op === 'close') {
      j++;
      break;
    }
  }
  if (others.length) ctx.notes.add(`steps between a ws connect and its close run after the socket closes (k6/ws runs the socket inside ws.connect)`);
  const lines = [
    `${indent}res = ws.connect(WS_BASE + ${ctx.str(c.connect!)}, { ${params.join(', ')} }, (socket) => wsSession(socket, [`,
    ...ops.map((o) => `${indent}  ${o},`),
    `${indent}], ${js(name)}));`,
    `${indent}check(res, { ${js(`${name}: connected (101)`)}: (r) => r && r.status === 101 });`,
  ];
  return { lines, next: j, others };
}

/** A gRPC step as k6 code. */
export function grpcCode(s: GrpcStepT, indent: string, ctx: K6ProtocolContext, defaultTimeoutMs: number): string[] {
  let ci = ctx.protos.indexOf(s.proto);
  if (ci < 0) {
    ci = ctx.protos.length;
    ctx.protos.push(s.proto);
  }
  const client = `grpcClients[${ci}]`;
  const name = s.name ?? `GRPC ${s.service}/${s.method}`;
  const opts = [`tags: { name: ${js(name)} }`, `timeout: ${js(`${s.timeoutMs ?? defaultTimeoutMs}ms`)}`];
  if (s.metadata) opts.push(`metadata: { ${Object.entries(s.metadata).map(([k, v]) => `${js(k)}: ${ctx.str(v)}`).join(', ')} }`);
  const lines = [
    `${indent}if (!vars[${js(`__grpc${ci}`)}]) {`,
    `${indent}  ${client}.connect(GRPC_ADDR, { plaintext: GRPC_PLAINTEXT });`,
    `${indent}  vars[${js(`__grpc${ci}`)}] = true;`,
    `${indent}}`,
    `${indent}res = ${client}.invoke(${js(`${s.service}/${s.method}`)}, ${ctx.value(s.message)}, { ${opts.join(', ')} });`,
    `${indent}check(res, { ${js(`${name}: status OK`)}: (r) => r && r.status === grpc.StatusOK });`,
  ];
  for (const [p, want] of Object.entries(s.expect?.json ?? {})) {
    lines.push(`${indent}check(res, { ${js(`${name}: ${p} = ${JSON.stringify(want)}`)}: (r) => r && JSON.stringify(pick(r.message, ${selector(p, ctx.notes)})) === ${js(JSON.stringify(want))} });`);
  }
  if (s.expect?.contains !== undefined) lines.push(`${indent}check(res, { ${js(`${name}: contains ${s.expect.contains}`)}: (r) => r && JSON.stringify(r.message).includes(${js(s.expect.contains)}) });`);
  for (const [k, spec] of Object.entries(s.capture ?? {})) {
    const path = typeof spec === 'string' ? spec : 'json' in spec ? spec.json : null;
    if (path === null) {
      ctx.notes.add(`the capture ${k} of ${name} is not a JSONPath: not exported`);
      continue;
    }
    lines.push(`${indent}if (res && res.message) vars[${js(k)}] = String(pick(res.message, ${selector(path, ctx.notes)}));`);
  }
  return lines;
}

/** Imports and helpers the script needs for its protocol steps. */
export function protocolPrelude(ctx: K6ProtocolContext): string[] {
  const out: string[] = [];
  if (ctx.usesWs) out.push("import ws from 'k6/ws';");
  if (ctx.protos.length) out.push("import grpc from 'k6/net/grpc';");
  return out;
}

/** Module-level code (after the imports) for the protocol steps. */
export function protocolModuleCode(ctx: K6ProtocolContext, target: string): string[] {
  const out: string[] = [];
  if (!ctx.usesWs && !ctx.protos.length) return out;
  out.push(
    'function pick(doc, segs) {',
    '  let v = doc;',
    '  for (const s of segs) v = v === null || v === undefined ? undefined : v[s];',
    '  return v;',
    '}',
  );
  if (ctx.usesWs) {
    const wsBase = target.replace(/\/$/, '').replace(/^http/, 'ws');
    out.push(
      `const WS_BASE = ${js(wsBase)};`,
      '// runs one socket\'s steps in order: sends, expects (a matching message within the timeout: a check),',
      '// holds and the close; a reply correlated by a field must carry the value the send had there',
      'function wsSession(socket, ops, name) {',
      '  let i = 0;',
      '  let waiting = null;',
      '  let gen = 0;',
      '  let lastSent = null;',
      '  const next = () => {',
      '    while (i < ops.length) {',
      '      const op = ops[i++];',
      '      if (op.send) { const m = op.send(); lastSent = m; socket.send(m); }',
      '      if (op.sendBinary) socket.sendBinary(Uint8Array.from(atob(op.sendBinary), (c) => c.charCodeAt(0)).buffer);',
      '      if (op.expect) {',
      '        waiting = op;',
      '        const g = ++gen;',
      "        socket.setTimeout(() => { if (g !== gen || !waiting) return; waiting = null; check(null, { [name + ': reply within ' + op.expect.timeoutMs + ' ms']: () => false }); next(); }, op.expect.timeoutMs);",
      '        return;',
      '      }',
      '      if (op.hold) { socket.setTimeout(next, op.hold); return; }',
      '      if (op.close) { socket.close(op.close); return; }',
      '    }',
      '    socket.close();',
      '  };',
      "  socket.on('open', next);",
      "  socket.on('message', (data) => {",
      '    if (!waiting) return;',
      '    const e = waiting.expect;',
      '    if (e.contains !== undefined && !String(data).includes(e.contains)) return;',
      '    let doc;',
      '    if (e.json || e.correlate || waiting.capture) { try { doc = JSON.parse(data); } catch (err) { return; } }',
      '    if (e.json && !e.json.every(([segs, want]) => JSON.stringify(pick(doc, segs)) === JSON.stringify(want))) return;',
      '    if (e.correlate) { let sent; try { sent = JSON.parse(lastSent); } catch (err) { return; } if (JSON.stringify(pick(doc, e.correlate)) !== JSON.stringify(pick(sent, e.correlate))) return; }',
      "    check(data, { [name + ': reply']: () => true });",
      '    for (const [k, segs] of waiting.capture || []) vars[k] = String(pick(doc, segs));',
      '    waiting = null;',
      '    gen++;',
      '    next();',
      '  });',
      '}',
    );
  }
  if (ctx.protos.length) {
    const u = new URL(target);
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    out.push(
      `const GRPC_ADDR = ${js(`${u.hostname}:${port}`)};`,
      `const GRPC_PLAINTEXT = ${u.protocol !== 'https:'};`,
      '// one client per .proto, loaded in the init context',
      `const grpcClients = [${ctx.protos.map(() => 'new grpc.Client()').join(', ')}];`,
      ...ctx.protos.map((p, i) => `grpcClients[${i}].load([], ${js(p)});`),
    );
  }
  return out;
}
