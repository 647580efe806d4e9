/**
 * What every end-to-end test service shares: reading its `--name value` flags, listening on a
 * loopback port (0 picks a free one), printing "listening on http://127.0.0.1:PORT" as its first
 * line (test/helpers/service-child.ts waits for it), and closing cleanly on SIGINT or SIGTERM.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A numeric `--name N` flag, or `fallback` when absent; exits 2 on a value that is not a number. */
export function numberFlag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isFinite(n)) {
    process.stderr.write(`--${name} expects a number, got "${process.argv[i + 1]}"\n`);
    process.exit(2);
  }
  return n;
}

/** A string `--name value` flag, or `fallback` when absent. */
export function stringFlag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : (process.argv[i + 1] ?? fallback);
}

/** Listens on 127.0.0.1, prints the URL, and on SIGINT/SIGTERM runs `onClose`, closes the server and exits 0. */
export async function serveUntilSignal(server: Server, onClose: () => Promise<void> | void = () => undefined): Promise<void> {
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(numberFlag('port', 0), '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
  const stop = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    void (async () => {
      await onClose();
      server.closeAllConnections();
      server.close(() => process.exit(0));
    })();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Writes a JSON answer with its length. */
export function sendJson(res: import('node:http').ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
