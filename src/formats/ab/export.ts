/**
 * Plan → an ApacheBench (`ab`) command line (a POSIX shell script with the limits as comments).
 * ab keeps -c requests in flight for -t seconds (closed loop, no rate limit): a closed-model plan
 * maps onto -c; an open-model plan cannot be expressed, and its peak rate is shown next to the
 * concurrency used. A request body goes through a temporary file (-p/-u), as ab requires.
 */
import type { Plan } from '../../plan/schema.js';
import { shellQuote, shellWord, singleRequest } from '../common/single-request.js';

/** ab's -t sets its request cap to 50,000 (MAX_REQUESTS) unless -n follows */
const AB_DEFAULT_CAP = 50_000;

export function exportAb(plan: Plan, file = 'plan'): string {
  const r = singleRequest(plan, 'ab', file);
  const { shape } = r;
  const cannot = [...r.cannot];
  const args: string[] = ['ab', `-t ${shape.totalSec}`];
  let model: string;
  if (shape.model === 'open') {
    const c = plan.load?.connections ?? Math.max(1, Math.min(100, Math.ceil(shape.peak / 10)));
    args.push(`-c ${c}`);
    model = `# the plan is open-model (${shape.peak} requests/s at peak); ab has no rate limit: -c ${c} requests kept in flight, as fast as they return`;
    cannot.push('an arrival rate (open model): ab sends as fast as its -c connections allow');
  } else {
    const c = Math.max(1, Math.round(shape.peak));
    args.push(`-c ${c}`);
    model = `# closed model: ${c} virtual users at peak = -c ${c} requests in flight`;
  }
  // -n after -t lifts ab's 50,000 cap when the plan may send more (ab keeps one record per request)
  const expected = shape.model === 'open' ? Math.ceil(shape.peak * shape.totalSec) : 0;
  if (expected > AB_DEFAULT_CAP) args.push(`-n ${expected}`);
  else cannot.push(`more than ${AB_DEFAULT_CAP.toLocaleString('en-US')} requests: ab -t stops there (add -n N after -t to raise it)`);
  args.push('-k');
  for (const [k, v] of r.headers) args.push(`-H ${shellWord([{ kind: 'text', text: `${k}: ` }, ...v])}`);
  const lines: string[] = [];
  if (r.body) {
    lines.push('BODY=$(mktemp)', 'trap \'rm -f "$BODY"\' EXIT', `printf '%s' ${shellWord(r.body)} > "$BODY"`);
    args.push(r.method === 'PUT' ? '-u "$BODY"' : '-p "$BODY"');
    args.push(`-T ${shellQuote(r.contentType ?? 'text/plain')}`);
    if (r.method !== 'POST' && r.method !== 'PUT') args.push(`-m ${r.method}`);
  } else if (r.method !== 'GET') args.push(`-m ${r.method}`);
  if (r.step.timeoutMs) args.push(`-s ${Math.max(1, Math.ceil(r.step.timeoutMs / 1000))}`);
  // ab needs a path: "http://host:port" alone is refused
  const url = r.url.length === 1 && r.url[0]!.kind === 'text' && /^https?:\/\/[^/]+$/.test(r.url[0]!.text) ? [{ kind: 'text' as const, text: r.url[0]!.text + '/' }] : r.url;
  args.push(shellWord(url));
  return [
    '#!/bin/sh',
    `# ab command exported by loadproof from the plan "${plan.name}".`,
    model,
    '# Import the output with: loadproof import ab.txt (add -g ab.tsv for per-request times)',
    '# What ab cannot express from this plan:',
    ...cannot.map((c) => `#   - ${c}`),
    'set -e',
    ...lines,
    args.join(' \\\n  '),
    '',
  ].join('\n');
}
