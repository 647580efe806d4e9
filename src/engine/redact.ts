/**
 * Secrets never reach result.json, logs or reports: they are shown as `[redacted]`.
 *
 * Two layers:
 * 1. Structure. Headers whose name says they carry a credential (`isSecretHeader`) are redacted by
 *    name wherever headers are written out (`redactHeaders`).
 * 2. Text. A `SecretRegistry` learns secret values while the run goes — every captured value, every
 *    secret header value the plan sends — and `scrub(text)` replaces each occurrence in free text:
 *    error messages, sample response bodies, log lines. It also redacts, without having learned
 *    them, `Bearer …` / `Basic …` credentials, the values of query, form or cookie parameters named
 *    like a secret (`?api_key=…`, `&token=…`) and JSON fields named so (`"password": "…"`).
 *
 * `scrub` is meant for output paths (the samples and messages that are kept), not for every
 * request: it costs O(text length) map look-ups.
 */

export const REDACTED = '[redacted]';

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token']);
const SECRET_NAME_PART = /token|secret|password|passwd|session|api[-_]?key/i;

/** True for headers that carry credentials: authorization, cookies, API keys, tokens, sessions. */
export function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name.toLowerCase()) || SECRET_NAME_PART.test(name);
}

/** A copy of the headers with secret values replaced by `[redacted]`. */
export function redactHeaders(headers: ReadonlyArray<readonly [string, string]>): Array<[string, string]>;
export function redactHeaders<V extends string | string[] | number | undefined>(headers: Readonly<Record<string, V>>): Record<string, V | string>;
export function redactHeaders(
  headers: ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string | string[] | number | undefined>>,
): Array<[string, string]> | Record<string, unknown> {
  if (Array.isArray(headers)) {
    return (headers as ReadonlyArray<readonly [string, string]>).map(([k, v]): [string, string] => [k, isSecretHeader(k) ? REDACTED : v]);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = v !== undefined && isSecretHeader(k) ? REDACTED : v;
  return out;
}

/** `Bearer abc.def`, `Basic dXNlcjpw` → the credential part. */
const AUTH_SCHEME = /\b(Bearer|Basic)(\s+)[A-Za-z0-9\-._~+/]+=*/g;
/** `?api_key=…`, `&session_id=…`, `;token=…` (URLs, form bodies, cookies) → the value. */
const SECRET_PARAM = /([?&;\s]|^)([\w.-]*(?:token|secret|password|passwd|session|api[-_]?key)[\w.-]*=)[^&#;\s"']+/gi;
/** `"password": "…"` in JSON text → the string value. */
const SECRET_JSON_FIELD = /("[\w.-]*(?:token|secret|password|passwd|session|api[-_]?key)[\w.-]*"\s*:\s*")(?:[^"\\]|\\.)*"/gi;

export interface SecretRegistryOptions {
  /**
   * Values shorter than this are not learned (default 4): scrubbing "1" or "ok" out of every message
   * would destroy the text around it, and such values are not credentials.
   */
  minLength?: number;
  /**
   * At most this many values are kept (default 10,000), the oldest forgotten first: a soak that logs
   * in on every iteration would otherwise grow without bound.
   */
  maxValues?: number;
}

/** Learns secret values at run time and scrubs them from text. */
export class SecretRegistry {
  private readonly minLength: number;
  private readonly maxValues: number;
  /** learned values in insertion order (for eviction) */
  private readonly values = new Set<string>();
  /** first `minLength` characters → values with that prefix, longest first */
  private readonly byPrefix = new Map<string, string[]>();

  constructor(opts: SecretRegistryOptions = {}) {
    this.minLength = Math.max(1, opts.minLength ?? 4);
    this.maxValues = Math.max(1, opts.maxValues ?? 10_000);
  }

  /** How many values are known. */
  get size(): number {
    return this.values.size;
  }

  /**
   * Learns a secret value. For `Bearer x` / `Basic x` the credential `x` is learned as well, and
   * for a cookie header each cookie's value, so a token echoed without its scheme is still caught.
   */
  learn(value: string): void {
    this.add(value);
    const auth = /^\s*(?:Bearer|Basic|Token|Digest)\s+(.+)$/i.exec(value);
    if (auth) this.add(auth[1]!.trim());
    if (value.includes('=')) {
      for (const part of value.split(/;\s*|,\s*/)) {
        const eq = part.indexOf('=');
        if (eq > 0) this.add(part.slice(eq + 1).trim());
      }
    }
  }

  /** Learns the values of the secret headers among `headers` (names case-insensitive). */
  learnHeaders(headers: ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string | undefined>>): void {
    const entries = Array.isArray(headers) ? (headers as ReadonlyArray<readonly [string, string]>) : Object.entries(headers);
    for (const [k, v] of entries) if (v !== undefined && isSecretHeader(k)) this.learn(v);
  }

  /** The text with every learned value, bearer/basic credential and secret-named parameter redacted. */
  scrub(text: string): string {
    let out = this.values.size ? this.scrubLearned(text) : text;
    if (out.includes('Bearer') || out.includes('Basic')) out = out.replace(AUTH_SCHEME, `$1$2${REDACTED}`);
    out = out.replace(SECRET_PARAM, `$1$2${REDACTED}`);
    if (out.includes('"')) out = out.replace(SECRET_JSON_FIELD, `$1${REDACTED}"`);
    return out;
  }

  /**
   * A deep copy of a JSON-like value with every string scrubbed; string values under a key named
   * like a secret (`password`, `accessToken`, `api_key`, …) are redacted whole. Keys are kept.
   */
  scrubDeep<T>(value: T): T {
    if (typeof value === 'string') return this.scrub(value) as T;
    if (Array.isArray(value)) return value.map((v: unknown) => this.scrubDeep(v)) as T;
    if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        out[k] = typeof v === 'string' && SECRET_NAME_PART.test(k) ? REDACTED : this.scrubDeep(v);
      }
      return out as T;
    }
    return value;
  }

  private add(value: string): void {
    if (value.length < this.minLength || value === REDACTED || this.values.has(value)) return;
    if (this.values.size >= this.maxValues) {
      const oldest = this.values.values().next().value as string;
      this.values.delete(oldest);
      const bucket = this.byPrefix.get(oldest.slice(0, this.minLength))!;
      bucket.splice(bucket.indexOf(oldest), 1);
      if (bucket.length === 0) this.byPrefix.delete(oldest.slice(0, this.minLength));
    }
    this.values.add(value);
    const prefix = value.slice(0, this.minLength);
    const bucket = this.byPrefix.get(prefix);
    if (!bucket) {
      this.byPrefix.set(prefix, [value]);
      return;
    }
    // keep longest first so that "abcd1234" wins over its prefix "abcd12"
    let i = 0;
    while (i < bucket.length && bucket[i]!.length >= value.length) i++;
    bucket.splice(i, 0, value);
  }

  /** Left-to-right scan: at each position, look up the next `minLength` characters. */
  private scrubLearned(text: string): string {
    const n = this.minLength;
    let out = '';
    let last = 0;
    let i = 0;
    while (i + n <= text.length) {
      const bucket = this.byPrefix.get(text.substr(i, n));
      let matched = 0;
      if (bucket) {
        for (const v of bucket) {
          if (text.startsWith(v, i)) {
            matched = v.length;
            break;
          }
        }
      }
      if (matched) {
        out += text.slice(last, i) + REDACTED;
        i += matched;
        last = i;
      } else {
        i++;
      }
    }
    return last === 0 ? text : out + text.slice(last);
  }
}
