/**
 * What a plan's `http` asks of an exporter's tool. Tools that speak only HTTP/1.1 (ab, wrk, wrk2)
 * list HTTP/2 among what they cannot express; k6 negotiates h2 through ALPN by itself but has no
 * cleartext h2c; hey has `-h2` (over TLS).
 */
import type { Plan } from '../../plan/schema.js';

/** How the plan wants HTTP/2: not at all, through ALPN on TLS, or cleartext h2c. */
export function wantsHttp2(plan: Pick<Plan, 'http' | 'target'>): 'no' | 'tls' | 'h2c' {
  const http = plan.http;
  if (http === undefined || http.version === '1.1') return 'no';
  const tls = /^https:/i.test(plan.target);
  if (tls) return 'tls';
  return http.version === '2' || http.h2c === true ? 'h2c' : 'no';
}

/** The "cannot express" sentence for a tool that speaks HTTP/1.1 only; null when the plan does not ask for h2. */
export function http2Cannot(plan: Pick<Plan, 'http' | 'target'>, tool: string): string | null {
  const want = wantsHttp2(plan);
  if (want === 'no') return null;
  const what = want === 'h2c' ? 'cleartext HTTP/2 (h2c)' : plan.http?.version === '2' ? 'HTTP/2 (http.version 2)' : 'HTTP/2 when the server offers it (http.version auto)';
  return `${what}: ${tool} speaks HTTP/1.1 only`;
}
