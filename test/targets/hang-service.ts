/**
 * A service that stops answering, and a login that a wrong password cannot pass, for the tests that
 * a load test tells the truth (test/integration/e2e-truth.test.ts):
 * `node dist/test/targets/hang-service.js [--hang-after 6] [--hold 5]`.
 *
 *   GET /items    200 after `hold` ms — until `hang-after` seconds after the first /items request;
 *                 from then on it never answers (the request is held open), like a service whose
 *                 database pool drained without an acquire timeout. With `Authorization: Bearer
 *                 t-1` only when `--auth` is given; without it, 401.
 *   POST /login   {"password": "secret"} → 200 {"token": "t-1"}; any other password → 401.
 *   GET /stats    200 {answered, held}: what the service saw.
 */
import { createServer, type ServerResponse } from 'node:http';
import { numberFlag, sendJson, serveUntilSignal } from './serve.js';

const hangAfterSec = numberFlag('hang-after', Infinity);
const holdMs = numberFlag('hold', 5);
const auth = process.argv.includes('--auth');

let firstItemsMs: number | null = null;
let answered = 0;
const held = new Set<ServerResponse>();

const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  let body = '';
  req.setEncoding('utf8').on('data', (d: string) => (body += d));
  req.on('end', () => {
    if (path === '/stats') return sendJson(res, 200, { answered, held: held.size });
    if (path === '/login' && req.method === 'POST') {
      let password: unknown;
      try {
        password = (JSON.parse(body) as { password?: unknown }).password;
      } catch {
        password = undefined;
      }
      return password === 'secret' ? sendJson(res, 200, { token: 't-1' }) : sendJson(res, 401, { error: 'bad credentials' });
    }
    if (path !== '/items') return sendJson(res, 404, { error: 'no such route' });
    if (auth && req.headers.authorization !== 'Bearer t-1') return sendJson(res, 401, { error: 'not logged in' });
    const now = Date.now();
    firstItemsMs ??= now;
    if (now - firstItemsMs >= hangAfterSec * 1000) {
      // never answered: held until the client gives up or the service stops
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    setTimeout(() => {
      answered++;
      sendJson(res, 200, { items: [1, 2, 3] });
    }, holdMs);
  });
});

await serveUntilSignal(server, () => {
  for (const res of held) res.destroy();
});
