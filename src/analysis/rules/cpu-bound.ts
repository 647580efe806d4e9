/**
 * cpu-bound — "latency fine but throughput plateaus, a core saturated".
 *
 * Signals, over the levels from where the system left its linear region:
 *   sat      a watched app process at a whole number of busy cores (coreSaturation: ≥ 95% of
 *            one core → 1), or event-loop utilisation ≥ 0.95 (0.7 → 0)          weight 0.55
 *   plateau  throughput fell short of the offered load (1), a knee was found (0.7), or only
 *            latency rose (0.4)                                                  weight 0.25
 *   scaling  the CPU rose with the load before that (Spearman ρ, 0.5 → 0, 0.9 → 1)  weight 0.2
 * Gate: sat ≥ 0.3 and the curve left its linear region (a pegged core with the system still linear
 * is not yet the limit). A core whose time goes mostly to garbage collection is gc-pressure first:
 * the confidence is multiplied by 0.4. "Mostly": the GC pause share (measured on the thread that
 * runs the JavaScript) over half of that thread's time, i.e. of min(process CPU, one core) — a
 * process's CPU past one core is other threads (V8's parallel and concurrent GC helpers among
 * them), which cannot make the main thread's pauses a smaller share of it; or pauses of at least a
 * quarter of that thread plus the CPU past one core over half the process's CPU (gcIsMost).
 */
import type { Diagnosis } from '../../result/types.js';
import { coreSaturation, cpuSeries, ownerName, peakOf, riseWithLoad, type Evidence } from '../evidence.js';
import { ramp } from '../stats.js';
import * as w from '../wording.js';
import { diagnosis } from './diagnosis.js';
import { peakGcShare } from './gc-pressure.js';
import { latencyRise, throughputPlateau, troubleStart } from './shape.js';

/**
 * Whether garbage collection takes most of a process's CPU, from its GC pause share `gcPct` (% of
 * the main thread) and its CPU `cpuPct` (% of one core, all threads). Most of the main thread
 * (see the module comment); or, once the pauses are a real share of it (≥ 25%), most of the whole
 * process counting its CPU past one core as GC too: a JavaScript service's other threads are
 * V8's GC helpers when it is busy collecting (measured on test/targets/gc-service.ts: pauses 48.6% of
 * the main thread at 141% process CPU, the core's other 41% its parallel and concurrent marking).
 */
export function gcIsMost(gcPct: number, cpuPct: number): boolean {
  const mainPct = Math.min(cpuPct, 100);
  if (gcPct > 0.5 * mainPct) return true;
  const helpersPct = Math.max(0, cpuPct - 100);
  return gcPct >= 0.25 * mainPct && gcPct + helpersPct > 0.5 * cpuPct;
}

export function cpuBound(ev: Evidence): Diagnosis | null {
  const zone = troubleStart(ev);
  if (zone === null) return null;
  const cpu = peakOf(ev, cpuSeries(ev, ['app']), zone);
  const elu = peakOf(ev, ev.find(/^utilization$/, { watcher: 'eventLoop' }), zone);
  const delay = peakOf(ev, ev.find(/^delayP99Ms$/, { watcher: 'eventLoop' }), zone);
  const cpuSat = cpu ? coreSaturation(cpu.value) : 0;
  const eluSat = elu ? ramp(elu.value, 0.7, 0.95) : 0;
  const sat = Math.max(cpuSat, eluSat);
  if (sat < 0.3) return null;

  const plateau = throughputPlateau(ev);
  const plateauS = plateau ? 1 : ev.phases.kneeIndex !== null ? 0.7 : 0.4;
  const scalingRho = cpu ? riseWithLoad(ev, cpu.series.name) : elu ? riseWithLoad(ev, elu.series.name) : 0;
  const scaling = ramp(scalingRho, 0.5, 0.9);
  let confidence = 0.55 * sat + 0.25 * plateauS + 0.2 * scaling;
  const gc = peakGcShare(ev, zone);
  const gcMostly = gc !== null && cpu !== null && gcIsMost(gc.value * 100, cpu.value);
  if (gcMostly) confidence *= 0.4;

  const evidence: string[] = [];
  const rise = latencyRise(ev);
  if (plateau) evidence.push(plateau.text);
  if (rise) evidence.push(rise.text);
  if (cpu && cpuSat >= 0.3) {
    const first = ev.levelValues(cpu.series.name).find((v) => v !== null);
    const cores = Math.max(1, Math.round(cpu.value / 100));
    evidence.push(
      `${ownerName(cpu.series)} CPU reached ${Math.round(cpu.value)}% (${cores === 1 ? 'one core' : `${cores} cores`}) at ${w.load(ev.levels[cpu.level]!.load, ev.unit)}` +
        (first !== undefined && first !== null ? `, from ${Math.round(first)}% at ${w.load(ev.levels[0]!.load, ev.unit)}` : ''),
    );
  }
  if (elu && eluSat >= 0.3) {
    evidence.push(
      `event-loop utilisation of ${elu.series.label} reached ${w.num(elu.value, 2)}` + (delay ? ` with delay p99 up to ${w.ms(delay.value)}` : ''),
    );
  }
  if (gcMostly) evidence.push(`garbage collection took ${w.pct(gc.value)} of a core of the ${Math.round(cpu.value)}% busy: GC pressure first (gc-pressure)`);
  const capRps = plateau?.rps ?? ev.levels[zone]!.rps;
  const cores = cpu ? Math.max(1, Math.round(cpu.value / 100)) : 1;
  return diagnosis(
    'cpu-bound',
    cores === 1 ? 'CPU bound: one core is saturated' : `CPU bound: ${cores} cores are saturated`,
    confidence,
    evidence,
    `Profile the hot path at about ${w.rps(capRps * 0.8)} (e.g. node --cpu-prof, or a flame graph) and cut the CPU per request: ` +
      `cache repeated work, move heavy computation off the event loop (worker threads), or run one process per core (cluster, more replicas). ` +
      `Capacity scales with the CPU per request: halving it roughly doubles the ~${w.rps(capRps)} ceiling; spreading over N cores multiplies it by up to N.`,
    'performance-optimizer',
  );
}
