/**
 * The report model: everything a report says, computed once from a `Result` and shared by the
 * Markdown, the HTML, the terminal summary and the JUnit renderers.
 *
 * The model holds plain text (never Markdown or HTML): each renderer escapes and emphasises in its
 * own syntax. Numbers are formatted here, through `format.ts`, so every report shows the same
 * figure the same way. The model reads the result and its `analysis` only; it judges nothing new
 * (the verdict comes from `result.verdict`, findings from `result.analysis`).
 */
import type { CriterionResult, Diagnosis, EndpointResult, Result, StepResult, ValidityNote, Verdict } from '../result/types.js';
import { hypothesisOutcome } from '../result/verdict.js';
import { MOSTLY_FAILED_RULE_ID, UNTESTED_RULE_ID } from '../analysis/validity/untested.js';
import { criterionLabel, criterionName, criterionParts, formatObserved, formatThreshold } from './criteria.js';
import {
  NONE,
  formatCount,
  formatDate,
  formatMs,
  formatNumber,
  formatPct,
  formatRps,
  formatSeconds,
  formatSeriesValue,
  formatTimestamp,
} from './format.js';

/**
 * Text with inline code: each renderer shows `{ code }` parts in its own code style (Markdown code
 * span, HTML `<code>`, plain in the terminal) and escapes everything.
 */
export type RichText = Array<string | { code: string }>;

export interface VerdictDetail {
  text: RichText;
  indent: 0 | 1;
}

/** How the hypothesis fared, as a report headline: the four outcomes, or no criteria to judge. */
export type Outcome = 'held' | 'refuted' | 'invalid' | 'aborted' | 'no-criteria';

export interface KeyValueRow {
  label: string;
  value: string;
}

export type RowStatus = 'pass' | 'fail' | null;

export interface SummaryRow {
  /** what is measured, e.g. "p95 latency" */
  metric: string;
  /** the metric key and condition behind the row, e.g. `http_req_duration p(95)<200`, when a criterion judged it */
  criterion: string | null;
  result: string;
  /** the threshold in the metric's unit, e.g. "< 200 ms"; NONE when no criterion applies */
  threshold: string;
  status: RowStatus;
}

export interface CapacityModel {
  /** one sentence from the analysis, when it wrote one */
  statement: string | null;
  /** the capacity in a few words for the terminal summary; null when none was estimated */
  headline: string | null;
  rows: KeyValueRow[];
  /** the phases in one line: linear until, knee, collapse */
  phases: string | null;
  /** sentences explaining how the phases were found */
  phaseNotes: string[];
  /** the USL fit in one line */
  usl: string;
}

export interface FindingModel {
  id: string;
  title: string;
  confidence: string;
  /** the load at which the system first bent (the knee, else the collapse), in words */
  atLoad: string | null;
  evidence: RichText[];
}

export interface RecommendationModel {
  text: RichText;
  /** the diagnosis it comes from, when it comes from one */
  from: string | null;
  handoff: string | null;
}

export interface StepRow {
  step: string;
  window: string;
  offered: string;
  achieved: string;
  p50: string;
  p95: string;
  p99: string;
  errors: string;
  concurrency: string;
  /** "knee", "collapse", "ramp" ... */
  note: string;
}

export interface EndpointRow {
  name: string;
  method: string;
  requests: string;
  errors: string;
  p50: string;
  p95: string;
  p99: string;
  max: string;
  statusCodes: string;
  /** the protocol the requests went over (http/1.1, h2, h2c), when the result records it */
  protocol?: string;
}

export interface SeriesRow {
  name: string;
  unit: string;
  role: string;
  min: string;
  mean: string;
  max: string;
  last: string;
  /** points that were gaps (the watcher could not read) */
  gaps: number;
}

export interface ReportModel {
  title: string;
  service: string;
  date: string;
  verdict: Verdict;
  outcome: Outcome;
  /** "Hypothesis refuted", "Hypothesis held", ... */
  outcomeLabel: string;
  hypothesis: string | null;
  /** one sentence after the outcome label */
  verdictText: RichText;
  /** extra verdict lines (failed criteria, the stop), indented 1 when they belong to the line before */
  verdictDetails: VerdictDetail[];
  validity: { invalid: ValidityNote[]; warn: ValidityNote[]; info: ValidityNote[] };
  configuration: KeyValueRow[];
  summaryRows: SummaryRow[];
  redFlags: string[];
  capacity: CapacityModel | null;
  bottleneck: FindingModel | null;
  /** why there is no bottleneck, when there is none */
  noBottleneckReason: RichText | null;
  otherFindings: FindingModel[];
  /** the saturation order: what saturated first, then the rest (analysis.saturation) */
  saturation: SaturationModel | null;
  recommendations: RecommendationModel[];
  steps: StepRow[];
  endpoints: EndpointRow[];
  series: SeriesRow[];
  limitations: string[];
  warnings: string[];
  /** terse key figures for the terminal summary */
  keyFigures: string;
}

export interface SaturationModel {
  /** "Saturated first: pool pool_in_use of app (pool_size 10) at 500 req/s, step 9" or why none */
  headline: string;
  rows: Array<{ resource: string; limit: string; at: string; how: string; value: string }>;
}

function saturationModel(result: Result): SaturationModel | null {
  const sat = result.analysis?.saturation;
  if (!sat || sat.resources.length === 0) return null;
  const load = (x: number): string => (sat.unit === 'VUs' ? `${Math.round(x)} VUs` : formatRps(x));
  const first = sat.resources[0]!;
  const headline = sat.first
    ? `Saturated first: ${first.resource} (${first.limit}) at ${load(sat.first.load)}${sat.first.step !== null ? `, step ${sat.first.step}` : ''} — ${sat.first.how === 'limit' ? 'reached its limit' : 'left its linear trend'}.`
    : `No watched resource reached its limit or left its linear trend up to ${load(Math.max(...sat.loads))}.`;
  return {
    headline,
    rows: sat.resources.map((r) => ({
      resource: r.resource,
      limit: r.limit,
      at: r.saturatedAtLoad === null ? 'not saturated' : `${load(r.saturatedAtLoad)}${r.step !== null ? ` (step ${r.step})` : ''}`,
      how: r.how === 'limit' ? 'reached its limit' : r.how === 'trend' ? 'left its trend' : '—',
      value: r.valueAtKnee === null ? '—' : `${r.valueAtKnee}${r.unit === '%' ? '%' : r.unit === 'ms' ? ' ms' : ''}`,
    })),
  };
}

/** Builds the report model. Pure: same result in, same model out. */
export function buildReportModel(result: Result): ReportModel {
  const service = result.plan.name || result.plan.target || 'unnamed plan';
  const date = formatDate(result.startedAt);
  const analysis = result.analysis;
  const validity = {
    invalid: analysis?.validity.filter((v) => v.severity === 'invalid') ?? [],
    warn: analysis?.validity.filter((v) => v.severity === 'warn') ?? [],
    info: analysis?.validity.filter((v) => v.severity === 'info') ?? [],
  };
  const outcome: Outcome =
    result.verdict === 'pass' && result.criteria.length === 0 ? 'no-criteria' : hypothesisOutcome(result.verdict);
  const verdict = verdictWords(result, outcome);
  const capacity = analysis ? capacityModel(result) : null;
  const findings = (analysis?.diagnoses ?? []).map((d) => findingModel(d, result));
  return {
    title: `Load Test Report — ${service} ${date}`,
    service,
    date,
    verdict: result.verdict,
    outcome,
    outcomeLabel: verdict.label,
    hypothesis: result.plan.hypothesis?.trim() || null,
    verdictText: verdict.text,
    verdictDetails: verdict.details,
    validity,
    configuration: configurationRows(result),
    summaryRows: summaryRows(result),
    redFlags: analysis?.redFlags ?? [],
    capacity,
    bottleneck: findings[0] ?? null,
    noBottleneckReason: findings.length ? null : noBottleneckReason(result),
    otherFindings: findings.slice(1),
    saturation: saturationModel(result),
    recommendations: recommendations(result),
    steps: stepRows(result),
    endpoints: endpointRows(result),
    series: seriesRows(result),
    limitations: result.limitations ?? [],
    warnings: (result.warnings ?? []).map((w) => `${w.source}: ${w.message}`),
    keyFigures: keyFigures(result),
  };
}

// ---------------------------------------------------------------------------------------------
// Verdict

function verdictWords(result: Result, outcome: Outcome): { label: string; text: RichText; details: VerdictDetail[] } {
  const total = result.criteria.length;
  const failed = result.criteria.filter((c) => !c.pass);
  const failedLine = (c: CriterionResult, indent: 0 | 1): VerdictDetail => ({
    text: [
      `${criterionLabel(c)} ${formatObserved(c)} against ${formatThreshold(c)} (`,
      { code: criterionName(c) },
      ')',
    ],
    indent,
  });
  switch (outcome) {
    case 'held':
      return { label: 'Hypothesis held', text: [`all ${total} ${plural(total, 'criterion', 'criteria')} met.`], details: [] };
    case 'refuted':
      return {
        label: 'Hypothesis refuted',
        text: [`${failed.length} of ${total} ${plural(total, 'criterion', 'criteria')} failed.`],
        details: failed.map((c) => failedLine(c, 0)),
      };
    case 'invalid': {
      // the causes that say the run did not test the service lead the headline, in the user's terms
      const causes = (result.analysis?.validity ?? []).filter((v) => v.severity === 'invalid' && v.headline && (v.id === UNTESTED_RULE_ID || v.id === MOSTLY_FAILED_RULE_ID));
      const untested = causes.some((v) => v.id === UNTESTED_RULE_ID);
      const heads = causes.map((v) => v.headline!).join('; ');
      return {
        label: 'Results invalid',
        text: untested
          ? richFromBackticks(`${heads}: the run did not test the service, whatever the criteria say; fix the test, not the service.`)
          : causes.length
            ? richFromBackticks(`${heads}: the run measured the service failing, so its criteria cannot judge the hypothesis.`)
            : ['the measurements cannot judge the hypothesis; fix what is listed below and run again.'],
        details: [],
      };
    }
    case 'aborted': {
      const stop = result.stop;
      const at = stop?.atSec !== undefined ? ` at ${formatSeconds(stop.atSec)}` : '';
      const details: VerdictDetail[] = stop?.message ? [{ text: [stop.message], indent: 0 }] : [];
      if (total) {
        details.push({
          text: [
            failed.length
              ? `Criteria over the run until the stop: ${failed.length} of ${total} failed:`
              : `Criteria over the run until the stop: all ${total} met.`,
          ],
          indent: 0,
        });
        details.push(...failed.map((c) => failedLine(c, 1)));
      }
      const text: RichText = stop?.rule
        ? ['the incident guard stopped the run: rule ', { code: stop.rule }, ` tripped${at}.`]
        : [`the incident guard stopped the run${at}.`];
      text.push(' The hypothesis was not tested to the end of the plan.');
      return { label: 'Run aborted', text, details };
    }
    case 'no-criteria':
      return {
        label: 'No verdict',
        text: [
          result.source === 'loadproof'
            ? 'the plan states no criteria, so there is nothing to judge; the figures below describe the run.'
            : `the ${result.source} result carries no criteria, so there is nothing to judge; the figures below describe the run.`,
        ],
        details: [],
      };
  }
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

// ---------------------------------------------------------------------------------------------
// Configuration

function configurationRows(result: Result): KeyValueRow[] {
  const plan = result.plan;
  const imported = result.source !== 'loadproof';
  const rows: KeyValueRow[] = [];
  rows.push({ label: 'Tool', value: `${result.tool.name} ${result.tool.version}${imported ? ' (imported)' : ''}` });
  rows.push({ label: 'Target', value: plan.target || NONE });
  const closed = plan.model === 'closed';
  rows.push({
    label: 'Model',
    value:
      plan.model === 'open'
        ? 'open (arrival rate; latency measured from the intended send time)'
        : closed
          ? 'closed (virtual users; latency measured from the actual send)'
          : 'not recorded',
  });
  const unit = closed ? 'VUs' : 'req/s';
  if (plan.pattern) {
    const peak = plan.pattern.peak === null ? '' : `, peak ${formatCount(plan.pattern.peak)} ${unit}`;
    rows.push({ label: 'Pattern', value: `${plan.pattern.type}${peak}` });
  } else {
    rows.push({ label: 'Pattern', value: plan.stages?.length ? 'explicit stages' : 'not recorded' });
  }
  if (plan.stages?.length) rows.push({ label: 'Stages', value: stagesText(plan.stages, unit) });
  rows.push({ label: 'Duration', value: durationText(result) });
  rows.push({ label: closed ? 'Peak VUs' : 'Peak rate', value: peakLoadText(result, closed) });
  if (plan.scenarios?.length) {
    rows.push({
      label: 'Scenarios',
      value: plan.scenarios.map((s) => `${s.name} (weight ${formatNumber(s.weight)})`).join(', '),
    });
  }
  rows.push({ label: 'Started', value: formatTimestamp(result.startedAt) });
  const watched = watchedTargets(result);
  rows.push({
    label: 'Watched',
    value: watched.length ? watched.join('; ') : imported ? `nothing (${result.source} does not watch the target)` : 'nothing (no watchers in the plan)',
  });
  if (result.generator) {
    const g = result.generator;
    const cpu = g.cpuPct ? `, CPU mean ${formatNumber(g.cpuPct.mean)}% / max ${formatNumber(g.cpuPct.max)}%` : '';
    rows.push({
      label: 'Generator',
      value: `${g.workers} ${plural(g.workers, 'worker', 'workers')} on ${g.cores} ${plural(g.cores, 'core', 'cores')}${cpu}`,
    });
  }
  return rows;
}

/** "10s → 100, 30s at 100, 5s → 0"; long schedules are summarised. */
function stagesText(stages: Array<{ durationSec: number; target: number }>, unit: string): string {
  const total = stages.reduce((s, x) => s + x.durationSec, 0);
  const peak = Math.max(...stages.map((s) => s.target));
  if (stages.length > 6) {
    return `${stages.length} stages over ${formatSeconds(total)}, up to ${formatCount(peak)} ${unit}`;
  }
  let prev = 0;
  const parts = stages.map((s, i) => {
    // A zero-length stage is a step change (`quick` starts at its rate at once).
    const text =
      s.durationSec === 0
        ? `${i === 0 ? 'start at' : 'jump to'} ${formatCount(s.target)}`
        : s.target === prev
          ? `hold ${formatCount(s.target)} for ${formatSeconds(s.durationSec)}`
          : `${formatCount(prev)} → ${formatCount(s.target)} over ${formatSeconds(s.durationSec)}`;
    prev = s.target;
    return text;
  });
  return `${parts.join(', ')} (${unit})`;
}

function plannedSec(result: Result): number | null {
  const stages = result.plan.stages;
  if (stages?.length) return stages.reduce((s, x) => s + x.durationSec, 0);
  return result.plan.pattern?.durationSec ?? null;
}

function durationText(result: Result): string {
  const actual = formatSeconds(result.durationSec);
  const planned = plannedSec(result);
  if (result.stop?.reason === 'aborted') {
    return planned !== null
      ? `${actual} of ${formatSeconds(planned)} planned (stopped by the incident guard)`
      : `${actual} (stopped by the incident guard)`;
  }
  if (result.stop?.reason === 'interrupted') return `${actual} (interrupted)`;
  return actual;
}

function peakLoadText(result: Result, closed: boolean): string {
  if (closed) {
    const vus = maxOf(result.timeline.map((p) => p.vus));
    return vus === null ? 'not recorded' : `${formatCount(vus)} VUs`;
  }
  const offered = maxOf(result.timeline.map((p) => p.offeredRps));
  if (offered !== null) return `${formatRps(offered)} offered`;
  const staged = result.plan.stages?.length ? Math.max(...result.plan.stages.map((s) => s.target)) : null;
  return staged !== null ? `${formatRps(staged)} planned` : 'not recorded';
}

function maxOf(values: Array<number | null | undefined>): number | null {
  let m: number | null = null;
  for (const v of values) if (v !== null && v !== undefined && Number.isFinite(v) && (m === null || v > m)) m = v;
  return m;
}

/** "process: port 3000", "eventLoop: http://…", "self: loadproof" — each watcher and target once. */
function watchedTargets(result: Result): string[] {
  const seen = new Set<string>();
  for (const [name, s] of Object.entries(result.watch)) {
    const watcher = s.watcher ?? name.split('.')[0] ?? name;
    seen.add(s.target ? `${watcher}: ${s.target}` : watcher);
  }
  return [...seen];
}

// ---------------------------------------------------------------------------------------------
// Results summary

/** Which headline row a criterion belongs to, when it judges exactly that figure. */
type Headline = 'p50' | 'p95' | 'p99' | 'errorRate' | 'throughput';

function headlineOf(c: CriterionResult): Headline | null {
  const p = criterionParts(c);
  if (p.tag || !p.expr) return null;
  const a = p.expr.aggregation;
  if (p.metric === 'http_req_duration') {
    if (a.kind === 'med' || (a.kind === 'percentile' && a.p === 50)) return 'p50';
    if (a.kind === 'percentile' && a.p === 95) return 'p95';
    if (a.kind === 'percentile' && a.p === 99) return 'p99';
  }
  if (p.metric === 'http_req_failed' && a.kind === 'rate') return 'errorRate';
  if (p.metric === 'http_reqs' && a.kind === 'rate') return 'throughput';
  return null;
}

function summaryRows(result: Result): SummaryRow[] {
  const s = result.summary;
  const claimed = new Map<Headline, CriterionResult>();
  const rest: CriterionResult[] = [];
  for (const c of result.criteria) {
    const h = headlineOf(c);
    if (h && !claimed.has(h)) claimed.set(h, c);
    else rest.push(c);
  }
  const row = (metric: string, value: string, h: Headline | null): SummaryRow => {
    const c = h ? claimed.get(h) : undefined;
    if (!c) return { metric, criterion: null, result: value, threshold: NONE, status: null };
    return {
      metric,
      criterion: criterionName(c),
      result: formatObserved(c),
      threshold: formatThreshold(c),
      status: c.pass ? 'pass' : 'fail',
    };
  };
  const hasTimeline = result.timeline.length > 0;
  const rows: SummaryRow[] = [
    row('Requests', formatCount(s.requests), null),
    row('p50 latency', formatMs(s.latencyMs.p50), 'p50'),
    row('p95 latency', formatMs(s.latencyMs.p95), 'p95'),
    row('p99 latency', formatMs(s.latencyMs.p99), 'p99'),
    row('Error rate', `${formatPct(s.errorRate)} (${formatCount(s.errors)} of ${formatCount(s.requests)})`, 'errorRate'),
    row('Throughput (mean)', formatRps(s.throughputRps), 'throughput'),
    row('Throughput (peak second)', hasTimeline ? formatRps(s.peakRps) : 'not recorded (no time series)', null),
  ];
  // latency counts every request that was sent: say how many are lower bounds, and show the
  // successful requests apart when some failed (k6's expected_response:true)
  const lowerBound = s.lowerBoundRequests ?? 0;
  if (lowerBound > 0) {
    rows.splice(4, 0, row('Timed out or unanswered', `${formatCount(lowerBound)}, counted in the latency at the time they were outstanding (a lower bound)`, null));
  }
  if (s.okLatencyMs && s.errors > 0) {
    rows.splice(4, 0, row('p95 latency, successful requests only', formatMs(s.okLatencyMs.p95), null));
  }
  for (const c of rest) {
    rows.push({
      metric: criterionLabel(c),
      criterion: criterionName(c),
      result: formatObserved(c),
      threshold: formatThreshold(c),
      status: c.pass ? 'pass' : 'fail',
    });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Capacity

function capacityModel(result: Result): CapacityModel {
  const a = result.analysis!;
  const cap = a.capacity;
  const base = {
    statement: cap.statement ?? null,
    phases: phasesText(result),
    phaseNotes: a.phases.notes ?? [],
    usl: uslText(result),
  };
  // Invalid results measured the generator: no capacity figure is stated, only why.
  if (result.verdict === 'invalid') {
    return {
      ...base,
      statement: base.statement ?? 'Not estimated: the results are not valid.',
      headline: null,
      rows: [],
    };
  }
  const highest = highestLoadTried(result);
  const noSteps = result.steps.length === 0;
  const rows: KeyValueRow[] = [];
  let sustainable: string;
  let headline: string | null;
  if (cap.notReached) {
    const n = cap.maxSustainableRps ?? highest;
    sustainable = n === null ? 'not reached' : `above ${formatRps(n)}, not reached (the SLO held at the highest load tried)`;
    headline = n === null ? 'not reached' : `above ${formatRps(n)} (not reached)`;
  } else if (cap.maxSustainableRps !== null) {
    sustainable = formatRps(cap.maxSustainableRps);
    headline = formatRps(cap.maxSustainableRps);
  } else if (noSteps) {
    sustainable = 'not estimated (no steps of constant load to judge)';
    headline = null;
  } else {
    sustainable = 'none: the SLO failed at every load tried';
    headline = null;
  }
  const slo = cap.slo || 'no SLO';
  if (headline === null && !noSteps) {
    headline = `none: the SLO (${slo}) failed at every load tried`;
  } else if (headline !== null) {
    headline += ` at the SLO (${slo})`;
    if (cap.recommendedMaxRps !== null) headline += `; plan for at most ${formatRps(cap.recommendedMaxRps)}`;
  }
  rows.push({ label: `Max sustainable load at the SLO (${slo})`, value: sustainable });
  rows.push({
    label: 'Breaking point (error rate over 5%)',
    value:
      cap.breakingPointRps !== null
        ? formatRps(cap.breakingPointRps)
        : noSteps
          ? 'not estimated (no steps)'
          : highest !== null
            ? `not reached (highest load tried: ${formatRps(highest)})`
            : 'not reached',
  });
  if (cap.bracket) {
    const b = cap.bracket;
    const asked = b.requestedPct !== undefined ? ` (precision asked: ${b.requestedPct}%${b.precisionPct <= b.requestedPct ? ', reached' : ', not reached'})` : '';
    rows.push({
      label: 'Capacity bracket (measured)',
      value: `between ${formatRps(b.metRps)} offered (met the SLO) and ${formatRps(b.failedRps)} (failed): within ${b.precisionPct}% of its lower end${asked}`,
    });
    if (headline !== null && !cap.notReached) headline += `; measured bracket ${formatRps(b.metRps)}–${formatRps(b.failedRps)} offered`;
  }
  const ref = result.refinement;
  if (ref && (ref.refineSteps > 0 || ref.bracket)) {
    const why: Record<string, string> = {
      precision: 'the bracket reached the precision asked',
      'max-duration': "the next step would have run past the pattern's duration",
      'stop-rule': 'a stop rule ended the run',
      'schedule-ended': 'the schedule ended before the next step',
      unjudged: 'a step could not be judged',
      'not-reached': 'no step failed',
      'below-first-step': 'the first step failed',
    };
    const steps = ref.steps.filter((x) => x.phase === 'refine').map((x) => `${formatRps(x.offeredRps)} ${x.met ? 'met' : 'failed'}`);
    rows.push({
      label: 'Refinement (bisection)',
      value: `${ref.refineSteps} step${ref.refineSteps === 1 ? '' : 's'} after the coarse ramp${steps.length ? ` (${steps.join(', ')})` : ''}, adding ${ref.addedSec} s; stopped because ${why[ref.stoppedBy ?? ''] ?? 'the run ended'}`,
    });
  }
  if (cap.recommendedMaxRps !== null) {
    rows.push({
      label: 'Recommended headroom',
      value: `${formatPct(cap.headroom)} below the max sustainable load: plan for at most ${formatRps(cap.recommendedMaxRps)}`,
    });
  }
  return { ...base, headline, rows };
}

/** The highest achieved step rate (else the peak second), the load the run actually reached. */
function highestLoadTried(result: Result): number | null {
  const stepMax = maxOf(result.steps.map((s) => s.offeredRps ?? s.rps));
  return stepMax ?? (result.timeline.length ? result.summary.peakRps : null);
}

function phasesText(result: Result): string | null {
  const ph = result.analysis!.phases;
  const parts: string[] = [];
  if (ph.linearUntilRps !== null) parts.push(`linear until ${formatRps(ph.linearUntilRps)}`);
  if (ph.knee) parts.push(`knee at ${formatRps(ph.knee.rps)} (p95 ${formatMs(ph.knee.p95Ms)})`);
  else if (result.steps.length > 1) parts.push('no knee');
  if (ph.collapse) parts.push(`collapse at ${formatRps(ph.collapse.rps)} (errors ${formatPct(ph.collapse.errorRate)})`);
  else if (result.steps.length > 1) parts.push('no collapse');
  return parts.length ? parts.join('; ') : null;
}

function uslText(result: Result): string {
  const u = result.analysis!.usl;
  if (!u) return 'not fitted in this analysis.';
  const dominant =
    u.dominant === 'contention'
      ? ' Contention (queueing on a shared resource) dominates.'
      : u.dominant === 'coherency'
        ? ' Coherency (crosstalk between workers) dominates: throughput falls past the peak.'
        : u.dominant === 'none'
          ? ' Neither contention nor coherency is significant.'
          : '';
  const peak = u.peakConcurrency === null ? 'no peak within reach (κ ≈ 0)' : `throughput peaks near concurrency ${formatNumber(u.peakConcurrency)}`;
  // the fit's peak throughput is a model figure: never given as measured capacity
  const model = typeof u.peakThroughput === 'number' ? ` The model's peak throughput, ${formatRps(u.peakThroughput)}, is a model figure, not a measured capacity.` : '';
  return `σ = ${formatNumber(u.sigma)} (contention), κ = ${formatNumber(u.kappa)} (coherency), λ = ${formatNumber(u.lambda)} req/s per unit of concurrency; ${peak}; r² = ${formatNumber(u.r2)}.${dominant}${model}`;
}

// ---------------------------------------------------------------------------------------------
// Findings and recommendations

function findingModel(d: Diagnosis, result: Result): FindingModel {
  const ph = result.analysis?.phases;
  const atLoad = ph?.knee
    ? `latency bent at ${formatRps(ph.knee.rps)} (the knee, p95 ${formatMs(ph.knee.p95Ms)})`
    : ph?.collapse
      ? `errors took over at ${formatRps(ph.collapse.rps)} (the collapse, errors ${formatPct(ph.collapse.errorRate)})`
      : null;
  return { id: d.id, title: d.title, confidence: formatPct(d.confidence), atLoad, evidence: d.evidence.map(richFromBackticks) };
}

/**
 * Analysis sentences may quote code between backticks (`node --cpu-prof`): those spans become code
 * parts, the rest stays text. An unpaired backtick stays a literal character.
 */
export function richFromBackticks(text: string): RichText {
  const out: RichText = [];
  const re = /`([^`]+)`/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push({ code: m[1]! });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function noBottleneckReason(result: Result): RichText {
  if (!result.analysis) return ['This result carries no analysis (run ', { code: 'loadproof analyze' }, ' on it).'];
  if (result.verdict === 'invalid') return ['Not judged: the results are not valid, so they say nothing about the target.'];
  const targetSeries = Object.values(result.watch).filter((s) => s.role !== 'generator');
  if (result.analysis.capacity.notReached) {
    return ['Nothing saturated: the SLO held at the highest load tried, so no resource reached its limit.'];
  }
  if (targetSeries.length === 0 && result.source !== 'loadproof') {
    return [`The ${result.source} result records nothing about the target's resources, so no cause can be named.`];
  }
  if (targetSeries.length === 0) {
    return [
      'Nothing watched the target during the run, so the cause of the slowdown cannot be told apart; add ',
      { code: 'watch:' },
      ' items to the plan.',
    ];
  }
  return ['The evidence supports none of the known diagnoses; an empty list is the honest answer.'];
}

function recommendations(result: Result): RecommendationModel[] {
  const out: RecommendationModel[] = [];
  const a = result.analysis;
  const untested = result.verdict === 'invalid' && (a?.validity.some((v) => v.severity === 'invalid' && v.id === UNTESTED_RULE_ID) ?? false);
  const mostlyFailed = result.verdict === 'invalid' && !untested && (a?.validity.some((v) => v.severity === 'invalid' && v.id === MOSTLY_FAILED_RULE_ID) ?? false);
  if (mostlyFailed) {
    out.push({
      text: ['Find why the service fails before judging its speed: most requests failed, so the latency figures describe failures; see the diagnoses below, or lower the load until errors stay within the error budget.'],
      from: null,
      handoff: null,
    });
  } else if (result.verdict === 'invalid') {
    out.push({
      text: untested
        ? ['Fix the test, not the service: the requests failed because of the test itself (credentials, URLs, test data, a capture that never matched); check them with a smoke run, then run again.']
        : ['Make the measurement valid first: address the validity problems listed at the top and run again; these figures describe the load generator, not the target.'],
      from: null,
      handoff: null,
    });
  }
  // a run that did not test the service says nothing about the service's causes
  for (const d of untested ? [] : (a?.diagnoses ?? [])) out.push({ text: richFromBackticks(d.recommendation), from: d.id, handoff: d.handoff });
  if (a?.capacity.notReached && result.verdict !== 'invalid') {
    const highest = highestLoadTried(result);
    out.push({
      text: [
        `Capacity was not reached${highest !== null ? ` at ${formatRps(highest)}` : ''}: run a breakpoint pattern starting from this load to find where the system bends.`,
      ],
      from: null,
      handoff: null,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tables

/** Index of the step closest to `rps` (by offered load, else achieved). */
function nearestStep(steps: StepResult[], rps: number): number {
  let best = -1;
  let bestD = Infinity;
  steps.forEach((s, i) => {
    const d = Math.abs((s.offeredRps ?? s.rps) - rps);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  });
  return best;
}

function clock(sec: number): string {
  const s = Math.round(sec);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function stepRows(result: Result): StepRow[] {
  const steps = result.steps;
  const notes = steps.map((s) => (s.steady === false ? ['ramp'] : ([] as string[])));
  const ph = result.analysis?.phases;
  if (ph?.knee && steps.length) notes[nearestStep(steps, ph.knee.rps)]!.push('knee');
  if (ph?.collapse && steps.length) notes[nearestStep(steps, ph.collapse.rps)]!.push('collapse');
  return steps.map((s, i) => ({
    step: String(s.index + 1),
    window: `${clock(s.startSec)}–${clock(s.endSec)}`,
    offered: s.offeredRps === null ? NONE : formatRps(s.offeredRps),
    achieved: formatRps(s.rps),
    p50: formatMs(s.latencyMs.p50),
    p95: formatMs(s.latencyMs.p95),
    p99: formatMs(s.latencyMs.p99),
    errors: formatPct(s.errorRate),
    concurrency: formatNumber(s.concurrency),
    note: notes[i]!.join(', '),
  }));
}

function endpointRows(result: Result): EndpointRow[] {
  return result.endpoints.map((e) => ({
    name: e.name,
    method: e.method,
    requests: formatCount(e.requests),
    errors: `${formatPct(e.errorRate)} (${formatCount(e.errors)})`,
    p50: formatMs(e.latencyMs.p50),
    p95: formatMs(e.latencyMs.p95),
    p99: formatMs(e.latencyMs.p99),
    max: formatMs(e.latencyMs.max),
    statusCodes: outcomesText(e.statusCodes, e.errorKinds),
    ...(e.protocol !== undefined ? { protocol: e.protocol } : {}),
  }));
}

/**
 * "200: 11,575 · 500: 4 · timeout: 2,233": status codes, then the error kinds that carry no status
 * (a timeout or a reset has no answer). `status` errors are already counted under their codes.
 */
function outcomesText(codes: Record<string, number>, kinds: EndpointResult['errorKinds']): string {
  const parts = Object.entries(codes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, n]) => `${code}: ${formatCount(n)}`);
  for (const [kind, n] of Object.entries(kinds ?? {})) {
    if (kind !== 'status' && n) parts.push(`${kind}: ${formatCount(n)}`);
  }
  return parts.join(' · ') || NONE;
}

function seriesRows(result: Result): SeriesRow[] {
  return Object.entries(result.watch).map(([name, s]) => {
    const values = s.points.map((p) => p[1]).filter((v): v is number => v !== null && Number.isFinite(v));
    const gaps = s.points.length - values.length;
    const mean = values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
    return {
      name,
      unit: s.unit,
      role: s.role ?? NONE,
      min: formatSeriesValue(values.length ? Math.min(...values) : null, s.unit),
      mean: formatSeriesValue(mean, s.unit),
      max: formatSeriesValue(values.length ? Math.max(...values) : null, s.unit),
      last: formatSeriesValue(values.length ? values[values.length - 1] : null, s.unit),
      gaps,
    };
  });
}

function keyFigures(result: Result): string {
  const s = result.summary;
  const peak = result.timeline.length ? ` (peak ${formatRps(s.peakRps)})` : '';
  return [
    `${formatCount(s.requests)} requests in ${formatSeconds(result.durationSec)}`,
    `throughput ${formatRps(s.throughputRps)}${peak}`,
    `errors ${formatPct(s.errorRate)}`,
    `p50 ${formatMs(s.latencyMs.p50)}`,
    `p95 ${formatMs(s.latencyMs.p95)}`,
    `p99 ${formatMs(s.latencyMs.p99)}`,
    ...((s.lowerBoundRequests ?? 0) > 0 ? [`${formatCount(s.lowerBoundRequests!)} timed out or unanswered (in the latency at their outstanding time, a lower bound)`] : []),
  ].join(' · ');
}

/** Rich text as plain text (terminal, JUnit messages): code parts lose their marks. */
export function plainText(text: RichText): string {
  return text.map((p) => (typeof p === 'string' ? p : p.code)).join('');
}
