/**
 * A target with a known latency distribution for the distributed-run test: `GET /sleep?ms=N`
 * answers after a fixed sleep of N ms, so the latency a request sees is N ms plus the machine's
 * overheads. `GET /mix` sleeps by a designed distribution fixed by the target itself, not by the
 * generators' random draws: of every 100 `/mix` requests it receives, 90 sleep 100 ms, 7 sleep
 * 300 ms and 3 sleep 800 ms (MIX below; the k-th request's place in the cycle is 37·k mod 100, so
 * the slow ones are spread over the cycle). A run of 400 requests, from one process or from four,
 * therefore holds exactly 360 / 28 / 12 of them: p50 falls in the 100 ms mass (rank 200), p95 in
 * the 300 ms one (rank 380 of 361–388) and p99 in the 800 ms one (rank 396 of 389–400), whatever
 * the split. `POST /reset` restarts the cycle. `GET /clients` lists the source addresses that sent
 * `/sleep` or `/mix` requests (a generator bound with --local-address shows as its own client).
 * Run as its own process:
 * `node dist/test/targets/fixed-sleep.js` prints the port on its first line.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const clients = new Map<string, number>();

/** The designed distribution of `/mix`: sleep (ms) by place in the cycle of 100. */
const MIX = [
  { ms: 100, of100: 90 },
  { ms: 300, of100: 7 },
  { ms: 800, of100: 3 },
] as const;
let mixCount = 0;

function mixSleepMs(): number {
  const place = (37 * mixCount++) % 100;
  let upTo = 0;
  for (const m of MIX) {
    upTo += m.of100;
    if (place < upTo) return m.ms;
  }
  return MIX[MIX.length - 1]!.ms;
}
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/clients') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(Object.fromEntries(clients)));
    return;
  }
  if (url.pathname === '/reset') {
    mixCount = 0;
    res.end('ok');
    return;
  }
  const addr = req.socket.remoteAddress ?? '?';
  clients.set(addr, (clients.get(addr) ?? 0) + 1);
  const ms = url.pathname === '/mix' ? mixSleepMs() : Number(url.searchParams.get('ms') ?? '0');
  setTimeout(() => res.end('ok'), ms);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => process.exit(0));
