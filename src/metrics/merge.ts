/**
 * Merging the shards of a distributed run (`loadproof merge`): the NDJSON logs of N segments
 * (`run --segment i/N`) become one run, second by second, exactly.
 *
 * Second t of the merged run is the sum of every shard's second t: counts add up and histograms
 * add up bucket by bucket (HdrHistogram `add`) — percentiles are never averaged, so the merged
 * p99 is the p99 of every sample of every generator, as if one process had recorded them all
 * (property-tested). The merge is generic over the record's fields, so a histogram or counter the
 * log gains later merges without a change here:
 *
 *   - a string field named `hdr` or ending in `Hdr` is an encoded histogram: added;
 *   - a number is a count or a share of a total (offered rate, VUs, in flight): added — except the
 *     second's coordinates `t`, `durationSec` (the longest shard's), `stage` and the endpoint
 *     index `e`;
 *   - `endpoints` is matched by endpoint index `e`, each entry merged by these same rules;
 *   - `generator` (one process's CPU, event-loop delay, memory, busy share) is not additive: the
 *     merged second keeps the worst generator's figure, and each generator's own health is
 *     reported beside the merged run (`distributed.generators`);
 *   - any other object (status codes, error kinds) is merged key by key by these rules.
 *
 * Shards are seconds on each generator's own clock from its own start; with a common `--start-at`
 * those zeros coincide to within the hosts' clock offsets and the start skews (validity rule
 * `start-skew`).
 */
import { histogramFromCounts, percentileMs } from './histogram.js';
import type { SparseCounts } from './latency-counts.js';
import { CountsSum, countsOf, encodeSparse, sumSparse } from './hdr-codec.js';
import { RunTotals, attachCounts, type SecondRecord } from './timeline.js';
import { assembleResult, killedMessage, type LogHeader, type ParsedLog } from './log.js';
import type { DistributedInfo, GeneratorShard, Result, ValidityNote } from '../result/types.js';
import { badFile } from '../errors.js';

/** Numeric fields that locate a record rather than count something. */
const COORDINATES = new Set(['t', 'stage', 'e']);

const isHdrKey = (k: string): boolean => k === 'hdr' || k.endsWith('Hdr');

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Sparse counts of the histograms merged at one level of a record, by key. */
type CountsSink = Map<string, SparseCounts>;

/** How one second is merged: how encodings are read, and where the sums' counts go. */
interface MergeContext {
  /** the counts of an encoded histogram (hdr-codec.ts `countsOf`, or a cache in front of it) */
  decode: (b64: string) => SparseCounts;
  /** the sums of this level's histograms, by key (for RunTotals) */
  sink?: CountsSink;
  /** the endpoints' sums, by endpoint index */
  endpointSinks?: Map<number, CountsSink>;
}

/** A sum of histograms whose encoding is written only if it is read (see mergeObjects). */
class PendingEncoding {
  constructor(readonly counts: SparseCounts) {}
}

/**
 * Adds encoded histograms: null when every part is null. Their bucket counts are read straight
 * from the encodings (hdr-codec.ts; a histogram of another layout is moved into loadproof's by
 * value, as hdr-histogram-js's `add` does), added, and the sum's counts go to the context's sink
 * for RunTotals, so the sum is never decoded again. One part is already the sum and keeps its
 * encoding; a sum of several is encoded when read.
 */
function addHistograms(key: string, present: string[], ctx: MergeContext): string | PendingEncoding {
  const sum = sumSparse(present.map(ctx.decode));
  ctx.sink?.set(key, sum);
  return present.length === 1 ? present[0]! : new PendingEncoding(sum);
}

/** Merges values found under the same key in several records (see the module comment). */
function mergeValues(key: string, values: Json[], ctx: MergeContext): Json | PendingEncoding {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return null;
  if (isHdrKey(key)) return addHistograms(key, present as string[], ctx);
  const first = present[0]!;
  if (typeof first === 'number') {
    if (key === 'durationSec') return Math.max(...(present as number[]));
    if (COORDINATES.has(key)) return first;
    return (present as number[]).reduce((a, b) => a + b, 0);
  }
  if (key === 'endpoints' && Array.isArray(first)) return mergeByIndex(present as Json[][], ctx);
  if (key === 'generator' && typeof first === 'object' && !Array.isArray(first)) return worstOf(present as Array<Record<string, Json>>);
  if (Array.isArray(first)) return first; // no other arrays in a second
  if (typeof first === 'object') return mergeObjects(present as Array<Record<string, Json>>, { decode: ctx.decode });
  return first; // strings (type) and booleans are the same in every shard
}

/**
 * Merges objects key by key. A sum of histograms becomes an enumerable property that encodes the
 * sum the first time it is read, then holds the string: the merge folds only two of a second's
 * histograms into the result (its latency and outstanding ages, for the timeline), so deflating
 * the others (per endpoint, service time, send lag) would be work nobody reads. Anything that
 * reads the record — JSON.stringify, a spread, a property access — gets the same string as an
 * eager encoding.
 */
function mergeObjects(objs: Array<Record<string, Json>>, ctx: MergeContext): Record<string, Json> {
  const keys = new Set<string>();
  for (const o of objs) for (const k of Object.keys(o)) keys.add(k);
  const out: Record<string, Json> = {};
  for (const k of keys) {
    const v = mergeValues(k, objs.map((o) => (k in o ? o[k]! : null)), ctx);
    if (!(v instanceof PendingEncoding)) {
      out[k] = v;
      continue;
    }
    Object.defineProperty(out, k, {
      enumerable: true,
      configurable: true,
      get(): string {
        const encoded = encodeSparse(v.counts);
        Object.defineProperty(out, k, { value: encoded, enumerable: true, configurable: true, writable: true });
        return encoded;
      },
      set(value: Json): void {
        Object.defineProperty(out, k, { value, enumerable: true, configurable: true, writable: true });
      },
    });
  }
  return out;
}

/** Endpoint entries matched by `e`, in index order (each entry's sums to the context's endpoint sinks). */
function mergeByIndex(lists: Json[][], ctx: MergeContext): Json[] {
  const by = new Map<number, Array<Record<string, Json>>>();
  for (const list of lists) {
    for (const item of list as Array<Record<string, Json>>) {
      const e = item.e as number;
      const l = by.get(e);
      if (l) l.push(item);
      else by.set(e, [item]);
    }
  }
  return [...by]
    .sort((a, b) => a[0] - b[0])
    .map(([e, items]) => {
      const sink: CountsSink = new Map();
      ctx.endpointSinks?.set(e, sink);
      return mergeObjects(items, { decode: ctx.decode, sink });
    });
}

/** The worst generator's figure of each field (a maximum: CPU, delay, memory, busy share). */
function worstOf(objs: Array<Record<string, Json>>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const o of objs) {
    for (const [k, v] of Object.entries(o)) {
      if (typeof v !== 'number') {
        if (!(k in out)) out[k] = v;
        continue;
      }
      const cur = out[k];
      out[k] = typeof cur === 'number' ? Math.max(cur, v) : v;
    }
  }
  return out;
}

/**
 * Merges the shards' records of one second (all with the same `t`). `decode` reads an encoded
 * histogram's counts (mergeShards passes one that remembers the second's decodings, which judging
 * each generator reads again).
 */
export function mergeSecondRecords(records: SecondRecord[], decode: (b64: string) => SparseCounts = countsOf): SecondRecord {
  if (records.length === 1) return records[0]!;
  const top: CountsSink = new Map();
  const endpoints = new Map<number, CountsSink>();
  const merged = mergeObjects(records as unknown as Array<Record<string, Json>>, { decode, sink: top, endpointSinks: endpoints }) as unknown as SecondRecord;
  // the sums' counts ride beside the record, so RunTotals adds them without decoding the sums
  const byEndpoint = (key: string): Map<number, SparseCounts> => {
    const out = new Map<number, SparseCounts>();
    for (const [e, sink] of endpoints) {
      const c = sink.get(key);
      if (c !== undefined) out.set(e, c);
    }
    return out;
  };
  attachCounts(merged, {
    endpoints: byEndpoint('hdr'),
    ok: byEndpoint('okHdr'),
    all: top.get('hdr') ?? null,
    outstanding: top.get('outstandingHdr') ?? null,
    service: top.get('serviceHdr') ?? null,
    sendLag: top.get('sendLagHdr') ?? null,
  });
  return merged;
}

/** A shard to merge: its parsed log and the file it came from. */
export interface Shard {
  file: string;
  log: ParsedLog;
}

/** Checks that the shards are segments of one run; throws LP_BAD_FILE naming the odd one. */
function checkSameRun(shards: Shard[]): number {
  const ref = shards[0]!;
  const key = (h: LogHeader): string => JSON.stringify([h.plan.name, h.plan.target, h.plan.stages, h.plan.model, h.endpoints]);
  const hint = 'merge the shards of one run: the same plan, run with --segment i/N for each i';
  let count = ref.log.header.segment?.count ?? 1;
  const seen = new Map<number, string>();
  for (const s of shards) {
    const h = s.log.header;
    if (key(h) !== key(ref.log.header)) throw badFile(s.file, `not a shard of the same run as ${ref.file} (its plan, target, stages or requests differ)`, hint);
    const seg = h.segment ?? { index: 0, count: 1 };
    if (seg.count !== count) throw badFile(s.file, `segment ${seg.index}/${seg.count} does not belong with ${ref.file}'s ${ref.log.header.segment?.index ?? 0}/${count}`, hint);
    const dup = seen.get(seg.index);
    if (dup !== undefined) throw badFile(s.file, `segment ${seg.index}/${count} is given twice (also ${dup})`, 'pass each shard once');
    seen.set(seg.index, s.file);
    count = seg.count;
  }
  return count;
}

/** Judges one generator's own result (the CLI passes the generator-saturation rule). */
export type GeneratorJudge = (own: Result) => ValidityNote | null;

/** A generator's own latency and send-lag totals, summed while its seconds are merged. */
interface OwnTotals {
  latency: CountsSum;
  sendLag: CountsSum;
  /** some second logged a send-lag histogram (the model paces) */
  paced: boolean;
}

/**
 * One generator's own result, as far as judging the generator needs it (requests, latency and
 * send-lag percentiles, CPU, the busy share per second), read from its shard alone in one light
 * pass: a full `resultFromParsedLog` per shard cost as much as the merge itself (bench/merge.mjs).
 */
function ownResult(log: ParsedLog, totals: OwnTotals): Result {
  const h = log.header;
  let requests = 0;
  let dropped = 0;
  const cpu: number[] = [];
  const busy: Array<[number, number | null]> = [];
  for (const s of log.seconds) {
    for (const e of s.endpoints) requests += e.requests;
    dropped += s.dropped;
    if (s.generator.cpuPct !== null) cpu.push(s.generator.cpuPct);
    busy.push([s.t, s.generator.workerBusyPct]);
  }
  const last = log.seconds.at(-1);
  const durationSec = log.end?.durationSec ?? (last ? last.t + last.durationSec : 0);
  const latency = histogramFromCounts([totals.latency.sparse()]);
  const generator: NonNullable<Result['generator']> = { workers: h.workers, cores: h.cores };
  if (cpu.length) generator.cpuPct = { mean: round2(cpu.reduce((a, b) => a + b, 0) / cpu.length), max: round2(Math.max(...cpu)) };
  const summary = {
    requests,
    dropped,
    latencyMs: { p99: latency.totalCount ? percentileMs(latency, 99) : null },
  } as unknown as Result['summary'];
  if (totals.paced) {
    const l = histogramFromCounts([totals.sendLag.sparse()]);
    generator.sendLagP99Ms = percentileMs(l, 99);
    summary.sendLagMs = { p90: percentileMs(l, 90), p99: generator.sendLagP99Ms } as NonNullable<Result['summary']['sendLagMs']>;
  }
  return {
    source: 'loadproof',
    durationSec: Math.round(durationSec * 1000) / 1000,
    summary,
    generator,
    watch: { 'self.generator.workerBusyPct': { unit: '%', points: busy } },
  } as unknown as Result;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** One generator's own figures, read from its shard alone. */
function generatorOf(s: Shard, judge: GeneratorJudge, totals: OwnTotals): GeneratorShard {
  const h = s.log.header;
  const own = ownResult(s.log, totals);
  const end = s.log.end;
  const g: GeneratorShard = {
    segment: h.segment?.index ?? 0,
    file: s.file,
    startedAt: h.startedAt,
    ended: end === null ? 'killed' : end.stop.reason === 'imported' ? 'completed' : end.stop.reason,
    durationSec: own.durationSec,
    requests: own.summary.requests,
    validity: judge(own),
  };
  if (h.host !== undefined) g.host = h.host;
  if (h.localAddress !== undefined) g.localAddress = h.localAddress;
  if (h.startSkewMs !== undefined) g.startSkewMs = h.startSkewMs;
  if (own.generator?.cpuPct) g.cpuPct = own.generator.cpuPct;
  if (own.generator?.sendLagP99Ms !== undefined) g.sendLagP99Ms = own.generator.sendLagP99Ms;
  return g;
}

/**
 * Merges the shards of one distributed run into its result (criteria evaluated on the merged
 * figures; no analysis yet: the caller analyses once, on the merged data). Throws LP_BAD_FILE when
 * the shards are not segments of one run.
 */
export function mergeShards(shards: Shard[], judge: GeneratorJudge = () => null): Result {
  if (shards.length === 0) throw badFile('(no shards)', 'nothing to merge', 'pass the run.ndjson of every segment');
  const sorted = [...shards].sort((a, b) => (a.log.header.segment?.index ?? 0) - (b.log.header.segment?.index ?? 0));
  const count = checkSameRun(sorted);
  const first = sorted[0]!.log.header;

  // second t of every shard, merged
  const bySecond = new Map<number, Array<{ shard: number; r: SecondRecord }>>();
  sorted.forEach((s, shard) => {
    for (const r of s.log.seconds) {
      const l = bySecond.get(r.t);
      if (l) l.push({ shard, r });
      else bySecond.set(r.t, [{ shard, r }]);
    }
  });
  const header: LogHeader = { ...first, workers: first.workers, pid: first.pid };
  delete header.segment;
  delete header.localAddress;
  delete header.startSkewMs;
  delete header.host;
  const totals = new RunTotals(header.endpoints);
  const own: OwnTotals[] = sorted.map(() => ({ latency: new CountsSum(), sendLag: new CountsSum(), paced: false }));
  for (const t of [...bySecond.keys()].sort((a, b) => a - b)) {
    const entries = bySecond.get(t)!;
    // each encoding of the second is decoded once: the generator's own totals read its latency and
    // send lag, the merge reads them again
    const decoded = new Map<string, SparseCounts>();
    const decode = (b64: string): SparseCounts => {
      let c = decoded.get(b64);
      if (c === undefined) {
        c = countsOf(b64);
        decoded.set(b64, c);
      }
      return c;
    };
    for (const { shard, r } of entries) {
      if (r.hdr !== null) own[shard]!.latency.add(decode(r.hdr));
      if (r.sendLagHdr !== null) {
        own[shard]!.sendLag.add(decode(r.sendLagHdr));
        own[shard]!.paced = true;
      }
    }
    totals.add(mergeSecondRecords(entries.map((e) => e.r), decode));
  }

  const generators = sorted.map((s, i) => generatorOf(s, judge, own[i]!));
  const warnings: Array<{ source: string; message: string }> = [];
  for (const s of sorted) {
    const seg = s.log.header.segment?.index ?? 0;
    for (const w of s.log.end?.warnings ?? []) warnings.push({ source: `${w.source} (segment ${seg})`, message: w.message });
    if (s.log.end === null) warnings.push({ source: `log (segment ${seg})`, message: `${s.file}: ${killedMessage(totalsEnd(s))}` });
  }
  const ended = sorted.filter((s) => s.log.end !== null);
  const durationSec = Math.max(0, ...sorted.map((s) => s.log.end?.durationSec ?? totalsEnd(s)));
  const endedAt = ended.length
    ? ended.map((s) => s.log.end!.endedAt).sort().at(-1)!
    : new Date(Date.parse(first.startedAt) + durationSec * 1000).toISOString();
  // the run stopped as its first generator that did not complete did (an abort names its rule)
  const odd = sorted.find((s) => s.log.end !== null && s.log.end.stop.reason !== 'completed');
  const stop: NonNullable<Result['stop']> = odd ? { ...odd.log.end!.stop } : { reason: 'completed' };
  // the protocol the generators spoke: theirs when they agree, 'mixed' when they differ (as
  // between one run's workers, log.ts LogEnd.protocol)
  const protocols = new Set(ended.map((s) => s.log.end!.protocol).filter((p): p is string => p !== undefined));
  const protocol = protocols.size === 0 ? undefined : protocols.size === 1 ? [...protocols][0] : 'mixed';
  const result = assembleResult({ header, totals, endedAt, durationSec, stop, warnings, protocol });
  // the generator's own series are each generator's: the merged ones (worst per second) stand for them
  const starts = sorted.map((s) => Date.parse(s.log.header.startedAt));
  const present = new Set(generators.map((g) => g.segment));
  const info: DistributedInfo = {
    segments: count,
    startSpreadMs: Math.max(...starts) - Math.min(...starts),
    generators,
    missingSegments: Array.from({ length: count }, (_, i) => i).filter((i) => !present.has(i)),
  };
  if (first.startAt !== undefined) info.startAt = first.startAt;
  result.distributed = info;
  result.startedAt = new Date(Math.min(...starts)).toISOString();
  for (const s of sorted) {
    const end = s.log.end;
    if (end?.watch) result.watch = { ...result.watch, ...end.watch };
    if (end?.watchInfo) result.watchInfo = { ...(result.watchInfo ?? {}), ...end.watchInfo };
  }
  return result;
}

function totalsEnd(s: Shard): number {
  const last = s.log.seconds.at(-1);
  return last ? last.t + last.durationSec : 0;
}
