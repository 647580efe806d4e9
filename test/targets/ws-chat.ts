/**
 * A WebSocket chat/echo server for the ws tests (the `ws` package), on 127.0.0.1 port 0.
 *
 *   JSON message {id, text} → reply {id, echo: text} after `replyDelayMs`; any other text → the
 *   same text back (replies in order).
 *   stallAtMs/stallMs: from `stallAtMs` after the first message, replies are held for `stallMs` (a server that
 *   freezes), then sent at once.
 *   dropAfter: after that many messages on a socket, the server cuts it without a close frame
 *   (the client sees 1006, an abnormal close).
 *   refuse: every upgrade is answered 503.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface WsChatOptions {
  replyDelayMs?: number;
  stallAtMs?: number;
  stallMs?: number;
  dropAfter?: number;
  refuse?: boolean;
}

export interface WsChat {
  url: string;
  stats: { connections: number; messages: number; refused: number };
  close(): Promise<void>;
}

export async function startWsChat(o: WsChatOptions = {}): Promise<WsChat> {
  const stats = { connections: 0, messages: 0, refused: 0 };
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true });
  // the stall is timed from the first message (the run's start, whatever the generator's start-up took)
  let startedAt = Infinity;
  const held: Array<() => void> = [];
  let stallTimer: NodeJS.Timeout | null = null;
  const stalled = (): boolean => o.stallAtMs !== undefined && Date.now() - startedAt >= o.stallAtMs && Date.now() - startedAt < o.stallAtMs + (o.stallMs ?? 0);
  const armStall = (): void => {
    if (startedAt !== Infinity) return;
    startedAt = Date.now();
    if (o.stallAtMs === undefined) return;
    stallTimer = setTimeout(() => {
      for (const f of held.splice(0)) f();
    }, o.stallAtMs + (o.stallMs ?? 0));
  };
  const reply = (ws: WebSocket, text: string): void => {
    const send = (): void => {
      if (stalled()) held.push(() => ws.send(text));
      else ws.send(text);
    };
    if (o.replyDelayMs) setTimeout(send, o.replyDelayMs);
    else send();
  };
  server.on('upgrade', (req, socket, head) => {
    if (o.refuse) {
      stats.refused++;
      socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      stats.connections++;
      let n = 0;
      ws.on('message', (data, isBinary) => {
        stats.messages++;
        armStall();
        n++;
        if (o.dropAfter !== undefined && n >= o.dropAfter) {
          ws.terminate();
          return;
        }
        const text = isBinary ? '' : data.toString();
        let m: { id?: unknown; text?: unknown } | null = null;
        try {
          m = JSON.parse(text) as { id?: unknown; text?: unknown };
        } catch {
          m = null;
        }
        reply(ws, m !== null && typeof m === 'object' && 'id' in m ? JSON.stringify({ id: m.id, echo: m.text }) : text);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: async () => {
      if (stallTimer !== null) clearTimeout(stallTimer);
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
