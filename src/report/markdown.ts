/**
 * `report.md`: the report a team reads and forwards, in the order of the questions it answers —
 * did the hypothesis hold, can the numbers be trusted, what was run, what was measured, how much
 * can the system take, what broke first, what to do — then the per-step and per-endpoint tables.
 *
 * Also the terminal summary (`renderSummary`) that `run`, `import` and `demo` print at the end.
 * Pure functions: a result in, a string out.
 */
import type { Result } from '../result/types.js';
import { escapeMarkdown, markdownCode } from './escape.js';
import { baselineMarkdown, baselineSummaryLine } from './baseline.js';
import { buildReportModel, plainText, type KeyValueRow, type ReportModel, type RichText, type RowStatus } from './model.js';

/** Renders `report.md`. */
export function renderMarkdown(result: Result): string {
  const text = markdownFromModel(buildReportModel(result));
  const baseline = baselineMarkdown(result);
  // the comparison with the baseline is read right after the verdict, before the configuration
  return baseline ? text.replace('### Test Configuration', `${baseline}\n\n### Test Configuration`) : text;
}

const md = escapeMarkdown;

function rich(text: RichText): string {
  return text.map((part) => (typeof part === 'string' ? md(part) : markdownCode(part.code))).join('');
}

/** A GFM table; every cell is already Markdown (escaped by the caller). */
function table(head: string[], rows: string[][], align?: Array<'l' | 'r'>): string {
  const sep = head.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  return [head, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function keyValueTable(rows: KeyValueRow[]): string {
  return table(
    ['Setting', 'Value'],
    rows.map((r) => [md(r.label), md(r.value)]),
  );
}

function status(s: RowStatus): string {
  return s === 'pass' ? '✅ Pass' : s === 'fail' ? '❌ Fail' : '—';
}

const OUTCOME_ICON: Record<ReportModel['outcome'], string> = {
  held: '✅',
  refuted: '❌',
  invalid: '⚠️',
  aborted: '🛑',
  'no-criteria': 'ℹ️',
};

export function markdownFromModel(m: ReportModel): string {
  const out: string[] = [];
  out.push(`## ${md(m.title)}`);
  out.push(m.hypothesis ? `**Hypothesis:** ${md(m.hypothesis)}` : '**Hypothesis:** none stated.');
  const verdict = [`${OUTCOME_ICON[m.outcome]} **${md(m.outcomeLabel)}**: ${rich(m.verdictText)}`];
  for (const d of m.verdictDetails) verdict.push(`${d.indent ? '  ' : ''}- ${rich(d.text)}`);
  out.push(verdict.join('\n'));

  // Validity first: an invalid result says so before any number is shown.
  if (m.validity.invalid.length) {
    out.push(
      [
        '> **⚠️ These results are not valid.** Do not read the numbers below as the target’s behaviour:',
        ...m.validity.invalid.map((v) => `> - ${md(v.message)} (${markdownCode(v.id)})`),
      ].join('\n'),
    );
  }
  if (m.validity.warn.length) {
    out.push(['**Warnings**', '', ...m.validity.warn.map((v) => `- ⚠️ ${md(v.message)} (${markdownCode(v.id)})`)].join('\n'));
  }

  out.push('### Test Configuration');
  out.push(keyValueTable(m.configuration));

  out.push('### Results Summary');
  out.push(
    table(
      ['Metric', 'Result', 'Threshold', 'Pass/Fail'],
      m.summaryRows.map((r) => [
        r.criterion ? `${md(r.metric)} (${markdownCode(r.criterion)})` : md(r.metric),
        md(r.result),
        md(r.threshold),
        status(r.status),
      ]),
      ['l', 'r', 'r', 'l'],
    ),
  );
  if (m.redFlags.length) out.push(['**Red flags**', '', ...m.redFlags.map((f) => `- 🚩 ${md(f)}`)].join('\n'));

  out.push('### Capacity Estimate');
  if (m.capacity) {
    const c = m.capacity;
    const lines: string[] = [];
    if (c.statement) lines.push(md(c.statement), '');
    for (const r of c.rows) lines.push(`- **${md(r.label)}:** ${md(r.value)}`);
    if (c.phases) lines.push(`- **Phases:** ${md(c.phases)}`);
    for (const n of c.phaseNotes) lines.push(`  - ${md(n)}`);
    lines.push(`- **USL fit:** ${md(c.usl)}`);
    out.push(lines.join('\n'));
  } else {
    out.push('No analysis in this result: capacity was not estimated.');
  }

  out.push('### Bottleneck Found');
  if (m.saturation) {
    out.push(
      [
        md(m.saturation.headline),
        '',
        '| resource | limit | saturated at | how | value there |',
        '|---|---|---|---|---|',
        ...m.saturation.rows.map((r) => `| ${md(r.resource)} | ${md(r.limit)} | ${md(r.at)} | ${md(r.how)} | ${md(r.value)} |`),
      ].join('\n'),
    );
  }
  if (m.bottleneck) {
    const b = m.bottleneck;
    const lines = [`**${md(b.title)}** (${markdownCode(b.id)}, confidence ${md(b.confidence)})`];
    if (b.atLoad) lines.push('', `First at load: ${md(b.atLoad)}.`);
    if (b.evidence.length) lines.push('', 'Evidence:', ...b.evidence.map((e) => `- ${rich(e)}`));
    if (m.otherFindings.length) {
      lines.push(
        '',
        `Also supported by the evidence: ${m.otherFindings.map((f) => `${md(f.title)} (${markdownCode(f.id)}, ${md(f.confidence)})`).join('; ')}.`,
      );
    }
    out.push(lines.join('\n'));
  } else {
    out.push(rich(m.noBottleneckReason ?? []));
  }

  out.push('### Recommendations');
  if (m.recommendations.length) {
    out.push(
      m.recommendations
        .map((r, i) => {
          const tail = [r.from ? `from ${markdownCode(r.from)}` : '', r.handoff ? `handoff: **${md(r.handoff)}**` : '']
            .filter(Boolean)
            .join(' · ');
          return `${i + 1}. ${rich(r.text)}${tail ? ` — ${tail}` : ''}`;
        })
        .join('\n'),
    );
  } else {
    out.push('No action follows from this run’s evidence.');
  }

  out.push('### Per-step results');
  if (m.steps.length) {
    out.push(
      table(
        ['Step', 'Window', 'Offered', 'Achieved', 'p50', 'p95', 'p99', 'Errors', 'Concurrency', 'Note'],
        m.steps.map((s) => [s.step, s.window, s.offered, s.achieved, s.p50, s.p95, s.p99, s.errors, s.concurrency, s.note].map(md)),
        ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
      ),
    );
  } else {
    out.push('No steps: the result has no stretches of constant load to compare.');
  }

  out.push('### Per-endpoint results');
  if (m.endpoints.length) {
    // the Protocol column only when the result records one (results before HTTP/2 support do not)
    const proto = m.endpoints.some((e) => e.protocol !== undefined);
    out.push(
      table(
        ['Endpoint', 'Method', ...(proto ? ['Protocol'] : []), 'Requests', 'Errors', 'p50', 'p95', 'p99', 'Max', 'Status codes'],
        m.endpoints.map((e) => [
          markdownCode(e.name),
          md(e.method),
          ...(proto ? [md(e.protocol ?? '')] : []),
          ...[e.requests, e.errors, e.p50, e.p95, e.p99, e.max, e.statusCodes].map(md),
        ]),
        ['l', 'l', ...(proto ? ['l' as const] : []), 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
      ),
    );
  } else {
    out.push('No per-endpoint figures in this result.');
  }

  if (m.series.length) {
    out.push('### Watched series');
    out.push(
      table(
        ['Series', 'Role', 'Min', 'Mean', 'Max', 'Last', 'Gaps'],
        m.series.map((s) => [markdownCode(s.name), md(s.role), md(s.min), md(s.mean), md(s.max), md(s.last), String(s.gaps)]),
        ['l', 'l', 'r', 'r', 'r', 'r', 'r'],
      ),
    );
  }

  if (m.limitations.length) {
    out.push('### Limitations of the source');
    out.push(m.limitations.map((l) => `- ${md(l)}`).join('\n'));
  }
  const notes = [...m.validity.info.map((v) => `${md(v.message)} (${markdownCode(v.id)})`), ...m.warnings.map(md)];
  if (notes.length) {
    out.push('### Notes');
    out.push(notes.map((n) => `- ${n}`).join('\n'));
  }
  return `${out.join('\n\n')}\n`;
}

/**
 * The few lines printed at the end of `run`, `import` and `demo`: the verdict, the key figures,
 * the capacity and the top finding. Plain text (it goes to a terminal), no Markdown tables.
 */
export function renderSummary(result: Result): string {
  const m = buildReportModel(result);
  const plain = plainText;
  const lines: string[] = [];
  lines.push(`${m.outcomeLabel}: ${plain(m.verdictText)}`);
  for (const d of m.verdictDetails) lines.push(`${d.indent ? '    ' : '  '}- ${plain(d.text)}`);
  if (result.stop?.reason === 'interrupted') {
    const at = result.stop.atSec !== undefined ? ` at ${Math.round(result.stop.atSec)}s` : '';
    lines.push(`  - interrupted${at}${result.stop.message ? ` (${result.stop.message})` : ''}: the figures cover the run until then.`);
  }
  for (const v of m.validity.invalid) lines.push(`  ! ${v.message}`);
  for (const v of m.validity.warn) lines.push(`  warning: ${v.message}`);
  lines.push(m.keyFigures);
  const baseline = baselineSummaryLine(result);
  if (baseline) lines.push(baseline);
  if (m.capacity?.headline) lines.push(`Capacity: ${m.capacity.headline}`);
  if (m.capacity?.phases && m.verdict !== 'invalid') lines.push(`Phases: ${m.capacity.phases}`);
  if (m.bottleneck) {
    lines.push(`Bottleneck: ${m.bottleneck.title} (${m.bottleneck.id}, confidence ${m.bottleneck.confidence})`);
    const first = m.recommendations.find((r) => r.from === m.bottleneck!.id);
    if (first) lines.push(`Next: ${plain(first.text)}${first.handoff ? ` [handoff: ${first.handoff}]` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
