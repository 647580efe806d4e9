/**
 * Capacity against the SLO.
 *
 *   maxSustainableRps  the achieved rate of the highest load level that met the SLO with every
 *                      lower level meeting it too: the first failing level bounds the capacity
 *                      (a pass above a failure is luck, not capacity)
 *   breakingPointRps   the first level whose error rate exceeded 5% (its offered rate when known)
 *   recommendedMaxRps  maxSustainableRps × (1 − headroom), headroom 0.4 by default
 *   bracket            offered rates [last level that met, first that failed] and its width in %
 *                      of the lower end: the measured interval the limit lies in (open model)
 *
 * When the SLO held at every level, the capacity was not reached: `notReached`, and the highest
 * load tried is reported as a lower bound ("above N req/s, not reached") — never extrapolated.
 * Without a recorded offered load the levels are in time order and the capacity is the highest
 * achieved rate that met the SLO.
 */
import type { Analysis } from '../result/types.js';
import type { LoadCurve } from './load-curve.js';
import { judgeSlo, type Slo } from './slo.js';
import * as w from './wording.js';

/** The error rate that marks the breaking point. */
export const BREAKING_ERROR_RATE = 0.05;
export const DEFAULT_HEADROOM = 0.4;

const round = (x: number): number => Math.round(x * 10) / 10;

export function estimateCapacity(curve: LoadCurve, slo: Slo, headroom = DEFAULT_HEADROOM): Analysis['capacity'] {
  const levels = curve.levels;
  const base = { slo: slo.text, headroom };
  if (levels.length === 0) {
    return {
      ...base,
      maxSustainableRps: null,
      breakingPointRps: null,
      recommendedMaxRps: null,
      statement: 'Capacity could not be estimated: the result has no steps (no time series and no summary).',
    };
  }
  const judged = levels.map((l) => judgeSlo(l, slo));
  const breaking = levels.find((l) => l.errorRate > BREAKING_ERROR_RATE);
  const breakingPointRps = breaking ? round(breaking.offeredRps ?? breaking.rps) : null;
  const breakingText = breaking ? ` Breaking point: ${w.rps(breakingPointRps!)}${breaking.offeredRps !== null ? ' offered' : ''}, where errors reached ${w.pct(breaking.errorRate)}.` : '';
  const headroomText = `${Math.round(headroom * 100)}% headroom`;

  if (curve.kind === 'achieved') {
    const ok = levels.filter((_, i) => judged[i]!.pass);
    const unknown = judged.filter((j) => j.unknown);
    if (ok.length === 0 && unknown.length === levels.length) {
      return {
        ...base,
        maxSustainableRps: null,
        breakingPointRps,
        recommendedMaxRps: null,
        statement: `The SLO (${slo.text}) could not be judged: the result does not record ${[...new Set(unknown.flatMap((j) => j.unjudged))].join(', ')}.${breakingText}`,
      };
    }
    if (ok.length === 0) {
      const why = levels.length === 1 ? ` (${judged[0]!.failures.join(', ')})` : '';
      const where = levels.length === 1 ? 'over the run' : `in any of the ${levels.length} windows`;
      return { ...base, maxSustainableRps: null, breakingPointRps, recommendedMaxRps: null, statement: `The SLO (${slo.text}) was not met ${where}${why}.${breakingText}` };
    }
    const best = round(Math.max(...ok.map((l) => l.rps)));
    const all = ok.length === levels.length;
    return {
      ...base,
      maxSustainableRps: best,
      breakingPointRps,
      recommendedMaxRps: round(best * (1 - headroom)),
      ...(all ? { notReached: true } : {}),
      statement: all
        ? `Capacity not reached: the SLO (${slo.text}) held throughout, up to ${w.rps(best)} — above ${w.rps(best)}, not reached (the offered load was not recorded). Recommended max with ${headroomText}: ${w.rps(best * (1 - headroom))}, a lower bound.${breakingText}`
        : `The highest throughput that met the SLO (${slo.text}) was ${w.rps(best)} (the offered load was not recorded, so this is what the target did, not what it could do). Recommended max with ${headroomText}: ${w.rps(best * (1 - headroom))}.${breakingText}`,
    };
  }

  const firstFail = judged.findIndex((j) => !j.pass);
  if (firstFail >= 0 && judged[firstFail]!.unknown) {
    // the source did not record what the SLO asks for: say so rather than guess
    const what = [...new Set(judged[firstFail]!.unjudged)].join(', ');
    const max = firstFail > 0 ? round(levels[firstFail - 1]!.rps) : null;
    return {
      ...base,
      maxSustainableRps: max,
      breakingPointRps,
      recommendedMaxRps: max === null ? null : round(max * (1 - headroom)),
      statement:
        (firstFail > 0 ? `The SLO (${slo.text}) held up to ${w.rps(max!)}; beyond it ` : `The SLO (${slo.text}) could not be judged: `) +
        `the result does not record ${what} per load level.${breakingText}`,
    };
  }
  if (firstFail === -1) {
    const top = levels[levels.length - 1]!;
    const max = round(top.rps);
    return {
      ...base,
      maxSustainableRps: max,
      breakingPointRps,
      recommendedMaxRps: round(max * (1 - headroom)),
      notReached: true,
      statement: `Capacity not reached: the SLO (${slo.text}) held at every load tried, up to ${w.rps(top.rps)} — above ${w.rps(top.rps)}, not reached. Recommended max with ${headroomText}: ${w.rps(top.rps * (1 - headroom))}, from that lower bound.${breakingText}`,
    };
  }
  const fail = levels[firstFail]!;
  const why = judged[firstFail]!.failures.join(', ');
  if (firstFail === 0) {
    return {
      ...base,
      maxSustainableRps: null,
      breakingPointRps,
      recommendedMaxRps: null,
      statement: `The SLO (${slo.text}) was not met even at the lowest load tried (${curve.kind === 'vus' ? `${w.load(fail.load, 'VUs')}, ` : ''}${w.rps(fail.rps)}: ${why}).${breakingText}`,
    };
  }
  const ok = levels[firstFail - 1]!;
  const max = round(ok.rps);
  // the measured bracket: the limit lies between the last offered rate that met the SLO and the
  // first that did not (a breakpoint's refinement narrows it; analysis/refine.ts)
  const bracket =
    ok.offeredRps !== null && fail.offeredRps !== null && ok.offeredRps > 0
      ? { metRps: round(ok.offeredRps), failedRps: round(fail.offeredRps), precisionPct: round(((fail.offeredRps - ok.offeredRps) / ok.offeredRps) * 100) }
      : null;
  const bracketText = bracket
    ? ` Measured bracket: the capacity lies between ${w.rps(bracket.metRps)} offered (met) and ${w.rps(bracket.failedRps)} (failed), a width of ${bracket.precisionPct}% of its lower end.`
    : '';
  return {
    ...base,
    maxSustainableRps: max,
    breakingPointRps,
    recommendedMaxRps: round(max * (1 - headroom)),
    ...(bracket ? { bracket } : {}),
    statement:
      `Max sustainable: ${w.rps(ok.rps)} within the SLO (${slo.text}); at ${
        curve.kind === 'vus' ? `${w.load(fail.load, 'VUs')} (${w.rps(fail.rps)})` : `${w.rps(fail.offeredRps ?? fail.rps)}${fail.offeredRps !== null ? ' offered' : ''}`
      } it failed (${why}). ` +
      `Recommended max with ${headroomText}: ${w.rps(ok.rps * (1 - headroom))}.${bracketText}${breakingText}`,
  };
}
