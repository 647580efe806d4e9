/**
 * A grpc-js server of demo.Items (examples/grpc/items.proto, the demo's own) for the gRPC tests, on 127.0.0.1
 * port 0.
 *
 *   Get {id, tag} → {id, name: "item <id>", tag} after `replyDelayMs`.
 *   stallAtMs/stallMs: from `stallAtMs` after the first call, answers are held for `stallMs`.
 *   exhaustEvery: every n-th call is answered RESOURCE_EXHAUSTED (a quota), the others OK.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const ITEMS_PROTO = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../examples/grpc/items.proto' : '../../examples/grpc/items.proto', import.meta.url));

export interface GrpcItemsOptions {
  replyDelayMs?: number;
  stallAtMs?: number;
  stallMs?: number;
  exhaustEvery?: number;
}

export interface GrpcItems {
  /** http://127.0.0.1:PORT (the plan's target) */
  url: string;
  stats: { calls: number; exhausted: number; tags: Set<string> };
  close(): Promise<void>;
}

export async function startGrpcItems(o: GrpcItemsOptions = {}): Promise<GrpcItems> {
  const def = protoLoader.loadSync(ITEMS_PROTO, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { demo: { Items: grpc.ServiceClientConstructor } };
  const stats = { calls: 0, exhausted: 0, tags: new Set<string>() };
  let startedAt = Infinity;
  const held: Array<() => void> = [];
  let stallTimer: NodeJS.Timeout | null = null;
  const stalled = (): boolean => o.stallAtMs !== undefined && Date.now() - startedAt >= o.stallAtMs && Date.now() - startedAt < o.stallAtMs + (o.stallMs ?? 0);
  const server = new grpc.Server();
  const answer = (f: () => void): void => {
    const go = (): void => (stalled() ? void held.push(f) : f());
    if (o.replyDelayMs) setTimeout(go, o.replyDelayMs);
    else go();
  };
  server.addService(pkg.demo.Items.service, {
    Get: (call: grpc.ServerUnaryCall<{ id: number; tag: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      if (startedAt === Infinity) {
        startedAt = Date.now();
        if (o.stallAtMs !== undefined) stallTimer = setTimeout(() => held.splice(0).forEach((f) => f()), o.stallAtMs + (o.stallMs ?? 0));
      }
      stats.calls++;
      if (call.request.tag) stats.tags.add(call.request.tag);
      if (o.exhaustEvery !== undefined && stats.calls % o.exhaustEvery === 0) {
        stats.exhausted++;
        cb({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'quota exceeded' });
        return;
      }
      answer(() => cb(null, { id: call.request.id, name: `item ${call.request.id}`, tag: call.request.tag }));
    },
    Create: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      stats.calls++;
      cb(null, { id: stats.calls, name: call.request.name, tag: '' });
    },
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? rej(err) : res(p))));
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: async () => {
      if (stallTimer !== null) clearTimeout(stallTimer);
      server.forceShutdown();
    },
  };
}
