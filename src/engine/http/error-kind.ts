/**
 * Failed requests are data: each failure is classified into one `ErrorKind` (wrk2's
 * connect/read/write/timeout/status counters, extended) and counted; nothing on the hot path throws.
 */
import type { ErrorKind } from '../../result/types.js';

/** Error kinds as small integers, so a sample carries a number, not a string. 0 = no error. */
export const ERROR_KINDS: readonly ErrorKind[] = ['refused', 'reset', 'timeout', 'dns', 'tls', 'status', 'dropped', 'protocol', 'other'];
export const NO_ERROR = 0;
/** `kindCode('refused')` → 1 … (index in ERROR_KINDS + 1) */
export const KIND = {
  refused: 1,
  reset: 2,
  timeout: 3,
  dns: 4,
  tls: 5,
  status: 6,
  dropped: 7,
  protocol: 8,
  other: 9,
} as const satisfies Record<ErrorKind, number>;
export type KindCode = (typeof KIND)[ErrorKind] | typeof NO_ERROR;

/** The name of a kind code (code 0 has none). */
export function kindName(code: number): ErrorKind {
  return ERROR_KINDS[code - 1] ?? 'other';
}

/** Whether a status code counts as an error: anything outside 2xx/3xx. */
export function isErrorStatus(status: number): boolean {
  return status < 200 || status >= 400;
}

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
