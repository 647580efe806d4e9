/**
 * A process with known behaviour, for the process watcher's tests (spawned by burner.ts with IPC):
 * busy `busyPct` ms of every 100 ms (≈ busyPct % of one core), holding `allocMb` MiB of touched
 * memory, optionally listening on a loopback port, named by process.title. It answers `usage`
 * messages with its own CPU time and RSS, so a test can compare the watcher with the process's own
 * account. It exits when its parent disconnects, and after `maxLifeMs` in any case.
 */
import { createServer } from 'node:net';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const busyPct = Number(arg('busy-pct', '50'));
const allocMb = Number(arg('alloc-mb', '0'));
const title = arg('title', '');
const listen = process.argv.includes('--listen');
const maxLifeMs = Number(arg('max-life-ms', '120000'));
const port = Number(arg('port', '0'));

if (title) process.title = title;
// fill(1) touches every page: zero-filled allocations may be mapped lazily and not count in RSS
const hold = allocMb > 0 ? Buffer.alloc(allocMb * 1024 * 1024).fill(1) : Buffer.alloc(0);

const PERIOD_MS = 100;
function burn(): void {
  const start = Date.now();
  while (Date.now() - start < (busyPct / 100) * PERIOD_MS) {
    // spin
  }
  setTimeout(burn, PERIOD_MS - (Date.now() - start));
}

function ready(port: number | null): void {
  process.send?.({ type: 'ready', pid: process.pid, port, held: hold.length });
  if (busyPct > 0) burn();
}

process.on('message', (m: { type?: string }) => {
  if (m.type === 'usage') {
    const u = process.cpuUsage();
    process.send?.({ type: 'usage', cpuUs: u.user + u.system, rssBytes: process.memoryUsage.rss(), held: hold[hold.length - 1] });
  }
});
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(0), maxLifeMs).unref();

if (listen) {
  const server = createServer((s) => s.end());
  server.listen(port, '127.0.0.1', () => {
    const a = server.address();
    ready(typeof a === 'object' && a ? a.port : null);
  });
} else ready(null);
