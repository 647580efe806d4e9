/**
 * Execution segments: how one experiment is split between N generator processes (`run --segment
 * i/N`), and inside each between its W load workers. Pure arithmetic, no I/O.
 *
 * The split rule (docs/distributed.md states it for users):
 *
 *   - Open model. The single-process schedule is the sequence of arrivals n = 0, 1, 2, … at
 *     t_n = A⁻¹(n) (rate-curve.ts). Segment i of N takes the arrivals n ≡ i (mod N); inside it,
 *     worker w of W takes n ≡ i + N·w (mod N·W). So every arrival belongs to exactly one
 *     (segment, worker) pair, the union over all segments is the single-process schedule instant
 *     for instant, and each segment's own arrivals are evenly spaced (every N-th arrival: at a
 *     constant rate R, one every N/R seconds, offset by i/R). This is k6's execution-segment
 *     striping for N equal segments (k6 lib/execution_segment.go: "0,1/4,2/4,3/4,1" with the
 *     sequence 0..N−1 spreads consecutive iterations across segments in round-robin order).
 *     Poisson arrivals: every segment draws the same seeded sequence of gaps (the seed must be
 *     the same everywhere, `--seed`) and keeps its own arrivals, so the union is the same
 *     Poisson sample as one process would draw.
 *   - Closed model. ⌊v(t)⌋ VUs are wanted at time t (v the stage curve); VU g (global index,
 *     0-based, the lowest started first and retired last) belongs to segment g mod N and, inside
 *     it, to worker ⌊g / N⌋ mod W. A ramp is therefore split the same way as the VUs: the segments'
 *     VU counts add up to ⌊v(t)⌋ at every instant and differ by at most one. A VU's setup (a login)
 *     runs in the segment that owns the VU, once.
 *   - Caps (`maxInFlight`, `connections`) are shared the same way: ⌊cap/(N·W)⌋, the first
 *     cap mod (N·W) stripes one more.
 *
 * Both rules come to the same thing: the (segment, worker) pair is one *stripe* s = i + N·w of
 * N·W, and a stripe owns the items (arrivals or VUs) k ≡ s (mod N·W).
 */

/** A segment of a distributed run: `index` of `count`, 0-based. */
export interface SegmentSpec {
  index: number;
  count: number;
}

/** The whole run in one process. */
export const WHOLE: SegmentSpec = { index: 0, count: 1 };

/** The stripe of worker `worker` of `workers` inside `segment`: it owns items k ≡ stripe (mod stripes). */
export function stripeOf(segment: SegmentSpec, worker: number, workers: number): { stripe: number; stripes: number } {
  if (!(segment.count >= 1 && segment.index >= 0 && segment.index < segment.count)) throw new RangeError(`segment ${segment.index}/${segment.count}`);
  if (!(workers >= 1 && worker >= 0 && worker < workers)) throw new RangeError(`worker ${worker} of ${workers}`);
  return { stripe: segment.index + segment.count * worker, stripes: segment.count * workers };
}

/** A stripe's share of a cap shared by `stripes` stripes (at least 1). */
export function stripeShare(total: number, stripe: number, stripes: number): number {
  return Math.max(1, Math.floor(total / stripes) + (stripe < total % stripes ? 1 : 0));
}

/** Items k in [0, total) owned by `stripe` of `stripes` (k ≡ stripe mod stripes). */
export function ownedCount(total: number, stripe: number, stripes: number): number {
  return total > stripe ? Math.ceil((total - stripe) / stripes) : 0;
}

/**
 * Parses `i/N` (0-based index, e.g. `0/4` … `3/4`) or a bare `i` when the plan gives N
 * (`distributed.segments`). Returns null with a message on bad input.
 */
export function parseSegment(text: string, planCount?: number): SegmentSpec | string {
  const m = /^\s*(\d+)\s*(?:\/\s*(\d+))?\s*$/.exec(text);
  if (!m) return `"${text}" is not a segment: write i/N, e.g. 0/4 (0-based)`;
  const index = Number(m[1]);
  const count = m[2] !== undefined ? Number(m[2]) : planCount;
  if (count === undefined) return `"${text}" gives no segment count and the plan has no distributed.segments: write i/N, e.g. ${index}/4`;
  if (!(count >= 1 && count <= 10_000)) return `segment count ${count} is not from 1 to 10000`;
  if (index >= count) return `segment index ${index} is not below the count ${count} (indexes are 0-based: 0/${count} … ${count - 1}/${count})`;
  if (planCount !== undefined && count !== planCount) return `segment count ${count} differs from the plan's distributed.segments: ${planCount}`;
  return { index, count };
}
