/**
 * The demo service's WebSocket and gRPC front ends (`demo --protocol ws|grpc`): the same items and
 * the same bottleneck as the HTTP API, so that a breakpoint run shows the same knee and the same
 * diagnosis on each protocol.
 *
 *   ws    GET /items/ws upgrades (Bearer token in the handshake, as for /items); each message
 *         {"id": …} runs the bottleneck once and is answered {"id": …, "items": [...]} — or
 *         {"id": …, "error": "…"} when the pool wait timed out (the HTTP API's 503).
 *   grpc  demo.Items/Get on its own port (examples/grpc/items.proto): runs the bottleneck once and
 *         answers an item, or RESOURCE_EXHAUSTED when the pool wait timed out.
 */
import type { IncomingMessage, Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type * as GrpcJs from '@grpc/grpc-js';
import type * as ProtoLoader from '@grpc/proto-loader';

export const DEMO_PROTOCOLS = ['http1', 'h2', 'ws', 'grpc'] as const;
export type DemoProtocol = (typeof DEMO_PROTOCOLS)[number];

/** examples/grpc/items.proto, from dist/src/demo/ (three levels up) or src/demo/ (two levels up). */
export const DEMO_PROTO = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../examples/grpc/items.proto' : '../../examples/grpc/items.proto', import.meta.url));

export interface ProtocolFrontEnd {
  /** gRPC: http://host:port of the gRPC server */
  grpcUrl?: string;
  close(): Promise<void>;
}

type Serve = (req: IncomingMessage | null) => Promise<'ok' | string>;

/** Answers `/items/ws` upgrades on the HTTP server (the `ws` package). */
export async function attachWs(server: Server, serve: Serve, authorized: (req: IncomingMessage) => boolean, items: () => unknown[]): Promise<ProtocolFrontEnd> {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://demo').pathname !== '/items/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    if (!authorized(req)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data) => {
        let id: unknown = null;
        try {
          id = (JSON.parse(data.toString()) as { id?: unknown }).id ?? null;
        } catch {
          id = null;
        }
        void serve(req).then((outcome) => {
          if (ws.readyState !== ws.OPEN) return;
          ws.send(JSON.stringify(outcome === 'ok' ? { id, items: items().slice(-5) } : { id, error: outcome }));
        });
      });
    });
  });
  return {
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
    },
  };
}

/** Starts demo.Items on its own port (grpc-js). */
export async function startGrpc(host: string, serve: Serve): Promise<ProtocolFrontEnd> {
  const require = createRequire(import.meta.url);
  const grpc = require('@grpc/grpc-js') as typeof GrpcJs;
  const loader = require('@grpc/proto-loader') as typeof ProtoLoader;
  const def = loader.loadSync(DEMO_PROTO, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { demo: { Items: GrpcJs.ServiceClientConstructor } };
  const server = new grpc.Server();
  server.addService(pkg.demo.Items.service, {
    Get: (call: GrpcJs.ServerUnaryCall<{ id: number; tag: string }, unknown>, cb: GrpcJs.sendUnaryData<unknown>) => {
      void serve(null).then((outcome) => {
        if (outcome === 'ok') cb(null, { id: call.request.id, name: `item ${call.request.id}`, tag: call.request.tag });
        else cb({ code: grpc.status.RESOURCE_EXHAUSTED, details: outcome });
      });
    },
    Create: (call: GrpcJs.ServerUnaryCall<{ name: string }, unknown>, cb: GrpcJs.sendUnaryData<unknown>) => {
      void serve(null).then((outcome) => {
        if (outcome === 'ok') cb(null, { id: 1, name: call.request.name, tag: '' });
        else cb({ code: grpc.status.RESOURCE_EXHAUSTED, details: outcome });
      });
    },
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? rej(err) : res(p))));
  return {
    grpcUrl: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: async () => {
      server.forceShutdown();
    },
  };
}
