/**
 * JUnit XML (`report --format junit`), for CI servers: one `<testcase>` per criterion, named
 * `metric condition` (e.g. `http_req_duration p(95)<200`) with the plan's name as its class, and a
 * `<failure>` carrying the observed value when the criterion failed. An aborted run and an invalid
 * run each add one failing testcase that says so, since a CI reader must not see green for a run
 * whose numbers cannot be trusted or that the incident guard stopped. A run compared with a
 * baseline (`run --baseline`) adds `no significant regression against baseline …`, failing on a
 * significant regression.
 *
 * The format is the de-facto schema read by Jenkins, GitLab and GitHub test reporters:
 * `<testsuites>` › `<testsuite>` › `<testcase>` › `<failure message type>`.
 */
import type { Result } from '../result/types.js';
import { criterionLabel, criterionName, criterionParts, formatInUnit, formatThreshold } from './criteria.js';
import { escapeXml } from './escape.js';
import { formatSeconds } from './format.js';
import { formatChange, METRIC_TEXT, type MetricDelta } from '../result/comparison.js';

function describeDelta(d: MetricDelta): string {
  const ci = d.ci ? ` [${formatChange(d.ci[0], d.changeKind)}, ${formatChange(d.ci[1], d.changeKind)}]` : '';
  return `${METRIC_TEXT[d.metric]}: ${d.a ?? '—'} → ${d.b ?? '—'} (${formatChange(d.change, d.changeKind)}${ci})`;
}

const x = escapeXml;

interface Case {
  name: string;
  failure: { message: string; type: string; detail: string } | null;
}

/** Renders the JUnit XML document. */
export function renderJunit(result: Result): string {
  const suite = result.plan.name || result.plan.target || 'loadproof';
  const cases: Case[] = result.criteria.map((c) => {
    const observed = formatInUnit(c.observed, criterionParts(c).unit);
    const name = criterionName(c);
    if (c.pass) return { name, failure: null };
    const message =
      c.observed === null
        ? `${name}: nothing was observed (${c.note ?? 'no samples for this metric'})`
        : `${name}: observed ${criterionLabel(c)} ${observed}, threshold ${formatThreshold(c)}`;
    return { name, failure: { message, type: 'threshold', detail: `observed: ${c.observed === null ? 'none' : String(c.observed)}${c.unit ? ` ${c.unit}` : ''}` } };
  });
  if (result.verdict === 'aborted') {
    const stop = result.stop;
    const rule = stop?.rule ? ` by rule ${stop.rule}` : '';
    const at = stop?.atSec !== undefined ? ` at ${formatSeconds(stop.atSec)}` : '';
    cases.push({
      name: 'run completed without an abort',
      failure: {
        message: `the incident guard stopped the run${rule}${at}`,
        type: 'aborted',
        detail: stop?.message ?? '',
      },
    });
  }
  if (result.verdict === 'invalid') {
    const notes = result.analysis?.validity.filter((v) => v.severity === 'invalid') ?? [];
    cases.push({
      name: 'results are valid',
      failure: {
        message: notes.length ? `results not valid: ${notes.map((n) => n.id).join(', ')}` : 'results not valid',
        type: 'invalid',
        detail: notes.map((n) => `${n.id}: ${n.message}`).join('\n'),
      },
    });
  }
  const base = result.baseline;
  if (base) {
    // a significant regression against the baseline fails the build even when every threshold passed
    cases.push({
      name: `no significant regression against baseline ${base.a.label}`,
      failure:
        base.verdict === 'regression'
          ? { message: base.statement, type: 'regression', detail: base.overall.metrics.filter((d) => d.direction === 'worse').map(describeDelta).join('\n') }
          : null,
    });
  }
  const failures = cases.filter((c) => c.failure).length;
  const time = result.durationSec.toFixed(3);
  const lines: string[] = [];
  lines.push('<?xml version="1.0" encoding="UTF-8"?>');
  lines.push(`<testsuites name="loadproof" tests="${cases.length}" failures="${failures}" errors="0" time="${time}">`);
  lines.push(
    `  <testsuite name="${x(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${time}" timestamp="${x(result.startedAt)}">`,
  );
  lines.push('    <properties>');
  const props: Array<[string, string]> = [
    ['verdict', result.verdict],
    ['source', result.source],
    ['tool', `${result.tool.name} ${result.tool.version}`],
    ['target', result.plan.target],
    ['hypothesis', result.plan.hypothesis ?? ''],
    ['requests', String(result.summary.requests)],
    ['errorRate', String(result.summary.errorRate)],
    ['throughputRps', String(result.summary.throughputRps)],
    ['p95Ms', String(result.summary.latencyMs.p95)],
  ];
  for (const [k, v] of props) lines.push(`      <property name="${x(k)}" value="${x(v)}"/>`);
  lines.push('    </properties>');
  for (const c of cases) {
    const head = `    <testcase name="${x(c.name)}" classname="${x(suite)}" time="0"`;
    if (!c.failure) {
      lines.push(`${head}/>`);
      continue;
    }
    lines.push(`${head}>`);
    lines.push(`      <failure message="${x(c.failure.message)}" type="${x(c.failure.type)}">${x(c.failure.detail)}</failure>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>');
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
