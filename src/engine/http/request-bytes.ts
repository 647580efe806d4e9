/**
 * Turns a request into the bytes written on the socket. A static request (no templates) is
 * encoded once and the same Buffer is written for every arrival; a dynamic one is encoded per send.
 *
 * The client adds `Host` (from the target), `Content-Length` (when there is a body, or 0 for
 * POST/PUT/PATCH without one) and a default `User-Agent`; everything else comes from the plan.
 * Pipelining is off: one request per connection at a time, HTTP/1.1 keep-alive between them.
 */
import { VERSION } from '../../version.js';

/** What the engine sends: the plan's request, rendered (see scenario/request.ts). */
export interface RequestSpec {
  method: string;
  /** path + query, relative to the target (starts with `/`) */
  path: string;
  headers: ReadonlyArray<readonly [string, string]>;
  body?: Buffer | undefined;
}

export const DEFAULT_USER_AGENT = `loadproof/${VERSION}`;

const NEEDS_LENGTH = new Set(['POST', 'PUT', 'PATCH']);

/** `Host` header value for a target URL: host[:port], port omitted when it is the scheme's default. */
export function hostHeader(target: URL): string {
  return target.host;
}

/**
 * Encodes a request. Header names from the plan are written as given; `host`, `content-length`
 * and `transfer-encoding` from the plan are ignored (the client owns framing), and
 * `connection` is dropped so keep-alive stays on.
 */
export function encodeRequest(req: RequestSpec, host: string, basePath = ''): Buffer {
  let head = `${req.method} ${basePath}${req.path} HTTP/1.1\r\nHost: ${host}\r\n`;
  let hasUa = false;
  for (const [name, value] of req.headers) {
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'content-length' || lower === 'transfer-encoding' || lower === 'connection') continue;
    if (lower === 'user-agent') hasUa = true;
    head += `${name}: ${sanitizeHeaderValue(value)}\r\n`;
  }
  if (!hasUa) head += `User-Agent: ${DEFAULT_USER_AGENT}\r\n`;
  const body = req.body;
  if (body !== undefined && body.length > 0) {
    head += `Content-Length: ${body.length}\r\n\r\n`;
    const headBytes = Buffer.from(head, 'latin1');
    return Buffer.concat([headBytes, body], headBytes.length + body.length);
  }
  if (NEEDS_LENGTH.has(req.method)) head += 'Content-Length: 0\r\n';
  head += '\r\n';
  return Buffer.from(head, 'latin1');
}

/**
 * A rendered header must not smuggle a line break (a captured value could hold one): CR and LF
 * are replaced by spaces rather than sent.
 */
export function sanitizeHeaderValue(value: string): string {
  return value.includes('\r') || value.includes('\n') ? value.replace(/[\r\n]/g, ' ') : value;
}
