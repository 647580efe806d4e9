/**
 * Validity rules `service-not-tested` and `mostly-failed`: did the run test the service at all? A
 * load test in which most requests failed did not test the hypothesis, whatever its latency
 * criteria say — a 401 is fast. So, whatever the plan's criteria, the verdict is invalid (exit 4)
 * when
 *   1. more than the error budget of all requests failed — `validity.maxErrorRate` in the plan,
 *      0.5 by default (imported results too: the share is read from their summary);
 *   2. a setup (e.g. a login) ran and failed for every VU context that ran it (own runs);
 *   3. a value captured by one step and used by later ones was never set by any response (own
 *      runs): every request that used it went out without it.
 *
 * Who is at fault decides the wording and the id. Failures that a test's own mistakes cause — 4xx
 * answers other than 408/429 (a wrong password, path or payload), refused connections (nothing
 * listens where the plan points), DNS and TLS failures — and cases 2 and 3 are
 * `service-not-tested`: fix the test, not the service. When most failures are the service's own
 * (5xx, 408, 429, timeouts, resets, malformed answers) the run did reach the service but measured
 * its failure, not its performance: `mostly-failed`, with the diagnoses kept.
 *
 * When the plan has no error-rate criterion, an `info` note states the error budget the analysis
 * assumed, so that a reader knows which failure share would have voided the run.
 */
import type { ErrorKind, Result, ValidityNote } from '../../result/types.js';
import * as w from '../wording.js';

export const UNTESTED_RULE_ID = 'service-not-tested';
export const MOSTLY_FAILED_RULE_ID = 'mostly-failed';

/** The error budget assumed when the result does not carry one (the plan's default). */
const DEFAULT_MAX_ERROR_RATE = 0.5;

const KIND_WORDS: Record<ErrorKind, string> = {
  refused: 'were refused (nothing listening?)',
  reset: 'were reset by the server',
  timeout: 'timed out',
  dns: 'failed to resolve the host name',
  tls: 'failed the TLS handshake',
  status: 'answered an error status',
  dropped: 'were dropped by the generator (maxInFlight)',
  protocol: 'got a malformed response',
  other: 'failed',
  h2_goaway: 'were cut by an HTTP/2 GOAWAY',
  h2_stream_reset: 'had their HTTP/2 stream reset by the server',
  h2_refused_stream: 'were refused as HTTP/2 streams (REFUSED_STREAM)',
  h2_flow_control: 'broke HTTP/2 flow control',
  ws_connect_failed: 'had their WebSocket upgrade refused',
  ws_abnormal_close: 'lost their WebSocket (closed abnormally)',
  grpc_unavailable: 'got gRPC UNAVAILABLE',
  grpc_deadline_exceeded: 'exceeded their gRPC deadline',
  grpc_resource_exhausted: 'got gRPC RESOURCE_EXHAUSTED (a rate limit)',
  grpc_error: 'got another gRPC error status',
};

/** Transport failures a test's own mistake causes (where the plan points, how it connects). */
const TEST_SIDE_KINDS: ReadonlySet<ErrorKind> = new Set(['refused', 'dns', 'tls']);

/** Whether an error status is the test's fault: a 4xx other than 408 (timeout) and 429 (rate limit). */
function testSideStatus(code: number): boolean {
  return code >= 400 && code < 500 && code !== 408 && code !== 429;
}

interface Cause {
  n: number;
  words: string;
  testSide: boolean;
}

/** The failures by cause, largest first: "938 answered 401", "12 timed out". */
function failureCauses(result: Pick<Result, 'summary'>): Cause[] {
  const s = result.summary;
  const out: Cause[] = [];
  for (const [code, n] of Object.entries(s.statusCodes ?? {})) {
    const c = Number(code);
    if (n > 0 && (c < 200 || c >= 400)) out.push({ n, words: `${n} answered ${code}`, testSide: testSideStatus(c) });
  }
  for (const [kind, n] of Object.entries(s.errorKinds ?? {}) as Array<[ErrorKind, number]>) {
    if (kind === 'status' || kind === 'dropped' || !n) continue;
    out.push({ n, words: `${n} ${KIND_WORDS[kind] ?? 'failed'}`, testSide: TEST_SIDE_KINDS.has(kind) });
  }
  return out.sort((a, b) => b.n - a.n);
}

const FIX_TEST = 'fix the test (credentials, URLs, test data), not the service, and run again';

export function untested(result: Result): ValidityNote[] {
  const notes: ValidityNote[] = [];
  const s = result.summary;
  const budget = result.plan?.validity?.maxErrorRate ?? DEFAULT_MAX_ERROR_RATE;

  if (s && s.requests > 0 && s.errors / s.requests > budget) {
    const causes = failureCauses(result);
    const testSide = causes.filter((c) => c.testSide).reduce((a, c) => a + c.n, 0);
    const words = causes
      .slice(0, 3)
      .map((c) => c.words)
      .join(', ');
    const share = `${s.errors} of ${s.requests} requests failed (${w.pct(s.errors / s.requests)}, over the error budget of ${w.pct(budget)})${words ? `: ${words}` : ''}`;
    const headline = `${s.errors} of ${s.requests} requests failed${words ? ` (${words})` : ''}`;
    if (testSide * 2 >= s.errors) {
      notes.push({ id: UNTESTED_RULE_ID, severity: 'invalid', headline, message: `${share}; the run did not test the service: ${FIX_TEST}.` });
    } else {
      notes.push({
        id: MOSTLY_FAILED_RULE_ID,
        severity: 'invalid',
        headline,
        message: `${share}; the run measured the service failing, not how it performs: its latency criteria cannot be judged. Find why it fails (the diagnoses below), or lower the load until the errors stay within the budget.`,
      });
    }
  }

  const h = result.testHealth;
  if (h && h.setupVus > 0 && h.setupOkVus === 0) {
    notes.push({
      id: UNTESTED_RULE_ID,
      severity: 'invalid',
      headline: `the setup failed for every VU (${h.setupVus} of ${h.setupVus})`,
      message: `the setup failed for every VU (${h.setupVus} of ${h.setupVus}): every iteration ran without what the setup should have provided; the run did not test the service: ${FIX_TEST}.`,
    });
  }
  for (const c of h?.unsetCaptures ?? []) {
    // the headline is rich text (backticks mark code); the message is plain
    const what = (q: string): string => `the capture ${q}${c.name}${q}${c.step ? ` of ${q}${c.step}${q}` : ''} was never set`;
    notes.push({
      id: UNTESTED_RULE_ID,
      severity: 'invalid',
      headline: what('`'),
      message: `${what('"')}, and ${c.uses} request(s) that use it went out without it; the run did not test the service: ${FIX_TEST}.`,
    });
  }

  const hasErrorCriterion = (result.criteria ?? []).some((c) => c.metric.startsWith('http_req_failed'));
  if (!hasErrorCriterion && s && s.requests > 0 && notes.length === 0) {
    notes.push({
      id: 'error-budget',
      severity: 'info',
      message: `The plan states no error-rate criterion: the analysis assumed an error budget of ${w.pct(budget)} (past it a run has not tested the service and is invalid); ${w.pct(s.errors / s.requests)} of requests failed. Add e.g. \`http_req_failed: ["rate<0.01"]\` to judge errors.`,
    });
  }
  return notes;
}
