/**
 * What HTTP status codes mean, in the other protocols loadproof speaks, for the rules that read
 * statuses. One place maps them, so that every rule reads a gRPC service or a WebSocket like an
 * HTTP one:
 *
 *   throttled   429                ≙ gRPC RESOURCE_EXHAUSTED   (a rate limit or quota)
 *   5xx         503, 504, 500      ≙ gRPC UNAVAILABLE, DEADLINE_EXCEEDED, other errors
 *   timed out   504, 408           ≙ gRPC DEADLINE_EXCEEDED    (the answer came too late)
 *   refused     a refused connection ≙ an HTTP/2 stream refused (RST_STREAM REFUSED_STREAM)
 *   cut         a reset connection ≙ a reset HTTP/2 stream, a GOAWAY before the answer, a WebSocket
 *               closed abnormally (1006: no close frame)
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

/** Connections cut by the server: resets (and their HTTP/2 forms) and WebSockets closed abnormally. */
export function cutCount(kinds: Kinds): number {
  return resetLike(kinds) + (kinds?.ws_abnormal_close ?? 0);
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

/** refused connections plus refused h2 streams */
export function refusedLike(k: Kinds): number {
  return (k?.refused ?? 0) + (k?.h2_refused_stream ?? 0);
}

/** reset connections plus reset h2 streams and requests cut by GOAWAY */
export function resetLike(k: Kinds): number {
  return (k?.reset ?? 0) + (k?.h2_stream_reset ?? 0) + (k?.h2_goaway ?? 0);
}

/** The h2 share of `refusedLike + resetLike` in words ("" when there is none). */
export function h2RejectsText(k: Kinds): string {
  const parts: string[] = [];
  if (k?.h2_refused_stream) parts.push(`${k.h2_refused_stream} refused HTTP/2 streams`);
  if (k?.h2_stream_reset) parts.push(`${k.h2_stream_reset} reset HTTP/2 streams`);
  if (k?.h2_goaway) parts.push(`${k.h2_goaway} cut by GOAWAY`);
  return parts.length ? ` (of which ${parts.join(', ')})` : '';
}
