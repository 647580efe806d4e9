/**
 * The breakpoint's adaptive refinement inside a run (analysis/refine.ts decides, the engine's
 * `retarget` applies): fed each merged second, it steers the schedule; at the end it gives the
 * stages as run and the refinement for the result and the log.
 *
 * A distributed run (`--segment i/N`) cannot refine: each segment would need every other
 * segment's step results to judge a step, and they run on other hosts. An explicit `precision`
 * with `--segment` is refused (exit 2); the default one is dropped silently (the coarse steps run
 * as before). `--workers N` refines: the main thread judges the merged seconds of all its workers
 * and sends every worker the same change.
 */
import { badFlag } from '../errors.js';
import { planInfoOf } from '../engine/result.js';
import type { RunHandle, RunOutcome } from '../engine/runner.js';
import type { SegmentSpec } from '../engine/schedule/segment.js';
import type { SecondRecord } from '../metrics/timeline.js';
import type { ResolvedLoad } from '../plan/patterns.js';
import type { Plan } from '../plan/schema.js';
import type { Refinement } from '../result/types.js';
import { Refiner } from '../analysis/refine.js';
import { resolveSlo } from '../analysis/slo.js';

export class RefineSession {
  private readonly refiner: Refiner;
  private changed = false;

  private constructor(load: ResolvedLoad, plan: Plan, slo: string | undefined) {
    this.refiner = new Refiner(load.stages, load.refine!, resolveSlo({ plan: planInfoOf(plan) }, slo));
  }

  /** The refinement of this run, or null when it has none. Throws exit 2 for precision with --segment. */
  static of(load: ResolvedLoad, plan: Plan, opts: { segment?: SegmentSpec; slo?: string }): RefineSession | null {
    if (load.refine === null) return null;
    if ((opts.segment?.count ?? 1) > 1) {
      if (!load.refine.explicit) return null;
      throw badFlag(
        `pattern.precision cannot be honoured with --segment ${opts.segment!.index + 1}/${opts.segment!.count}: each step's verdict needs every segment's results`,
        'run the breakpoint from one host (use --workers N for more load threads), or remove pattern.precision',
        '--segment',
      );
    }
    return new RefineSession(load, plan, opts.slo);
  }

  /** Feeds one merged second; retargets the run when the refinement asks. */
  onSecond(record: SecondRecord, handle: RunHandle | null): void {
    let requests = 0;
    let errors = 0;
    for (const e of record.endpoints) {
      requests += e.requests;
      errors += e.errors;
    }
    const action = this.refiner.push({ t: record.t, durationSec: record.durationSec, requests, errors, hdr: record.hdr, outstandingHdr: record.outstandingHdr ?? null });
    if (action === null) return;
    const at = handle ? handle.retarget(action.atSec, action.stages, action.open) : null;
    if (at === null) this.refiner.refused();
    else {
      this.refiner.applied(at);
      this.changed = true;
    }
  }

  /** The stages as run (when the refinement changed them) and the refinement, once the run ended. */
  finish(outcome: RunOutcome): { stages?: Array<{ durationSec: number; target: number }>; refinement: Refinement } {
    this.refiner.runEnded(outcome.stop.reason !== 'completed', outcome.durationSec);
    const out: { stages?: Array<{ durationSec: number; target: number }>; refinement: Refinement } = { refinement: this.refiner.report() };
    if (this.changed) out.stages = outcome.stages.map((s) => ({ durationSec: s.durationMs / 1000, target: s.target }));
    return out;
  }
}
