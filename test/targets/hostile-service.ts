/**
 * A target that misbehaves in every way a load test meets in the wild, one path per way, on a raw
 * TCP server (node:http would refuse to send most of these): `node dist/test/targets/hostile-service.js`
 * (with `--tls KEY CERT` it serves the same over TLS).
 *
 *   /garbage        answers bytes that are not HTTP, then closes
 *   /endless-head   a status line, then header lines without end (until 64 MB or the client leaves)
 *   /long-body      Content-Length 5, then 20 bytes
 *   /short-body     Content-Length 100, then 10 bytes and a close
 *   /bad-chunk      chunked encoding with a chunk size that is not hex
 *   /big            a 100 MB body (Content-Length), written as fast as the client reads
 *   /dribble        a valid response, one byte a second (slowloris in reverse)
 *   /half-close     reads the request, then ends its side without answering
 *   /reset          reads the request, then resets the connection
 *   /never-read     never reads the request, never answers
 *   /redirect       302 to itself (a redirect loop, for a client that follows)
 *   anything else   200 "ok"
 *
 * Memory of this process stays small: bodies are written from one reused buffer with back-pressure.
 */
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

const tlsAt = process.argv.indexOf('--tls');
const CHUNK = Buffer.alloc(64 * 1024, 120);
const timers = new Set<NodeJS.Timeout>();

function writeMany(sock: Socket, totalBytes: number, piece: Buffer, done: () => void): void {
  let left = totalBytes;
  const pump = (): void => {
    while (left > 0) {
      const n = Math.min(left, piece.length);
      left -= n;
      if (!sock.write(n === piece.length ? piece : piece.subarray(0, n))) {
        sock.once('drain', pump);
        return;
      }
    }
    done();
  };
  pump();
}

function handle(sock: Socket): void {
  sock.on('error', () => undefined);
  let head = '';
  const onData = (d: Buffer): void => {
    head += d.toString('latin1');
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    const path = head.slice(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
    head = head.slice(end + 4);
    respond(sock, path);
  };
  // /never-read is known only after reading; the listener for it pauses before the first read
  sock.once('data', (first: Buffer) => {
    if (first.toString('latin1').startsWith('GET /never-read')) {
      sock.pause();
      return;
    }
    onData(first);
    sock.on('data', onData);
  });
}

function respond(sock: Socket, path: string): void {
  switch (path) {
    case '/garbage':
      sock.end('HELLO THERE, THIS IS NOT HTTP\r\n\r\n');
      return;
    case '/endless-head': {
      sock.write('HTTP/1.1 200 OK\r\n');
      writeMany(sock, 64 * 1024 * 1024, Buffer.from('X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(1000)), () => sock.end());
      return;
    }
    case '/long-body':
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n01234567890123456789');
      return;
    case '/short-body':
      sock.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789');
      return;
    case '/bad-chunk':
      sock.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n');
      return;
    case '/big':
      sock.write(`HTTP/1.1 200 OK\r\nContent-Length: ${100 * 1024 * 1024}\r\n\r\n`);
      writeMany(sock, 100 * 1024 * 1024, CHUNK, () => undefined);
      return;
    case '/dribble': {
      const text = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
      let i = 0;
      const t = setInterval(() => {
        if (sock.destroyed || i >= text.length) {
          clearInterval(t);
          timers.delete(t);
          return;
        }
        sock.write(text[i++]!);
      }, 1000);
      timers.add(t);
      return;
    }
    case '/half-close':
      sock.end();
      return;
    case '/reset':
      sock.resetAndDestroy();
      return;
    case '/redirect':
      sock.write('HTTP/1.1 302 Found\r\nLocation: /redirect\r\nContent-Length: 0\r\n\r\n');
      return;
    default:
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  }
}

const server: Server =
  tlsAt >= 0
    ? createTlsServer({ key: readFileSync(process.argv[tlsAt + 1]!), cert: readFileSync(process.argv[tlsAt + 2]!) }, handle)
    : createTcpServer(handle);
const sockets = new Set<Socket>();
server.on('connection', (s: Socket) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening on ${tlsAt >= 0 ? 'https' : 'http'}://127.0.0.1:${port}\n`);
});
const stop = (): void => {
  for (const t of timers) clearInterval(t);
  for (const s of sockets) s.destroy();
  server.close(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
