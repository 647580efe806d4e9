/**
 * Plan steps for protocols other than HTTP: WebSocket (`ws:`) and gRPC unary (`grpc:`).
 *
 *   - ws: { connect: /chat, headers: { Authorization: "Bearer {{ token }}" } }
 *   - ws: { send: { json: { id: "{{ $uuid() }}", text: hi } }, expect: { correlate: $.id } }
 *   - ws: { expect: { contains: welcome, timeout: 2s } }
 *   - ws: { hold: 5s }
 *   - ws: { close: true }
 *   - grpc: { proto: ./svc.proto, service: demo.Items, method: Get, message: { id: "{{ n }}" } }
 *
 * A `ws` step does one of connect, send, expect, hold, close — or send and expect together (the
 * message round trip). Kept out of schema.ts so that the HTTP step schema stays as it was.
 */
import { z } from 'zod';
import type { CaptureSpec, Duration as DurationSchema, Step } from './schema.js';

const ALWAYS = { when: () => true };

/** A WebSocket message to send: text, JSON (templated) or binary (base64). */
export const WsMessageSchema = z.union([
  z.string().describe('a text message (templated)'),
  z.strictObject({ text: z.string() }),
  z.strictObject({ json: z.unknown() }),
  z.strictObject({ binary: z.string().describe('base64 bytes') }),
]);
export type WsMessage = z.output<typeof WsMessageSchema>;

const WS_OPS = ['connect', 'send', 'expect', 'hold', 'close'] as const;

/**
 * The `ws:` and `grpc:` step schemas, built with the plan's `Duration` (passed in rather than
 * imported: schema.ts imports this file, and a cycle would leave `Duration` unset here).
 */
export function protocolStepSchemas(Duration: typeof DurationSchema) {
  /** Which message an `expect` waits for. */
  const WsExpectSchema = z.strictObject({
    contains: z.string().optional().describe('the message text contains this'),
    json: z.record(z.string(), z.unknown()).optional().describe('JSONPath → expected value in the message'),
    correlate: z.string().optional().describe('a JSONPath present in both the sent and the received message: the reply to a send carries the same value there (default: replies in order)'),
    timeout: Duration.optional().describe('how long to wait for the message (default: the step timeout)'),
  }).transform(({ timeout, ...rest }) => ({ ...rest, timeoutMs: timeout }));

  const WsStepSchema = z
    .strictObject({
      connect: z.string().optional().describe('path to open the socket on, e.g. /chat (templated)'),
      headers: z.record(z.string(), z.string()).optional().describe('handshake headers (connect)'),
      send: WsMessageSchema.optional().describe('a message to send'),
      expect: WsExpectSchema.optional().describe('wait for a message: its round trip from the last send is recorded'),
      hold: Duration.optional().describe('keep the socket open this long (messages keep arriving)'),
      close: z.union([z.boolean(), z.number().int().min(1000).max(4999)]).optional().describe('close the socket (true: code 1000)'),
      capture: z.record(z.string(), z.union([z.string(), z.strictObject({ json: z.string() }), z.strictObject({ regex: z.string(), group: z.number().int().nonnegative().optional() })])).optional().describe('values from the expected message'),
      name: z.string().optional().describe('connect: the socket\'s name in results (default WS <path>)'),
      timeout: Duration.optional().describe('connect or expect timeout (default: defaults.timeout)'),
    })
    .superRefine((s, ctx) => {
      if (typeof s !== 'object' || s === null) return;
      const ops = WS_OPS.filter((k) => s[k] !== undefined);
      const pair = ops.length === 2 && ops[0] === 'send' && ops[1] === 'expect';
      if (ops.length !== 1 && !pair) {
        ctx.addIssue({
          code: 'custom',
          message: ops.length === 0 ? `a ws step needs one of ${WS_OPS.join(', ')}` : `a ws step does one thing (send with expect is the one pair), found ${ops.join(', ')}`,
          params: { hint: 'write e.g. `- ws: { connect: /chat }` or `- ws: { send: hi, expect: { contains: hi } }`' },
        });
      }
      if (s.headers !== undefined && s.connect === undefined) ctx.addIssue({ code: 'custom', path: ['headers'], message: 'headers go with connect' });
      if (s.capture !== undefined && s.expect === undefined) ctx.addIssue({ code: 'custom', path: ['capture'], message: 'capture reads the expected message: add expect' });
    }, ALWAYS);

  const GrpcStepSchema = z.strictObject({
    proto: z.string().describe('the .proto file (relative to the plan file), loaded once at plan load'),
    service: z.string().describe('the fully qualified service, e.g. demo.Items'),
    method: z.string().describe('a unary method of the service'),
    message: z.record(z.string(), z.unknown()).default({}).describe('the request message as JSON (templated)'),
    metadata: z.record(z.string(), z.string()).optional().describe('request metadata (templated)'),
    name: z.string().optional().describe('endpoint name in results (default GRPC service/method)'),
    capture: z.record(z.string(), z.union([z.string(), z.strictObject({ json: z.string() })])).optional().describe('values from the response message (JSONPath)'),
    expect: z.strictObject({ json: z.record(z.string(), z.unknown()).optional(), contains: z.string().optional() }).optional().describe('checks on the response message'),
    timeout: Duration.optional().describe('the call deadline (default: defaults.timeout)'),
  });

  return { WsStepSchema, GrpcStepSchema };
}

type Schemas = ReturnType<typeof protocolStepSchemas>;
export type WsStepInput = z.output<Schemas['WsStepSchema']>;
export type WsExpect = NonNullable<WsStepInput['expect']>;

/** A parsed `ws:` step. */
export interface WsStep {
  kind: 'ws';
  op: 'connect' | 'send' | 'expect' | 'hold' | 'close';
  connect?: string | undefined;
  headers?: Record<string, string> | undefined;
  send?: WsMessage | undefined;
  expect?: WsExpect | undefined;
  holdMs?: number | undefined;
  closeCode?: number | undefined;
  capture?: Record<string, CaptureSpec> | undefined;
  name?: string | undefined;
  timeoutMs?: number | undefined;
}

export function toWsStep(s: WsStepInput): WsStep {
  const op = s.connect !== undefined ? 'connect' : s.send !== undefined ? 'send' : s.expect !== undefined ? 'expect' : s.hold !== undefined ? 'hold' : 'close';
  return {
    kind: 'ws',
    op,
    connect: s.connect,
    headers: s.headers,
    send: s.send,
    expect: s.expect,
    holdMs: s.hold,
    closeCode: s.close === undefined || s.close === false ? undefined : s.close === true ? 1000 : s.close,
    capture: s.capture,
    name: s.name,
    timeoutMs: s.timeout,
  };
}

/** A parsed `grpc:` step. */
export interface GrpcStep {
  kind: 'grpc';
  proto: string;
  service: string;
  method: string;
  message: Record<string, unknown>;
  metadata?: Record<string, string> | undefined;
  name?: string | undefined;
  capture?: Record<string, CaptureSpec> | undefined;
  expect?: { json?: Record<string, unknown> | undefined; contains?: string | undefined } | undefined;
  timeoutMs?: number | undefined;
}

export function toGrpcStep(s: z.output<Schemas['GrpcStepSchema']>): GrpcStep {
  const { timeout, ...rest } = s;
  return { kind: 'grpc', ...rest, timeoutMs: timeout };
}

/** Every ws/grpc step of the scenarios (setup and flow, inside loops and ifs), with its scenario's name. */
export function protocolStepsOf(plan: { scenarios: ReadonlyArray<{ name: string; setup?: Step[] | undefined; flow: Step[] }> }): Array<{ scenario: string; step: WsStep | GrpcStep }> {
  const out: Array<{ scenario: string; step: WsStep | GrpcStep }> = [];
  const walk = (scenario: string, list: readonly Step[]): void => {
    for (const s of list) {
      if (s.kind === 'ws' || s.kind === 'grpc') out.push({ scenario, step: s });
      else if (s.kind === 'loop') walk(scenario, s.steps);
      else if (s.kind === 'if') {
        walk(scenario, s.then);
        walk(scenario, s.else);
      }
    }
  };
  for (const sc of plan.scenarios) walk(sc.name, [...(sc.setup ?? []), ...sc.flow]);
  return out;
}
