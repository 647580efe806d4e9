/**
 * The API a script scenario's default export receives: `export default async (vu: VU) => { … }`.
 * These types ship in the package (`import type { VU } from 'loadproof/script'`), so editors
 * complete the API; they describe exactly what engine/script/runner.ts implements.
 *
 * Trust model: a script is code the user runs with their own rights, like a k6 or Locust script:
 * it may read files, open sockets, spawn processes. loadproof compiles and runs it; it does not
 * sandbox it. Run only scripts you would run yourself.
 */

/** Options of one request. */
export interface VuRequestOptions {
  /** extra headers (the plan's defaults.headers are sent too; these win) */
  headers?: Record<string, string>;
  /** query parameters, appended to the path's own */
  query?: Record<string, string | number | boolean>;
  /** a JSON body (content-type application/json unless given) */
  json?: unknown;
  /** a form body (application/x-www-form-urlencoded) */
  form?: Record<string, string | number | boolean>;
  /** a raw body */
  body?: string | Uint8Array;
  /**
   * The endpoint the request is recorded under (default `METHOD /path` without the query). Give a
   * name, as a literal string, when the path is built at run time (`/items/${id}`): results are
   * grouped by endpoint, and endpoints are found in the script's text before the run.
   */
  name?: string;
  /** request timeout in ms (default: the plan's defaults.timeout) */
  timeoutMs?: number;
}

/** How long a request took, as the engine measured it (ms). */
export interface VuTimings {
  /** completion − intended start: what the results report as latency */
  durationMs: number;
  /** completion − the moment the request was written: the service time */
  serviceMs: number;
}

/** A completed request: a response, or a failure (status 0 and `error` set). Never thrown. */
export interface VuResponse {
  /** status code; 0 when no response came */
  status: number;
  /** response headers, lower-case names; repeated headers joined with ", " */
  headers: Record<string, string>;
  /** the body as UTF-8 text (decoded when first read; `headers` and `timings` too are built on first read) */
  body: string;
  /** the body parsed as JSON (throws when it is not JSON) */
  json<T = unknown>(): T;
  timings: VuTimings;
  /** why the request failed (refused, reset, timeout, dns, tls, protocol, other), or null */
  error: string | null;
  /** the endpoint it was recorded under */
  endpoint: string;
}

/** A virtual user, as a script sees it. */
export interface VU {
  /** the VU's global index (0-based) */
  readonly id: number;
  /** iterations this VU started before this one */
  readonly iteration: number;
  /** the scenario's name */
  readonly scenario: string;
  get(path: string, opts?: VuRequestOptions): Promise<VuResponse>;
  post(path: string, opts?: VuRequestOptions): Promise<VuResponse>;
  put(path: string, opts?: VuRequestOptions): Promise<VuResponse>;
  patch(path: string, opts?: VuRequestOptions): Promise<VuResponse>;
  delete(path: string, opts?: VuRequestOptions): Promise<VuResponse>;
  head(path: string, opts?: VuRequestOptions): Promise<VuResponse>;
  options(path: string, opts?: VuRequestOptions): Promise<VuResponse>;
  request(method: string, path: string, opts?: VuRequestOptions): Promise<VuResponse>;
  /**
   * Runs named checks on a value (usually a response) and counts them in `checks`, under the
   * response's endpoint; true when all pass. A check that throws fails.
   */
  check<T>(value: T, checks: Record<string, (value: T) => boolean>): boolean;
  /**
   * The VU's current row of each `data:` table, by table name (`vu.data.user.email`). A row is drawn
   * when first read in an iteration (or once per VU for `per: vu` tables).
   */
  readonly data: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** the VU's own variables, kept across its iterations */
  readonly vars: Record<string, unknown>;
  /** pauses the VU: ms, or a duration string such as "1s" or "500ms" */
  sleep(duration: number | string): Promise<void>;
}

/** The shape of a script scenario's default export. */
export type VuScript = (vu: VU) => Promise<void> | void;
