/**
 * Error kinds that mean the same thing to a diagnosis across protocols. On HTTP/2 a server that
 * will not take more work refuses the stream (RST_STREAM REFUSED_STREAM) instead of a connection,
 * and one that drops work resets the stream or sends GOAWAY instead of closing the socket; rules
 * that read `refused` and `reset` count their h2 equivalents with them.
 */
import type { ErrorKind } from '../result/types.js';

type Kinds = Partial<Record<ErrorKind, number>> | undefined;

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
