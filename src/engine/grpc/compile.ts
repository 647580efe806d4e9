/**
 * `grpc:` steps compiled at plan load: the .proto loaded (once per file per thread, with
 * @grpc/proto-loader), the service and method looked up, the message and metadata compiled as
 * templates, captures and checks compiled. A .proto that does not parse is a plan error naming
 * `file:line` (exit 2); an unknown service or method names the step's field and the choices.
 */
import { createRequire } from 'node:module';
import type { Defaults, GrpcStep } from '../../plan/schema.js';
import { ExitCode, LoadproofError } from '../../errors.js';
import { compileJsonTemplate, compileTemplate, type JsonTemplate, type Template, type TemplateOptions } from '../scenario/template.js';
import { compileExpect, type CompiledExpect } from '../scenario/checks.js';
import { compileCaptures, type CompiledCaptures } from '../scenario/capture.js';
import type * as GrpcJs from '@grpc/grpc-js';
import type * as ProtoLoader from '@grpc/proto-loader';

const DEFAULT_TIMEOUT_MS = 10_000;

// grpc-js is loaded only by plans that use it (the load worker starts without it otherwise)
const require = createRequire(import.meta.url);
let grpcLib: typeof GrpcJs | null = null;
let loaderLib: typeof ProtoLoader | null = null;
export function grpcJs(): typeof GrpcJs {
  grpcLib ??= require('@grpc/grpc-js') as typeof GrpcJs;
  return grpcLib;
}
function protoLoader(): typeof ProtoLoader {
  loaderLib ??= require('@grpc/proto-loader') as typeof ProtoLoader;
  return loaderLib;
}

/** A client constructor of a service (grpc-js `makeGenericClientFromService` output). */
export type GrpcClientCtor = GrpcJs.ServiceClientConstructor;

export interface GrpcExec {
  kind: 'grpc';
  endpoint: number;
  /** key of the client constructor in the proto cache: `file\0service` */
  clientKey: string;
  method: string;
  message: JsonTemplate;
  metadata: Array<[string, Template]>;
  timeoutMs: number;
  capture: CompiledCaptures | null;
  expect: CompiledExpect | null;
  variables: string[];
}

export interface GrpcCompileContext {
  defaults?: Defaults | undefined;
  where: string;
  templates?: TemplateOptions | undefined;
  endpointOf: (name: string, method: string, path: string) => number;
}

const packages = new Map<string, GrpcJs.GrpcObject>();
const clients = new Map<string, GrpcClientCtor>();

function planError(where: string, message: string, hint: string): LoadproofError {
  return new LoadproofError('LP_PLAN_INVALID', message, { where, hint, exitCode: ExitCode.badInput });
}

/** Loads a .proto file (cached); a parse error is a plan error at `file:line`. */
export function loadProto(file: string, where: string): GrpcJs.GrpcObject {
  let pkg = packages.get(file);
  if (pkg !== undefined) return pkg;
  let def: ProtoLoader.PackageDefinition;
  try {
    def = protoLoader().loadSync(file, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw planError(`${where}.proto`, `no such file ${file}`, 'give the .proto path relative to the plan file');
    const m = /\(line (\d+)\)/.exec(e.message ?? '');
    const message = (e.message ?? String(err)).replace(/\s*\(line \d+\)\s*$/, '');
    throw new LoadproofError('LP_PLAN_INVALID', `the .proto does not parse: ${message}`, {
      where: m ? `${file}:${m[1]}` : file,
      hint: 'fix the .proto (protoc would say the same)',
      exitCode: ExitCode.badInput,
    });
  }
  pkg = grpcJs().loadPackageDefinition(def);
  packages.set(file, pkg);
  return pkg;
}

/** The client constructor of `service` in `file` (cached), looked up once at compile time. */
export function clientCtor(key: string): GrpcClientCtor {
  const c = clients.get(key);
  if (c === undefined) throw new LoadproofError('LP_INTERNAL', `gRPC service ${key.replace('\0', ' ')} was not compiled`, { exitCode: ExitCode.internal });
  return c;
}

function servicesOf(obj: GrpcJs.GrpcObject, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'function' && 'service' in v) out.push(prefix + k);
    else if (typeof v === 'object' && v !== null && !('format' in v)) out.push(...servicesOf(v as GrpcJs.GrpcObject, `${prefix}${k}.`));
  }
  return out;
}

/** Compiles a `grpc:` step. */
export function compileGrpcStep(step: GrpcStep, ctx: GrpcCompileContext): GrpcExec {
  const at = `${ctx.where}.grpc`;
  const pkg = loadProto(step.proto, at);
  let node: unknown = pkg;
  for (const part of step.service.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  if (typeof node !== 'function' || !('service' in node)) {
    const all = servicesOf(pkg);
    throw planError(`${at}.service`, `no service ${step.service} in ${step.proto}`, all.length ? `use one of ${all.join(', ')}` : 'the .proto defines no service');
  }
  const ctor = node as GrpcClientCtor;
  const def = ctor.service[step.method];
  if (def === undefined) throw planError(`${at}.method`, `no method ${step.method} in ${step.service}`, `use one of ${Object.keys(ctor.service).join(', ')}`);
  if (def.requestStream || def.responseStream) throw planError(`${at}.method`, `${step.service}/${step.method} is a streaming method`, 'grpc steps call unary methods');
  const clientKey = `${step.proto}\0${step.service}`;
  clients.set(clientKey, ctor);
  const variables = new Set<string>();
  const message = compileJsonTemplate(step.message, `${at}.message`, ctx.templates);
  for (const n of message.names) variables.add(n);
  const metadata: Array<[string, Template]> = Object.entries(step.metadata ?? {}).map(([k, v]) => {
    const t = compileTemplate(v, `${at}.metadata.${k}`, ctx.templates);
    for (const n of t.names) variables.add(n);
    return [k.toLowerCase(), t];
  });
  const name = step.name ?? `GRPC ${step.service}/${step.method}`;
  return {
    kind: 'grpc',
    endpoint: ctx.endpointOf(name, 'GRPC', `/${step.service}/${step.method}`),
    clientKey,
    method: step.method,
    message,
    metadata,
    timeoutMs: step.timeoutMs ?? ctx.defaults?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    capture: step.capture !== undefined ? compileCaptures(step.capture, `${at}.capture`) : null,
    expect: step.expect !== undefined ? compileExpect(step.expect, `${at}.expect`) : null,
    variables: [...variables],
  };
}
