/**
 * What HTTP status codes mean, in the other protocols loadproof speaks, for the rules that read
 * statuses. One place maps them, so that every rule reads a gRPC service or a WebSocket like an
 * HTTP one:
 *
 *   throttled   429                ≙ gRPC RESOURCE_EXHAUSTED   (a rate limit or quota)
 *   5xx         503, 504, 500      ≙ gRPC UNAVAILABLE, DEADLINE_EXCEEDED, other errors
 *   timed out   504, 408           ≙ gRPC DEADLINE_EXCEEDED    (the answer came too late)
 *   cut         a reset connection ≙ a WebSocket closed abnormally (1006: no close frame)
 *
 * gRPC and WebSocket exchanges carry no HTTP status (their outcome is an error kind), so a count
 * of "answers" for a share is the status codes plus the exchanges that have none.
 */
import type { ErrorKind } from '../result/types.js';

type Kinds = Partial<Record<ErrorKind, number>> | undefined;
type Codes = Record<string, number> | undefined;

/** 429 answers and gRPC RESOURCE_EXHAUSTED. */
export function throttledCount(codes: Codes, kinds: Kinds): number {
  return (codes?.['429'] ?? 0) + (kinds?.grpc_resource_exhausted ?? 0);
}

/** Timeouts of any kind: the generator's own, 504/408 answers, gRPC DEADLINE_EXCEEDED. */
export function timedOutCount(codes: Codes, kinds: Kinds): number {
  return (kinds?.timeout ?? 0) + (codes?.['504'] ?? 0) + (codes?.['408'] ?? 0) + (kinds?.grpc_deadline_exceeded ?? 0);
}

/** Connections cut by the server: resets and WebSockets closed abnormally. */
export function cutCount(kinds: Kinds): number {
  return (kinds?.reset ?? 0) + (kinds?.ws_abnormal_close ?? 0);
}

/**
 * Server-side failures counted like 5xx answers: gRPC UNAVAILABLE, DEADLINE_EXCEEDED and other
 * error statuses, by the code the HTTP equivalent would have had (for rules that list 5xx codes).
 */
export function fiveXxEquivalents(kinds: Kinds): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (code: string, n: number | undefined): void => {
    if (n) out[code] = (out[code] ?? 0) + n;
  };
  add('503', kinds?.grpc_unavailable);
  add('504', kinds?.grpc_deadline_exceeded);
  add('500', kinds?.grpc_error);
  return out;
}

/** Exchanges that ended without an HTTP status of their own but with a protocol outcome (gRPC, WebSocket errors). */
export function statuslessCount(kinds: Kinds): number {
  return (kinds?.grpc_unavailable ?? 0) + (kinds?.grpc_deadline_exceeded ?? 0) + (kinds?.grpc_resource_exhausted ?? 0) + (kinds?.grpc_error ?? 0) + (kinds?.ws_abnormal_close ?? 0);
}
