/**
 * The one HTTP GET the watchers use (scrapes and dependency probes): undici, a small keep-alive
 * dispatcher per watcher, a hard timeout, the body read in full. Transport failures throw with a
 * short cause (`connect ECONNREFUSED 127.0.0.1:9`), which is what the warning shows.
 */
import { createRequire } from 'node:module';
import type { Agent } from 'undici';

type Undici = typeof import('undici');
let undici: Undici | null = null;

/**
 * undici, loaded when the first watcher that needs it is made: loading it costs ~0.2 CPU-s, which
 * every command would otherwise pay at start (`--version` included) while most runs watch no
 * HTTP endpoint. Its CommonJS build, loaded synchronously, so that a watcher is made in its constructor.
 */
function lib(): Undici {
  undici ??= createRequire(import.meta.url)('undici') as Undici;
  return undici;
}

export interface GetResult {
  status: number;
  body: string;
  /** time to the full body, ms (monotonic) */
  latencyMs: number;
}

/** A keep-alive dispatcher for one watcher: few connections, short idle time. */
export function watcherDispatcher(): Agent {
  return new (lib().Agent)({ connections: 4, keepAliveTimeout: 4_000, connect: { timeout: 2_000 } });
}

/** A short, user-facing cause of a failed request. */
export function describeRequestError(e: unknown): string {
  const err = e as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.cause?.code ?? err.code;
  if (err.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return 'timed out';
  }
  const msg = err.cause?.message ?? err.message ?? String(e);
  return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}

/** GETs `url`; throws on transport failure or timeout (an HTTP error status is returned, not thrown). */
export async function httpGet(url: string, dispatcher: Agent, timeoutMs: number, readBody = true): Promise<GetResult> {
  const t0 = performance.now();
  const res = await lib().request(url, {
    method: 'GET',
    dispatcher,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
    headers: { accept: 'text/plain;version=0.0.4, */*;q=0.1', 'user-agent': 'loadproof-watch' },
  });
  let body = '';
  if (readBody) body = await res.body.text();
  else await res.body.dump();
  return { status: res.statusCode, body, latencyMs: performance.now() - t0 };
}
