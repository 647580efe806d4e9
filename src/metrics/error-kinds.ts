/**
 * Error kinds as small integer codes, so the hot path carries a number, not a string. Shared by
 * the HTTP client (which classifies failures) and the recorder (which counts them).
 */
import type { ErrorKind } from '../result/types.js';

export const ERROR_KINDS: readonly ErrorKind[] = [
  'refused', 'reset', 'timeout', 'dns', 'tls', 'status', 'dropped', 'protocol', 'other',
  // WebSocket and gRPC: appended, so that the codes above keep their values
  'ws_connect_failed', 'ws_abnormal_close', 'grpc_unavailable', 'grpc_deadline_exceeded', 'grpc_resource_exhausted', 'grpc_error',
];
/** code 0: no error */
export const NO_ERROR = 0;
/** kind → code (its index in ERROR_KINDS + 1) */
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
  ws_connect_failed: 10,
  ws_abnormal_close: 11,
  grpc_unavailable: 12,
  grpc_deadline_exceeded: 13,
  grpc_resource_exhausted: 14,
  grpc_error: 15,
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
