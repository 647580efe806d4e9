/**
 * The view of a response that captures and checks read, and its lazily parsed body.
 *
 * Captures and checks on the same response share one parse: the parsed JSON (and the decoded text)
 * is cached per response object in a WeakMap, so the body is parsed at most once and only when a
 * JSONPath capture or check asks for it; the cache goes away with the response.
 */

/** What captures and checks may read of a completed response. */
export interface ResponseView {
  status: number;
  /** lower-case names; repeated headers joined with ", " */
  headers: Record<string, string>;
  body: Buffer;
  /** the request's latency as the engine measured it */
  durationMs: number;
}

/** Returned by `bodyJson` when the body is not JSON. */
export const NOT_JSON: unique symbol = Symbol('not JSON');

const jsonCache = new WeakMap<ResponseView, unknown>();
const textCache = new WeakMap<ResponseView, string>();

/** The body as UTF-8 text (decoded once per response). */
export function bodyText(res: ResponseView): string {
  let text = textCache.get(res);
  if (text === undefined) {
    text = res.body.toString('utf8');
    textCache.set(res, text);
  }
  return text;
}

/** The body parsed as JSON (once per response), or `NOT_JSON`. */
export function bodyJson(res: ResponseView): unknown {
  if (jsonCache.has(res)) return jsonCache.get(res);
  let value: unknown;
  try {
    value = res.body.length === 0 ? NOT_JSON : (JSON.parse(bodyText(res)) as unknown);
  } catch {
    value = NOT_JSON;
  }
  jsonCache.set(res, value);
  return value;
}
