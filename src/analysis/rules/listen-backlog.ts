/**
 * listen-backlog — "connection refusals/resets or latency modes near 1 s and 3 s (SYN retries) at
 * high connection rates, app CPU not saturated".
 *
 * When a listener's accept queue is full the kernel drops the SYN (or, with tcp_abort_on_overflow,
 * resets): the client retransmits after its initial RTO, 1 s, then 2 s more, so the requests that got
 * in late form modes at ~1 s and ~3 s over the service time, and others are refused or reset.
 *
 * A mode is the share of all requests with latency in [0.95 s, 1.25 s) or [2.95 s, 3.4 s) well over
 * the share in the windows of equal width on either side (a queue spreads latency over all three):
 * excess = window − 2 × the larger flank, less the share of timeouts (a client timeout of 1 s or 3 s
 * piles requests at exactly that value; those are not SYN retries); mode strength = ramp(excess,
 * 0.2%, 2%).
 *
 * Signals:
 *   reject  refused + reset requests as a share of all (0.1% → 0, 2% → 1), or the mode strength,
 *           whichever is higher                                                              weight 0.6
 *   cpuLow  no watched app or db process near a busy core (cpuLowness; 0.5 unwatched)           weight 0.25
 *   high    the rejects / slow modes came at the run's highest loads or a spike's first
 *           seconds: the share of them in the upper half of the load levels (0.5 → 0, 0.9 → 1)  weight 0.15
 * Gates: reject ≥ 0.3 and cpuLow ≥ 0.3 (a pegged CPU that cannot accept is cpu-bound's). A watched
 * process whose descriptors reached 90% of its limit cannot accept either (EMFILE): that is
 * fd-exhaustion first, and the confidence is multiplied by 0.4.
 */
import { mergeHistograms, type Histogram } from '../../metrics/histogram.js';
import { cutCount, h2RejectsText, refusedLike, resetLike } from '../protocol-equivalents.js';
import type { Diagnosis } from '../../result/types.js';
import { cpuLowness, type Evidence } from '../evidence.js';
import { ramp } from '../stats.js';
import * as w from '../wording.js';
import { diagnosis } from './diagnosis.js';

/** Share of a histogram's values ≤ `ms` (by bisection on its percentiles: hdr-histogram-js has no count-between). */
export function shareAtOrBelow(h: Histogram, ms: number): number {
  if (h.totalCount === 0) return 0;
  const us = ms * 1000;
  let lo = 0;
  let hi = 100;
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (h.getValueAtPercentile(mid) <= us) lo = mid;
    else hi = mid;
  }
  return lo / 100;
}

const MODES: Array<[number, number]> = [
  [950, 1250],
  [2950, 3400],
];

/** The SYN-retransmit modes of a histogram: excess shares at ~1 s and ~3 s. */
export function retransmitModes(h: Histogram): Array<{ atMs: number; share: number; excess: number }> {
  return MODES.map(([a, b]) => {
    const width = b - a;
    const share = shareAtOrBelow(h, b) - shareAtOrBelow(h, a);
    const before = shareAtOrBelow(h, a) - shareAtOrBelow(h, a - width);
    const after = shareAtOrBelow(h, b + width) - shareAtOrBelow(h, b);
    return { atMs: a + 50, share, excess: share - 2 * Math.max(before, after) };
  });
}

export function listenBacklog(ev: Evidence): Diagnosis | null {
  const s = ev.result.summary;
  if (!(s.requests > 0)) return null;
  const kinds = s.errorKinds ?? {};
  // on HTTP/2 the server refuses or resets streams instead of connections, a WebSocket is closed
  // abnormally: counted alike (protocol-equivalents.ts)
  const rejected = refusedLike(kinds) + cutCount(kinds);
  const rejectShare = rejected / s.requests;
  const hists = ev.levels.map((l) => l.histogram).filter((h): h is Histogram => h !== null);
  const all = hists.length ? mergeHistograms(hists) : null;
  const timeoutShare = (kinds.timeout ?? 0) / s.requests;
  const modes = (all ? retransmitModes(all) : []).map((m) => ({ ...m, excess: m.excess - timeoutShare }));
  const modeS = Math.max(0, ...modes.map((m) => ramp(m.excess, 0.002, 0.02)));
  const reject = Math.max(ramp(rejectShare, 0.001, 0.02), modeS);
  if (reject < 0.3) return null;
  const low = cpuLowness(ev, 0);
  const lowS = low ? low.strength : 0.5;
  if (lowS < 0.3) return null;

  // where they happened: rejects per level from its points' error kinds, slow modes from its histogram
  const n = ev.levels.length;
  let upper = 0;
  let total = 0;
  ev.levels.forEach((l, i) => {
    let k = 0;
    for (const st of l.steps) for (const p of st.allPoints) k += refusedLike(p.errorKinds) + cutCount(p.errorKinds);
    if (l.histogram && l.histogram.totalCount > 0) k += retransmitModes(l.histogram).reduce((a, m) => a + Math.max(0, m.excess), 0) * l.histogram.totalCount;
    total += k;
    if (n === 1 || i >= Math.floor(n / 2)) upper += k;
  });
  const high = total > 0 ? ramp(upper / total, 0.5, 0.9) : 0;
  let confidence = 0.6 * reject + 0.25 * lowS + 0.15 * high;
  const evidence: string[] = [];
  const fdsFull = ev.find(/^fds$/, { watcher: 'process' }).find((f) => {
    const lim = ev.series.find((x) => x.watcher === 'process' && x.label === f.label && x.metric === 'fdLimit');
    if (!lim) return false;
    const limV = ev.valuesBetween(lim.name, 0, Infinity).vs;
    const fdV = ev.valuesBetween(f.name, 0, Infinity).vs;
    return limV.length > 0 && fdV.length > 0 && Math.max(...fdV) >= 0.9 * Math.min(...limV);
  });
  if (fdsFull) {
    confidence *= 0.4;
    evidence.push(`the open descriptors of ${fdsFull.label} reached 90% of their limit: connections failed at accept() for want of descriptors (fd-exhaustion first)`);
  }
  if (rejected > 0) evidence.push(`${rejected} of ${s.requests} requests were refused or reset (${w.pct(rejectShare)}): refused ${refusedLike(kinds)}, reset ${resetLike(kinds)}${h2RejectsText(kinds)}`);
  for (const m of modes) {
    if (m.excess >= 0.002) evidence.push(`${w.pct(m.share)} of requests took ${m.atMs < 2000 ? '~1 s' : '~3 s'} (a mode at the SYN retransmit interval, over ${w.pct(Math.max(0, m.share - m.excess))} expected from the latencies just below it)`);
  }
  if (total > 0) evidence.push(`${w.pct(upper / total)} of them at the upper half of the loads (up to ${w.load(ev.levels[n - 1]!.load, ev.unit)})`);
  evidence.push(low ? `${low.text}: the service was not busy, connections were not accepted` : 'CPU not watched: could not check that the service was idle');
  return diagnosis(
    'listen-backlog',
    'Listen backlog overflow: connections dropped before the service accepted them',
    confidence,
    evidence,
    `Raise the accept queue: the listen backlog of the server (Node: server.listen({ backlog }); nginx: listen … backlog=) and the kernel's cap net.core.somaxconn ` +
      `(and net.ipv4.tcp_max_syn_backlog); keep connections alive so clients do not open one per request; put a load balancer or more accepting processes in front of a single listener. ` +
      `Watch ListenOverflows / ListenDrops in nstat -az to confirm.`,
    'performance-optimizer',
  );
}
