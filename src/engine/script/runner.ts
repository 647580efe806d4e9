/**
 * A script scenario's VU context: runs the script's default export once per iteration, with the
 * API of api.ts. Requests go through the same connection (closed model) or pool (open model) and
 * are recorded in the same recorder as YAML steps: latency from the intended start (the first
 * request of an iteration: the iteration's intended start; later ones: when the script asked),
 * status, error kind, bytes, checks.
 *
 * One request at a time per VU (as a YAML flow): a script that starts a second request before the
 * first one completes gets an error (await each request).
 *
 * Iteration outcome: the promise resolves → a completed iteration; it rejects → a failed iteration,
 * counted with its message (the worker keeps the first occurrences of each message, scrubbed of
 * secrets) and the VU goes on with its next iteration. When the run stops, a VU's pending sleep ends
 * at once and its next call into the API throws a stop signal, which ends the iteration quietly.
 *
 * In the closed model, `defaults.think` follows each iteration (as for a YAML flow without a think).
 * An iteration that sent no request (it threw at once, or only computed) lets the event loop turn
 * before the VU's next one, so that a failing script cannot starve timers and I/O.
 *
 * Cost per request (the budget: ≤ 2× the CPU of the same GET as a YAML step). What a YAML
 * step does per request is: write prebuilt bytes, parse the framing headers only, record. On top of
 * that a script request unavoidably pays one promise and the resumption of the script's async
 * function, plus the iteration's own promise. Everything else is kept off the hot path:
 *   - request bytes: a request with no per-call headers, query or body (`vu.get('/')`, or with only
 *     `name`/`timeoutMs`) is built and encoded once per worker and scenario, and the same Buffer is
 *     written again (as a static YAML step's); its endpoint lookup is cached with it. Up to
 *     REQUEST_CACHE_MAX distinct (method, path) pairs are kept, so that paths built at run time
 *     (`/items/${id}`) cannot grow it without bound: beyond that requests are built per call.
 *   - response: the parser keeps the head's bytes raw (one copy, `keepHeaders: 'raw'`) and the body's
 *     bytes; `headers`, `body` (UTF-8 decoding) and `timings` are built only when the script reads
 *     them (getters of ScriptResponse, cached once built).
 *   - no per-request closures or option objects beyond the promise; the endpoint a response was
 *     recorded under rides on the response itself (no WeakMap).
 *   - cookies: the jar is looked up only once a server has set a cookie (as for YAML flows).
 */
import { newCookieJar, type CookieJar } from '../cookie-jar.js';
import type { Connection, ExchangeSink } from '../http/connection.js';
import type { PoolRequest } from '../http/pool.js';
import { encodeRequest } from '../http/request-bytes.js';
import { ERROR_KINDS, KIND } from '../../metrics/error-kinds.js';
import type { EngineScenario, ScriptExec } from '../compile.js';
import type { FlowHost, VuRunner } from '../flow.js';
import { DataExhausted, VuRows } from '../data.js';
import { formEncode, originForm, toRequestTarget, type BuiltRequest } from '../scenario/request.js';
import { parseHeaderBlock } from '../http/response-parser.js';
import { endpointKey } from './compile.js';
import { parseDurationMs } from '../../plan/units.js';
import { ExitCode, LoadproofError } from '../../errors.js';
import type { VU, VuRequestOptions, VuResponse, VuScript, VuTimings } from './api.js';
import { withCookies } from '../flow.js';

export type ScriptFn = VuScript;

/** Loads a compiled script module (once per worker) and returns its default export. */
export async function loadScriptModule(code: string, file: string): Promise<ScriptFn> {
  const mod = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as { default?: unknown };
  if (typeof mod.default !== 'function') {
    throw new LoadproofError('LP_PLAN_INVALID', 'the script has no default export function', {
      where: file,
      hint: 'write export default async (vu) => { ... }',
      exitCode: ExitCode.badInput,
    });
  }
  return mod.default as ScriptFn;
}

/** Thrown into a script's API calls once the run stops: ends the iteration without counting a failure. */
class Stopped extends Error {
  constructor() {
    super('the run is stopping');
  }
}

const NO_OPTS: VuRequestOptions = {};
const METHOD_RE = /^[A-Za-z]+$/;
const EMPTY_BODY = Buffer.alloc(0);

/**
 * A completed request as the script sees it. `headers`, `body` and `timings` are built from the kept
 * bytes and instants on first read (most scripts read none of them on most requests), then cached.
 * `toJSON` (and util.inspect) give all the fields, so that logging a response shows what a plain object would.
 */
export class ScriptResponse implements VuResponse {
  readonly status: number;
  readonly error: string | null;
  readonly endpoint: string;
  /** endpoint index it was recorded under (vu.check counts its checks there) */
  readonly #e: number;
  #rawHead: Buffer | null;
  #rawBody: Buffer;
  #headers: Record<string, string> | null = null;
  #body: string | null = null;
  #timings: VuTimings | null = null;
  readonly #intendedUs: number;
  readonly #sentUs: number;
  readonly #doneUs: number;

  constructor(status: number, error: string | null, endpoint: string, e: number, rawHead: Buffer | null, rawBody: Buffer, intendedUs: number, sentUs: number, doneUs: number) {
    this.status = status;
    this.error = error;
    this.endpoint = endpoint;
    this.#e = e;
    this.#rawHead = rawHead;
    this.#rawBody = rawBody;
    this.#intendedUs = intendedUs;
    this.#sentUs = sentUs;
    this.#doneUs = doneUs;
  }

  get headers(): Record<string, string> {
    if (this.#headers === null) {
      this.#headers = this.#rawHead === null ? {} : parseHeaderBlock(this.#rawHead);
      this.#rawHead = null;
    }
    return this.#headers;
  }

  set headers(v: Record<string, string>) {
    this.#headers = v;
    this.#rawHead = null;
  }

  get body(): string {
    if (this.#body === null) {
      this.#body = this.#rawBody.toString('utf8');
      this.#rawBody = EMPTY_BODY;
    }
    return this.#body;
  }

  set body(v: string) {
    this.#body = v;
    this.#rawBody = EMPTY_BODY;
  }

  get timings(): VuTimings {
    return (this.#timings ??= { durationMs: (this.#doneUs - this.#intendedUs) / 1000, serviceMs: (this.#doneUs - this.#sentUs) / 1000 });
  }

  json<T = unknown>(): T {
    return JSON.parse(this.body) as T;
  }

  toJSON(): Omit<VuResponse, 'json'> {
    return { status: this.status, headers: this.headers, body: this.body, timings: this.timings, error: this.error, endpoint: this.endpoint };
  }

  /** console.log(res) shows every field too (getters are not shown by default) */
  [Symbol.for('nodejs.util.inspect.custom')](): Omit<VuResponse, 'json'> {
    return this.toJSON();
  }

  /** The endpoint index `value` was recorded under, when it is a response; else `other`. */
  static endpointOf(value: unknown, other: number): number {
    return value instanceof ScriptResponse ? value.#e : other;
  }
}

/** A request built once and sent again as is (see the cost notes above). */
interface CachedRequest {
  /** the `name` option it was built with */
  name: string | undefined;
  built: BuiltRequest;
  bytes: Buffer;
  endpoint: number;
}

/** Distinct (method, path) pairs whose request is kept per worker and scenario. */
export const REQUEST_CACHE_MAX = 1024;

/** Per scenario (its ScriptExec, one per worker): method → path → request. */
const requestCaches = new WeakMap<ScriptExec, { size: number; byMethod: Map<string, Map<string, CachedRequest>> }>();

/** Whether a request's options leave its bytes the same on every call (so they may be cached). */
function plainOptions(o: VuRequestOptions): boolean {
  return o === NO_OPTS || (o.headers === undefined && o.query === undefined && o.json === undefined && o.form === undefined && o.body === undefined);
}

export class ScriptRunner implements VuRunner, ExchangeSink, PoolRequest {
  // ---- PoolRequest ----
  bytes: Buffer = Buffer.alloc(0);
  isHead = false;
  keepBody = true;
  /** the head is kept raw and parsed only if the script reads `headers` */
  keepHeaders = 'raw' as const;
  timeoutMs = 10_000;
  readonly sink: ExchangeSink = this;

  conn: Connection | null = null;
  index = 0;
  retiring = false;
  running = false;
  exhausted = false;

  private readonly exec: ScriptExec;
  private readonly rows: VuRows | null;
  private jar: CookieJar | null = null;
  private iterations = 0;
  private gen = 0;
  private stopped = false;
  private iterIntendedUs = 0;
  private firstRequest = true;
  private requestsThisIteration = 1;
  private reqIntendedUs = 0;
  private reqEndpoint = 0;
  /** the endpoint of the request out, −1 when none (it may outlive `pending`: a cancel drops the promise, not the request) */
  private awaitingEndpoint = -1;
  private reqEndpointName = '';
  private reqPath = '';
  /** resolves the promise of the request out; null when none */
  private pending: ((r: VuResponse) => void) | null = null;
  /** the iteration (gen) that made the request out */
  private pendingGen = 0;
  private readonly takePending = (resolve: (r: VuResponse) => void): void => {
    this.pending = resolve;
  };
  private readonly cache: { size: number; byMethod: Map<string, Map<string, CachedRequest>> };
  private sleeping: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  private readonly rowCache = new Map<string, Readonly<Record<string, string>>>();
  private readonly api: VU;
  private readonly endpointNames: Map<number, string>;

  constructor(
    private readonly host: FlowHost,
    readonly scenario: EngineScenario,
    readonly scenarioIndex: number,
    private readonly fn: ScriptFn,
    rng: () => number,
  ) {
    this.exec = scenario.script!;
    let cache = requestCaches.get(this.exec);
    if (cache === undefined) requestCaches.set(this.exec, (cache = { size: 0, byMethod: new Map() }));
    this.cache = cache;
    const d = host.data;
    this.rows = d !== null ? new VuRows(d.tables, d.byName, rng, 0) : null;
    this.endpointNames = new Map([...this.exec.endpoints].map(([k, e]) => [e, k]));
    this.endpointNames.set(this.exec.otherEndpoint, `${scenario.name}: other requests`);
    const data: Record<string, Readonly<Record<string, string>>> = {};
    for (const name of d?.byName.keys() ?? []) {
      Object.defineProperty(data, name, { enumerable: true, get: () => this.row(name) });
    }
    Object.freeze(data);
    const req = (method: string) => (path: string, opts?: VuRequestOptions) => this.request(method, path, opts ?? NO_OPTS, false);
    const api = {
      scenario: scenario.name,
      get: req('GET'),
      post: req('POST'),
      put: req('PUT'),
      patch: req('PATCH'),
      delete: req('DELETE'),
      head: req('HEAD'),
      options: req('OPTIONS'),
      request: (method: string, path: string, opts?: VuRequestOptions) => this.request(String(method).toUpperCase(), path, opts ?? NO_OPTS, true),
      check: <T>(value: T, checks: Record<string, (value: T) => boolean>) => this.check(value, checks),
      data,
      vars: {},
      sleep: (dur: number | string) => this.sleep(dur),
    };
    Object.defineProperty(api, 'id', { enumerable: true, get: () => this.index });
    Object.defineProperty(api, 'iteration', { enumerable: true, get: () => this.iterations - 1 });
    this.api = api as unknown as VU;
  }

  start(intendedUs: number): void {
    this.running = true;
    this.stopped = false;
    this.iterIntendedUs = intendedUs;
    this.firstRequest = true;
    this.iterations++;
    this.rowCache.clear();
    this.rows?.release();
    if (this.rows !== null) this.rows.vuIndex = this.index;
    const g = ++this.gen;
    const idle = this.requestsThisIteration === 0;
    this.requestsThisIteration = 0;
    if (idle) setImmediate(() => this.run(g));
    else this.run(g);
  }

  /** Runs iteration `g` of the script (unless it was cancelled meanwhile). */
  private run(g: number): void {
    if (g !== this.gen) return;
    let p: Promise<void> | void;
    try {
      p = this.fn(this.api);
    } catch (err) {
      this.finish(g, err);
      return;
    }
    Promise.resolve(p).then(
      () => this.finish(g, null),
      (err: unknown) => this.finish(g, err ?? new Error('rejected')),
    );
  }

  interruptIfThinking(): boolean {
    this.stopped = true;
    if (this.sleeping === null) return false;
    this.cancel();
    return true;
  }

  cancel(): void {
    this.stopped = true;
    this.gen++;
    if (this.sleeping !== null) {
      clearTimeout(this.sleeping.timer);
      this.sleeping = null;
    }
    this.pending = null;
    this.running = false;
  }

  visitOutstanding(visit: (intendedUs: number) => void): void {
    if (this.awaitingEndpoint >= 0) visit(this.reqIntendedUs);
  }

  abandonOutstanding(nowUs: number): boolean {
    const e = this.awaitingEndpoint;
    if (e < 0) return false;
    this.awaitingEndpoint = -1;
    this.host.recorder.record(e, this.reqIntendedUs, this.reqIntendedUs, nowUs, 0, KIND.timeout, 0, this.bytes.length);
    return true;
  }

  onExchangeEnd(conn: Connection): void {
    const host = this.host;
    this.awaitingEndpoint = -1;
    host.outstanding--;
    host.ioEpoch++;
    const status = conn.status;
    host.recorder.record(this.reqEndpoint, this.reqIntendedUs, conn.sentUs, conn.doneUs, status, conn.errorKind, conn.bytesIn, this.bytes.length);
    const setCookies = conn.parser.setCookies;
    if (setCookies !== null && host.cookies) this.keepCookies(setCookies);
    const resolve = this.pending;
    this.pending = null;
    if (resolve === null || this.pendingGen !== this.gen) return; // cancelled while out
    if (host.stopping) this.stopped = true;
    const answered = status > 0;
    resolve(
      new ScriptResponse(
        status,
        conn.errorKind === 0 ? null : (ERROR_KINDS[conn.errorKind - 1] ?? 'other'),
        this.reqEndpointName,
        this.reqEndpoint,
        answered ? conn.parser.rawHead : null,
        answered ? conn.body() : EMPTY_BODY,
        this.reqIntendedUs,
        conn.sentUs,
        conn.doneUs,
      ),
    );
  }

  private finish(g: number, err: unknown): void {
    if (g !== this.gen) return;
    // closed model: defaults.think after each iteration, as for a YAML flow without a think step
    const t = this.host.defaultThink;
    if (t !== null && !this.stopped && !this.host.stopping && !(err instanceof Stopped)) {
      const ms = t.maxMs > t.minMs ? t.minMs + this.host.rng() * (t.maxMs - t.minMs) : t.minMs;
      const timer = setTimeout(() => {
        this.sleeping = null;
        this.end(g, err);
      }, ms);
      this.sleeping = { timer, resolve: () => undefined };
      return;
    }
    this.end(g, err);
  }

  private end(g: number, err: unknown): void {
    if (g !== this.gen) return;
    this.running = false;
    const now = this.host.clock.nowUs();
    if (err === null) {
      this.host.recorder.recordIteration(now);
    } else if (!(err instanceof Stopped)) {
      if (err instanceof DataExhausted) this.exhausted = true;
      const message = err instanceof Error ? err.message || err.name : String(err);
      this.host.iterationFailed(`${this.scenario.name}: ${message}`, now);
    }
    this.host.iterationDone(this, now);
  }

  private guard(): void {
    if (this.stopped || this.host.stopping) {
      this.stopped = true;
      throw new Stopped();
    }
  }

  private row(name: string): Readonly<Record<string, string>> {
    let r = this.rowCache.get(name);
    if (r === undefined) {
      r = Object.freeze(this.rows!.rowObject(name)!);
      this.rowCache.set(name, r);
    }
    return r;
  }

  private request(method: string, path: string, opts: VuRequestOptions, checkMethod: boolean): Promise<VuResponse> {
    this.guard();
    if (this.pending !== null) throw new Error('one request at a time per VU: await each request before the next');
    if (checkMethod && !METHOD_RE.test(method)) throw new Error(`"${method}" is not an HTTP method`);
    const e = this.exec;
    const cached = plainOptions(opts) ? this.cached(method, path, opts.name) : null;
    let built: BuiltRequest;
    if (cached !== null) {
      built = cached.built;
      this.reqEndpoint = cached.endpoint;
      this.bytes = this.jar === null ? cached.bytes : this.encode(built);
    } else {
      built = this.build(method, path, opts);
      this.reqEndpoint = this.endpointOf(method, path, opts.name);
      this.bytes = this.encode(built);
    }
    this.reqEndpointName = this.endpointNames.get(this.reqEndpoint)!;
    this.reqPath = built.path;
    this.reqIntendedUs = this.firstRequest ? this.iterIntendedUs : this.host.clock.nowUs();
    this.firstRequest = false;
    this.requestsThisIteration++;
    this.isHead = method === 'HEAD';
    this.timeoutMs = opts.timeoutMs ?? e.timeoutMs;
    const promise = new Promise<VuResponse>(this.takePending);
    this.pendingGen = this.gen;
    this.awaitingEndpoint = this.reqEndpoint;
    this.host.outstanding++;
    this.host.send(this);
    return promise;
  }

  /** The endpoint a request is recorded under: its name or `METHOD path` as found in the script, else the scenario's other one. */
  private endpointOf(method: string, path: string, name: string | undefined): number {
    return this.exec.endpoints.get(endpointKey(method, path, name)) ?? this.exec.otherEndpoint;
  }

  /** The request's bytes, with the jar's cookies when a server has set some. */
  private encode(built: BuiltRequest): Buffer {
    const withJar = this.jar !== null ? withCookies(built, this.jar.getCookieStringSync(this.host.origin + built.path)) : built;
    return encodeRequest(withJar, this.host.hostHeader);
  }

  /** The cached request for (method, path) built with `name`, built and kept on first use while there is room; else null. */
  private cached(method: string, path: string, name: string | undefined): CachedRequest | null {
    const cache = this.cache;
    let byPath = cache.byMethod.get(method);
    const hit = byPath?.get(path);
    if (hit !== undefined) return hit.name === name ? hit : null;
    if (cache.size >= REQUEST_CACHE_MAX) return null;
    const built = this.build(method, path, NO_OPTS);
    const entry: CachedRequest = { name, built, bytes: encodeRequest(built, this.host.hostHeader), endpoint: this.endpointOf(method, path, name) };
    if (byPath === undefined) cache.byMethod.set(method, (byPath = new Map()));
    byPath.set(path, entry);
    cache.size++;
    return entry;
  }

  private build(method: string, path: string, opts: VuRequestOptions): BuiltRequest {
    if (/^https?:\/\//i.test(path)) {
      const u = new URL(path);
      if (u.origin !== this.host.origin) throw new Error(`${u.origin} is not the plan's target ${this.host.origin}: requests go to the target only`);
    }
    let target = originForm(this.exec.basePath, path);
    if (opts.query) {
      const q = Object.entries(opts.query)
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
        .join('&');
      if (q) target += (target.includes('?') ? '&' : '?') + q;
    }
    const headers: Array<[string, string]> = [];
    const given = new Set<string>();
    if (opts.headers !== undefined) {
      for (const [k, v] of Object.entries(opts.headers)) {
        headers.push([k, String(v).replace(/[\r\n\0]/g, '')]);
        given.add(k.toLowerCase());
      }
    }
    for (const [k, v] of this.exec.defaultHeaders) if (!given.has(k.toLowerCase())) headers.push([k, v]);
    let body: Buffer | undefined;
    let contentType: string | undefined;
    if (opts.json !== undefined) {
      body = Buffer.from(JSON.stringify(opts.json));
      contentType = 'application/json';
    } else if (opts.form !== undefined) {
      body = Buffer.from(
        Object.entries(opts.form)
          .map(([k, v]) => `${formEncode(k)}=${formEncode(String(v))}`)
          .join('&'),
      );
      contentType = 'application/x-www-form-urlencoded';
    } else if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? Buffer.from(opts.body) : Buffer.from(opts.body.buffer, opts.body.byteOffset, opts.body.byteLength);
    }
    if (contentType !== undefined && !given.has('content-type') && !headers.some(([k]) => k.toLowerCase() === 'content-type')) headers.push(['content-type', contentType]);
    return { method, path: toRequestTarget(target), headers, body };
  }

  private check<T>(value: T, checks: Record<string, (value: T) => boolean>): boolean {
    let passes = 0;
    let fails = 0;
    for (const f of Object.values(checks)) {
      let ok = false;
      try {
        ok = f(value) === true;
      } catch {
        ok = false;
      }
      if (ok) passes++;
      else fails++;
    }
    const e = ScriptResponse.endpointOf(value, this.exec.otherEndpoint);
    this.host.recorder.recordChecks(e, this.host.clock.nowUs(), passes, fails);
    return fails === 0;
  }

  private sleep(d: number | string): Promise<void> {
    this.guard();
    const ms = typeof d === 'number' ? d : parseDurationMs(d);
    if (ms === undefined || !(ms >= 0)) throw new Error(`sleep(${JSON.stringify(d)}): not a duration (write ms, or "1s", "500ms")`);
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.sleeping = null;
        resolve();
      }, ms);
      this.sleeping = { timer, resolve };
    });
  }

  private keepCookies(setCookies: string[]): void {
    const jar = (this.jar ??= newCookieJar());
    const url = this.host.origin + this.reqPath;
    for (const sc of setCookies) {
      try {
        const c = jar.setCookieSync(sc, url, { ignoreError: true });
        if (c) this.host.learnSecret(c.value);
      } catch {
        // refused by the cookie rules: ignored
      }
    }
  }
}

