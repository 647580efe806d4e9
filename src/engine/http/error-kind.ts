/**
 * Failed requests are data: each failure is classified into one `ErrorKind` (wrk2's
 * connect/read/write/timeout/status counters, extended) and counted; nothing on the hot path throws.
 */
import { KIND, type KindCode } from '../../metrics/error-kinds.js';

export { KIND, NO_ERROR, type KindCode } from '../../metrics/error-kinds.js';

/** Classifies a socket, DNS or TLS error (node's `err.code`) into a kind code. */
export function classifySocketError(err: unknown): KindCode {
  const code = typeof err === 'object' && err !== null ? String((err as { code?: unknown }).code ?? '') : '';
  switch (code) {
    case 'ECONNREFUSED':
      return KIND.refused;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
    case 'ERR_STREAM_DESTROYED':
    case 'ERR_SOCKET_CLOSED':
      return KIND.reset;
    case 'ETIMEDOUT':
      return KIND.timeout;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return KIND.dns;
    case 'EPROTO':
      return KIND.tls;
    default:
      if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
        return KIND.tls;
      }
      return KIND.other;
  }
}
