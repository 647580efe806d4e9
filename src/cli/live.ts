/**
 * `--dashboard [host:port]`, `--dashboard-token`, `--open`, `--metrics [host:port]` and
 * `--metrics-linger` for `run`, `quick` and `demo`: starts the live servers (src/live/) before the
 * run, prints where they are (stderr: stdout may carry --json), and closes them after the report.
 *
 * `/metrics` is scraped on Prometheus' schedule, which a short run can end between: when it was
 * scraped (twice or more) during the run, the CLI keeps serving after the end until one more scrape has read the
 * final figures, for at most `--metrics-linger` (default 15s). Nobody scraping: no wait.
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { badFlag } from '../errors.js';
import { parseDurationMs } from '../plan/units.js';
import { parseListenAddress, isLoopback } from '../live/address.js';
import { LiveFeed } from '../live/feed.js';
import { PrometheusState } from '../live/prometheus.js';
import { startDashboard, startMetricsServer, type DashboardServer, type MetricsServer } from '../live/server.js';
import type { Io } from './io.js';

export interface LiveFlags {
  dashboard?: string | boolean;
  dashboardToken?: string;
  open?: boolean;
  metrics?: string | boolean;
  metricsLinger?: string;
}

/** Adds the live flags to a command. */
export function addLiveOptions(cmd: Command): Command {
  return cmd
    .option('--dashboard [host:port]', 'serve a live dashboard of the run (default 127.0.0.1 and a free port, printed at start)')
    .option('--dashboard-token <token>', 'token the dashboard asks for (required to bind off loopback; generated and printed when absent)')
    .option('--open', 'open the dashboard in the default browser')
    .option('--metrics [host:port]', 'serve Prometheus metrics of the run at /metrics (default 127.0.0.1 and a free port)')
    .option('--metrics-linger <duration>', 'after the run, wait up to this long for a last /metrics scrape (only when scraped during the run)', '15s');
}

export interface Live {
  feed: LiveFeed;
  /** closes the servers (after the last scrape, when a scraper is reading) */
  close(): Promise<void>;
}

/** Starts what the flags ask for; null when neither --dashboard nor --metrics was given. */
export async function startLive(flags: LiveFlags, io: Io): Promise<Live | null> {
  if (flags.dashboard === undefined && flags.metrics === undefined) {
    if (flags.dashboardToken !== undefined || flags.open) throw badFlag('--dashboard-token and --open need --dashboard', 'add --dashboard', '--dashboard');
    return null;
  }
  const lingerMs = parseDurationMs(flags.metricsLinger ?? '15s');
  if (lingerMs === undefined) throw badFlag(`--metrics-linger ${flags.metricsLinger}: not a duration`, 'write e.g. 15s', '--metrics-linger');
  const feed = new LiveFeed();
  let dash: DashboardServer | null = null;
  let metrics: MetricsServer | null = null;
  if (flags.dashboard !== undefined) {
    const address = parseListenAddress(flags.dashboard, '--dashboard');
    if (flags.dashboardToken !== undefined && flags.dashboardToken.length < 8) {
      throw badFlag('--dashboard-token is too short', 'use at least 8 characters (or leave it out: one is generated)', '--dashboard-token');
    }
    dash = await startDashboard(feed, { address, token: flags.dashboardToken });
    io.err(`loadproof: live dashboard: ${dash.url}\n`);
    if (!isLoopback(address.host) && dash.tokenGenerated) {
      io.err(`loadproof: the dashboard listens on ${address.host}, beyond this machine: it asks for the token ${dash.token} (in the URL above)\n`);
    }
    if (flags.open) openBrowser(dash.url);
  } else if (flags.open || flags.dashboardToken !== undefined) {
    throw badFlag('--dashboard-token and --open need --dashboard', 'add --dashboard', '--dashboard');
  }
  if (flags.metrics !== undefined) {
    const state = new PrometheusState(feed);
    try {
      metrics = await startMetricsServer(state, parseListenAddress(flags.metrics, '--metrics'));
    } catch (err) {
      await dash?.close();
      throw err;
    }
    io.err(`loadproof: Prometheus metrics: ${metrics.url}\n`);
  }
  return {
    feed,
    async close() {
      if (metrics) {
        // a scraper (two scrapes or more: not a one-off curl) would miss the final figures
        if (metrics.scrapes() >= 2 && feed.finished && lingerMs > 0) {
          const endedAt = Date.now();
          io.err(`loadproof: waiting for a last scrape of ${metrics.url} (up to ${lingerMs / 1000}s)\n`);
          while (metrics.lastScrapeMs() < endedAt && Date.now() - endedAt < lingerMs) await new Promise((r) => setTimeout(r, 100));
        }
        await metrics.close();
      }
      await dash?.close();
    },
  };
}

/** Opens a URL in the desktop's browser; failing to is not an error (the URL was printed). */
function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // no opener: the URL is on stderr
  }
}
