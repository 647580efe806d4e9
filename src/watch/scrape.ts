/**
 * Scraping a Prometheus text endpoint: one GET, status checked, text parsed. Shared by the
 * prometheus and eventLoop watchers.
 */
import type { Agent } from 'undici';
import { describeRequestError, httpGet, watcherDispatcher } from './http-get.js';
import { parseExposition, type MetricFamily } from './exposition.js';
import { redactUrl } from './redact.js';
import type { WarnFn } from './types.js';

export interface Scrape {
  families: MetricFamily[];
  /** epoch ms when the response arrived: the time the values describe */
  atMs: number;
  /** monotonic ms at the same moment, for rates */
  monoMs: number;
}

export class Scraper {
  private readonly dispatcher: Agent = watcherDispatcher();
  private warnedParse = false;

  constructor(
    readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  async scrape(warn: WarnFn | undefined): Promise<Scrape> {
    let res;
    try {
      res = await httpGet(this.url, this.dispatcher, this.timeoutMs);
    } catch (e) {
      throw new Error(`cannot scrape ${redactUrl(this.url)}: ${describeRequestError(e)}`);
    }
    const atMs = Date.now();
    const monoMs = performance.now();
    if (res.status !== 200) throw new Error(`scraping ${redactUrl(this.url)} answered HTTP ${res.status}`);
    const parsed = parseExposition(res.body);
    if (parsed.errors.length > 0 && !this.warnedParse && warn) {
      this.warnedParse = true;
      const first = parsed.errors[0];
      warn(`${parsed.errors.length} line(s) of ${redactUrl(this.url)} are not Prometheus text and were skipped (line ${first.line}: ${first.message})`);
    }
    return { families: parsed.families, atMs, monoMs };
  }

  async close(): Promise<void> {
    await this.dispatcher.close().catch(() => undefined);
  }
}

/** A scrape timeout for a sampling interval: the interval, kept within 1–10 s. */
export function scrapeTimeoutMs(intervalMs: number): number {
  return Math.min(10_000, Math.max(1_000, intervalMs));
}
