/**
 * Error kinds as small integer codes, so the hot path carries a number, not a string. Shared by
 * the HTTP client (which classifies failures) and the recorder (which counts them).
 */
import type { ErrorKind } from '../result/types.js';

export const ERROR_KINDS: readonly ErrorKind[] = [
  'refused',
  'reset',
  'timeout',
  'dns',
  'tls',
  'status',
  'dropped',
  'protocol',
  'other',
  // HTTP/2 (appended: codes are positions, so earlier codes keep their values)
  'h2_goaway',
  'h2_stream_reset',
  'h2_refused_stream',
  'h2_flow_control',
  // WebSocket and gRPC (appended likewise)
  'ws_connect_failed',
  'ws_abnormal_close',
  'grpc_unavailable',
  'grpc_deadline_exceeded',
  'grpc_resource_exhausted',
  'grpc_error',
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
  h2_goaway: 10,
  h2_stream_reset: 11,
  h2_refused_stream: 12,
  h2_flow_control: 13,
  ws_connect_failed: 14,
  ws_abnormal_close: 15,
  grpc_unavailable: 16,
  grpc_deadline_exceeded: 17,
  grpc_resource_exhausted: 18,
  grpc_error: 19,
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
