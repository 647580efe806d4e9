/**
 * A target with a known latency distribution for the distributed-run test: `GET /sleep?ms=N`
 * answers after a fixed sleep of N ms, so the latency a request sees is N ms plus the machine's
 * overheads. `GET /clients` lists the source addresses that sent `/sleep` requests (a generator
 * bound with --local-address shows as its own client). Run as its own process:
 * `node dist/test/targets/fixed-sleep.js` prints the port on its first line.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const clients = new Map<string, number>();
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/clients') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(Object.fromEntries(clients)));
    return;
  }
  const addr = req.socket.remoteAddress ?? '?';
  clients.set(addr, (clients.get(addr) ?? 0) + 1);
  const ms = Number(url.searchParams.get('ms') ?? '0');
  setTimeout(() => res.end('ok'), ms);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => process.exit(0));
