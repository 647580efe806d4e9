/**
 * Plan → a `hey` command line (a POSIX shell script with the limits as comments). hey runs -c
 * workers for -z seconds; with -q each worker is paced at that many requests per second, so an
 * open-model plan's peak rate becomes -c × -q. A worker still waits for its response before its next
 * send: a slow server lowers hey's rate (closed loop), which the output says.
 */
import type { Plan } from '../../plan/schema.js';
import { shellQuote, shellWord, singleRequest } from '../common/single-request.js';
import { wantsHttp2 } from '../common/http-version.js';

export function exportHey(plan: Plan, file = 'plan'): string {
  const r = singleRequest(plan, 'hey', file, { h2OverTls: true });
  const { shape } = r;
  const cannot = [...r.cannot];
  const args: string[] = ['hey', `-z ${shape.totalSec}s`];
  let model: string;
  if (shape.model === 'open') {
    const c = plan.load?.connections ?? Math.max(1, Math.min(50, Math.ceil(shape.peak / 20)));
    const q = Math.round((shape.peak / c) * 1000) / 1000;
    args.push(`-c ${c}`, `-q ${q}`);
    model = `# open model: ${shape.peak} requests/s at peak = -c ${c} workers × -q ${q} requests/s each`;
    cannot.push('an open model exactly: each hey worker waits for its response before the next send, so a slow server lowers the rate and latency is measured from the actual send (coordinated omission)');
  } else {
    args.push(`-c ${Math.max(1, Math.round(shape.peak))}`);
    model = `# closed model: ${Math.round(shape.peak)} virtual users at peak = -c ${Math.max(1, Math.round(shape.peak))} workers, each sending as soon as its response arrives`;
  }
  if (wantsHttp2(plan) === 'tls') args.push('-h2');
  if (r.method !== 'GET') args.push(`-m ${r.method}`);
  for (const [k, v] of r.headers) args.push(`-H ${shellWord([{ kind: 'text', text: `${k}: ` }, ...v])}`);
  if (r.contentType) args.push(`-T ${shellQuote(r.contentType)}`);
  if (r.body) args.push(`-d ${shellWord(r.body)}`);
  if (r.step.timeoutMs) args.push(`-t ${Math.max(1, Math.ceil(r.step.timeoutMs / 1000))}`);
  args.push(shellWord(r.url));
  return [
    '#!/bin/sh',
    `# hey command exported by loadproof from the plan "${plan.name}".`,
    model,
    '# Import the output with: loadproof import hey.txt (or -o csv for per-request times)',
    '# What hey cannot express from this plan:',
    ...(cannot.length ? cannot.map((c) => `#   - ${c}`) : ['#   - nothing: this plan is a single request at one load']),
    args.join(' \\\n  '),
    '',
  ].join('\n');
}
