/**
 * A service that opens a file per request, for the fd-exhaustion end-to-end test:
 * `sh -c 'ulimit -n 64; exec node dist/test/targets/fd-service.js --hold 200'`.
 *
 *   GET /work    opens a scratch file, holds it `hold` ms (a timer, not CPU), closes it and answers
 *                200 — or 500 when open() fails with EMFILE (the process is at its open-files limit).
 *   GET /health  200 with the descriptors open now (`fds`, from /proc/self/fd) and the soft limit.
 *
 * Each request in flight holds two descriptors (its socket and its file), so the designed limit is
 * (limit − the descriptors open at rest) ÷ 2 requests in flight, i.e. that ÷ hold per second.
 */
import { createServer } from 'node:http';
import { open, readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { numberFlag, sendJson, serveUntilSignal } from './serve.js';

const holdMs = numberFlag('hold', 200);
const dir = await mkdtemp(join(tmpdir(), 'lp-fd-service-'));
const file = join(dir, 'scratch');
await (await open(file, 'w')).close();

const limit = Number(/^Max open files\s+(\d+)/m.exec(await readFile('/proc/self/limits', 'utf8'))?.[1] ?? NaN);
let emfile = 0;

const server = createServer((req, res) => {
  req.resume();
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/health') {
    void readdir('/proc/self/fd').then((fds) => sendJson(res, 200, { fds: fds.length, limit, emfile }));
    return;
  }
  if (path !== '/work') return sendJson(res, 404, { error: 'no such route' });
  open(file, 'r').then(
    (fh) =>
      setTimeout(() => {
        void fh.close().then(() => sendJson(res, 200, { ok: true }));
      }, holdMs),
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'EMFILE') emfile++;
      sendJson(res, 500, { error: e.code ?? String(e) });
    },
  );
});

await serveUntilSignal(server, () => rm(dir, { recursive: true, force: true }));
