/**
 * Docs that stay true: README.md, docs/*.md and bench/README.md.
 *
 * 1. Every relative link resolves: the file (or folder) exists, and a `#fragment` names a heading
 *    of the target file by GitHub's slug rules (lower case; characters other than letters, digits,
 *    `_`, `-` and spaces dropped; spaces to `-`; a repeated slug gets `-1`, `-2`, …).
 *
 * 2. Every loadproof command the docs show is checked, by this rule:
 *    - A *command* is a line of a fenced code block tagged `sh`, `bash` or `shell` (continuation
 *      lines joined, the trailing `# comment` dropped) that calls `npx loadproof` or `loadproof`,
 *      at its start or after `|`, `&&` or `;`; or an inline code span that starts with `loadproof `
 *      or `npx loadproof ` (a synopsis such as `loadproof analyze <result.json> [--slo …]`), or
 *      with the name of a subcommand followed by a flag (`run --segment i/N`, `export --to k6`).
 *    - Every command's subcommand must exist and every flag it shows (`-x`, `--name`) must be one
 *      that subcommand's `--help` lists: this is what catches a renamed or removed flag.
 *    - Code-block commands whose subcommand is offline and bounded are then run: through `sh -c`
 *      (so pipes and quotes mean what they mean to a user), with `npx loadproof` / `loadproof`
 *      being bin/loadproof.js, each in a fresh temporary directory. `init` runs in an empty one (it
 *      writes the plan it is given); the others in a copy of a workspace holding the files the docs
 *      name: `examples/` (the repository's), `plan.yaml` (examples/plan-example.yaml), the interop
 *      fixtures of src/formats/<tool>/fixtures under the names the docs use (WORKSPACE_FILES) and
 *      `results/result.json` (imported from the k6 summary).
 *      A run fails the test when it exits 2 (usage or bad input), 5 (internal error) or is
 *      killed by the timeout; verdict codes (0, 1, 3, 4) are outcomes, not doc errors.
 *    - SKIPPED below lists the subcommands that are never run, with the reason (they send load or
 *      need a cluster or files of a distributed run); their flags are still checked.
 * The test prints how many commands were run, skipped and flag-checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { BIN, REPO_ROOT, runCli } from '../helpers/cli.js';
import { RULES } from '../../src/analysis/diagnose.js';

/** Subcommands never run by this test, and why. Their flags are checked against `--help`. */
const SKIPPED: Record<string, string> = {
  run: 'sends load',
  quick: 'sends load',
  demo: 'starts a service and sends load',
  merge: 'needs the shards of a distributed run (run --segment)',
  'k8s --apply': 'needs a Kubernetes cluster',
};

const RUN_TIMEOUT_MS = 30_000;

/** Files of the workspace the runnable commands see: name in the docs → repository file. */
const WORKSPACE_FILES: Record<string, string> = {
  'plan.yaml': 'examples/plan-example.yaml',
  'k6-summary.json': 'src/formats/k6/fixtures/k6-summary.json',
  'ab.txt': 'src/formats/ab/fixtures/ab.txt',
  'ab-gnuplot.tsv': 'src/formats/ab/fixtures/ab-gnuplot.tsv',
  'ab-percentiles.csv': 'src/formats/ab/fixtures/ab-percentiles.csv',
  'run_stats.csv': 'src/formats/locust/fixtures/run_stats.csv',
  'run_stats_history.csv': 'src/formats/locust/fixtures/run_stats_history.csv',
  'run_failures.csv': 'src/formats/locust/fixtures/run_failures.csv',
  'run_exceptions.csv': 'src/formats/locust/fixtures/run_exceptions.csv',
  'simulation.log': 'src/formats/gatling/fixtures/simulation.log',
  'artillery.yml': 'src/formats/artillery/fixtures/script.yml',
};

/** The documentation checked: README.md, every docs/*.md, bench/README.md. */
function docFiles(): string[] {
  const docs = readdirSync(resolve(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs, 'bench/README.md'];
}

interface Line {
  text: string;
  line: number;
}

/** Splits a Markdown file into prose lines and fenced code blocks (with their info string). */
function parseMarkdown(text: string): { prose: Line[]; blocks: Array<{ lang: string; lines: Line[] }> } {
  const prose: Line[] = [];
  const blocks: Array<{ lang: string; lines: Line[] }> = [];
  let block: { lang: string; lines: Line[]; fence: string } | null = null;
  text.split('\n').forEach((raw, i) => {
    const fence = /^\s*(`{3,}|~{3,})\s*([^\s`]*)/.exec(raw);
    if (block) {
      if (fence && fence[1]!.startsWith(block.fence) && raw.trim() === fence[1]) {
        blocks.push({ lang: block.lang, lines: block.lines });
        block = null;
      } else block.lines.push({ text: raw, line: i + 1 });
    } else if (fence) block = { lang: fence[2]!.toLowerCase(), lines: [], fence: fence[1]! };
    else prose.push({ text: raw, line: i + 1 });
  });
  return { prose, blocks };
}

/** GitHub's heading slug (github-slugger): lower case, punctuation dropped, spaces to hyphens. */
export function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/`/g, '')
    .replace(/\*\*|\*/g, '');
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a Markdown file's headings, with GitHub's `-1`, `-2` suffixes for repeats. */
function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const { prose } = parseMarkdown(readFileSync(file, 'utf8'));
  for (const { text } of prose) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!m) continue;
    const base = githubSlug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const { text } of prose) {
    for (const m of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) out.add(m[1]!);
  }
  return out;
}

/** Prose with inline code spans blanked out (a link inside code is not a link). */
function withoutCode(text: string): string {
  return text.replace(/`[^`]*`/g, (s) => ' '.repeat(s.length));
}

/** Every relative link of a file (repository-relative or absolute) that does not resolve, as `file:line: message`. */
export function deadLinks(file: string): string[] {
  const abs = resolve(REPO_ROOT, file);
  const { prose } = parseMarkdown(readFileSync(abs, 'utf8'));
  const problems: string[] = [];
  const anchorCache = new Map<string, Set<string>>();
  for (const { text, line } of prose) {
    const plain = withoutCode(text);
    const targets = [
      ...[...plain.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
      ...[...plain.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/g)].map((m) => m[1]!),
    ];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      const [path, fragment] = target.split('#', 2) as [string, string | undefined];
      const dest = path === '' ? abs : resolve(dirname(abs), decodeURIComponent(path));
      if (!existsSync(dest)) {
        problems.push(`${file}:${line}: link to ${target}: ${relative(REPO_ROOT, dest)} does not exist`);
        continue;
      }
      if (fragment === undefined || fragment === '') continue;
      if (statSync(dest).isDirectory() || !dest.endsWith('.md')) {
        problems.push(`${file}:${line}: link to ${target}: a #fragment on a file that is not Markdown`);
        continue;
      }
      if (!anchorCache.has(dest)) anchorCache.set(dest, anchorsOf(dest));
      if (!anchorCache.get(dest)!.has(decodeURIComponent(fragment))) {
        problems.push(`${file}:${line}: link to ${target}: no heading with the anchor #${fragment} in ${relative(REPO_ROOT, dest)}`);
      }
    }
  }
  return problems;
}

interface DocCommand {
  where: string;
  /** the command line as a user would type it */
  text: string;
  /** runnable: from a code block (a synopsis from prose is only checked) */
  fromBlock: boolean;
}

/** The loadproof commands of one file, by the rule at the top of this file. */
export function commandsOf(file: string, subcommands: ReadonlySet<string>): DocCommand[] {
  const { prose, blocks } = parseMarkdown(readFileSync(resolve(REPO_ROOT, file), 'utf8'));
  const out: DocCommand[] = [];
  for (const b of blocks) {
    if (!['sh', 'bash', 'shell'].includes(b.lang)) continue;
    let acc = '';
    let start = 0;
    for (const { text, line } of b.lines) {
      if (acc === '') start = line;
      if (text.endsWith('\\')) {
        acc += `${text.slice(0, -1)} `;
        continue;
      }
      const full = stripComment(acc + text).trim();
      acc = '';
      if (/(?:^|[|;&]\s*)(?:npx\s+)?loadproof\s/.test(full)) out.push({ where: `${file}:${start}`, text: full, fromBlock: true });
    }
  }
  // Inline spans may wrap across lines: join the prose, keeping the line of each span's start.
  const joined = prose.map((l) => l.text).join('\n');
  for (const m of joined.matchAll(/`([^`]+)`/g)) {
    const span = m[1]!.replace(/\s*\n\s*/g, ' ').replace(/\\\|/g, '|').trim();
    const bare = /^([a-z][\w-]*)\s+(?:\S+\s+)*?-{1,2}[A-Za-z]/.exec(span);
    let text: string;
    if (/^(?:npx\s+)?loadproof\s+\S/.test(span)) text = span;
    else if (bare && subcommands.has(bare[1]!)) text = `loadproof ${span}`;
    else continue;
    const line = prose[joined.slice(0, m.index).split('\n').length - 1]!.line;
    out.push({ where: `${file}:${line}`, text, fromBlock: false });
  }
  return out;
}

/** Drops a trailing `# comment` (a `#` after whitespace, outside quotes). */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

/** Words of a command line, quotes removed (enough to find the subcommand and its flags). */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** The loadproof invocation of a command line: its subcommand path and the flags it shows. */
export function invocation(line: string, nested: Map<string, Set<string>>): { sub: string[]; flags: string[] } {
  const w = words(line);
  let i = w.findIndex((x, k) => x === 'loadproof' && (k === 0 || ['npx', '|', '&&', ';'].includes(w[k - 1]!)));
  if (i < 0) i = w.indexOf('loadproof');
  const rest = w.slice(i + 1);
  const sub: string[] = [];
  if (rest[0] && !rest[0].startsWith('-')) sub.push(rest[0]);
  const children = sub[0] ? nested.get(sub[0]) : undefined;
  if (children && rest[1] && children.has(rest[1])) sub.push(rest[1]);
  const flags = rest
    .slice(sub.length)
    .flatMap((x) => x.replace(/^\[+/, '').replace(/[\]|,.;:)]+$/, '').split('/'))
    .filter((x) => /^-{1,2}[A-Za-z][\w-]*(=.*)?$/.test(x))
    .map((x) => x.replace(/=.*$/, ''));
  return { sub, flags };
}

/** Flags and subcommands a `--help` text lists. */
export function parseHelp(text: string): { flags: Set<string>; commands: Set<string> } {
  const flags = new Set<string>();
  const commands = new Set<string>();
  let section = '';
  for (const line of text.split('\n')) {
    if (/^\S.*:$/.test(line)) {
      section = line.slice(0, -1).toLowerCase();
      continue;
    }
    if (section === 'options') {
      const head = /^\s{2}(\S.*?)(?:\s{2,}|$)/.exec(line)?.[1];
      if (head) for (const m of head.matchAll(/(?:^|[\s,])(-{1,2}[A-Za-z][\w-]*)/g)) flags.add(m[1]!);
    } else if (section === 'commands') {
      const name = /^\s{2}([a-z][\w-]*)/.exec(line)?.[1];
      if (name) commands.add(name);
    }
  }
  return { flags, commands };
}

/** Runs fn over items two at a time (the CLI's start-up is most of the cost; the machine has 2 cores). */
async function inPairs<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all([worker(), worker()]);
}

function sh(line: string, cwd: string, pathDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn('sh', ['-c', line], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', PATH: `${pathDir}:${process.env.PATH ?? ''}` },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

test('commands are read with their subcommand and flags', () => {
  const nested = new Map([['fit', new Set(['usl', 'knee'])]]);
  assert.deepEqual(invocation("loadproof analyze <result.json> [--slo 'p(95)<200,rate<0.01'] [--headroom 0.4] [--json] [-o/--write FILE]", nested), {
    sub: ['analyze'],
    flags: ['--slo', '--headroom', '--json', '-o', '--write'],
  });
  assert.deepEqual(invocation("printf 'x\\n' | npx loadproof init plan.yaml --yes", nested), { sub: ['init'], flags: ['--yes'] });
  assert.deepEqual(invocation('npm ci && npx loadproof demo', nested), { sub: ['demo'], flags: [] });
  assert.deepEqual(invocation('loadproof fit knee data.csv [--curve concave|convex] [-S 1]', nested), { sub: ['fit', 'knee'], flags: ['--curve', '-S'] });
  const h = parseHelp('Usage: loadproof report [options] <result>\n\nOptions:\n  --format <format>    md | html\n  -o, --output <file>  write\n  -h, --help           help\n\nCommands:\n  usl [options] <csv>  fit\n');
  assert.deepEqual([...h.flags].sort(), ['--format', '--help', '--output', '-h', '-o']);
  assert.deepEqual([...h.commands], ['usl']);
});

test('GitHub slugs: the rule the link check uses', () => {
  assert.equal(githubSlug('`design`: the experiment before it runs'), 'design-the-experiment-before-it-runs');
  assert.equal(githubSlug('Workers (`throughput.mjs --generators loadproof --gen-cpu 0,1 --workers N`)'), 'workers-throughputmjs---generators-loadproof---gen-cpu-01---workers-n');
  assert.equal(githubSlug('Decision: a raw-socket HTTP/1.1 client, not undici'), 'decision-a-raw-socket-http11-client-not-undici');
  assert.equal(githubSlug('Distributed runs: one experiment from N generators'), 'distributed-runs-one-experiment-from-n-generators');
});

test('the link check finds a missing file and a missing heading', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lp-links-'));
  try {
    const md = join(dir, 'x.md');
    writeFileSync(md, '# Title\n\n## A `b` c\n\n[ok](#a-b-c) [ok](x.md#title) [bad](#nope) [gone](missing.md) `[code](missing.md)`\n\n```sh\n[no](missing.md)\n```\n');
    const problems = deadLinks(md);
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0]!, /:5: link to #nope: no heading with the anchor #nope/);
    assert.match(problems[1]!, /:5: link to missing\.md: .*missing\.md does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('docs/diagnoses.md has a section for every diagnosis rule, with the handoff the rule gives', () => {
  const text = readFileSync(resolve(REPO_ROOT, 'docs/diagnoses.md'), 'utf8');
  assert.equal(RULES.length, 13);
  for (const { id } of RULES) {
    const at = text.indexOf(`\n## \`${id}\`\n`);
    assert.ok(at >= 0, `no section for ${id}`);
    const section = text.slice(at + 1).split('\n## ')[0]!;
    const documented = /\*\*Handoff:\*\* `([a-z-]+)`/.exec(section)?.[1];
    const source = readFileSync(resolve(REPO_ROOT, 'src/analysis/rules', `${id}.ts`), 'utf8');
    const given = [...source.matchAll(/'(performance-optimizer|database-reviewer|incident-commander)'/g)].map((m) => m[1]);
    assert.ok(given.length > 0, `no handoff found in the rule ${id}`);
    assert.ok(given.every((h) => h === documented), `${id}: docs say ${documented}, the rule gives ${given.join(', ')}`);
    assert.match(section, /\*\*What to watch:\*\* .+\n- \*\*Evidence it reads\*\*.+\n- \*\*Fix it recommends:\*\* .+/, `${id}: evidence or fix missing`);
  }
});

test('README.md links every page of docs/', () => {
  const readme = readFileSync(resolve(REPO_ROOT, 'README.md'), 'utf8');
  const orphans = docFiles()
    .filter((f) => f.startsWith('docs/'))
    .filter((f) => !readme.includes(`](${f})`) && !readme.includes(`](${f}#`));
  assert.deepEqual(orphans, []);
});

test('every relative link in README.md, docs/ and bench/README.md resolves', () => {
  const files = docFiles();
  assert.ok(files.length >= 10, `expected the docs/ pages, found ${files.join(', ')}`);
  const problems = files.flatMap(deadLinks);
  assert.deepEqual(problems, []);
});

test('every loadproof command shown in the docs has real flags, and the offline ones run', { timeout: 240_000 }, async (t) => {
  // --help of every subcommand the docs use (and of nested ones: fit usl, demo serve)
  type Help = { flags: Set<string>; commands: Set<string> } | null;
  const helpCache = new Map<string, Promise<Help>>();
  const help = (sub: string[]): Promise<Help> => {
    const key = sub.join(' ');
    if (!helpCache.has(key)) helpCache.set(key, runCli([...sub, '--help'], { timeoutMs: RUN_TIMEOUT_MS }).then((r) => (r.code === 0 ? parseHelp(r.stdout) : null)));
    return helpCache.get(key)!;
  };
  const top = (await help([]))!;
  top.commands.delete('help');
  const nested = new Map<string, Set<string>>();
  await inPairs([...top.commands], async (name) => {
    const h = await help([name]);
    if (h && h.commands.size > 0) nested.set(name, h.commands);
  });

  const commands = docFiles().flatMap((f) => commandsOf(f, top.commands));
  const problems: string[] = [];
  let flagChecked = 0;
  for (const c of commands) {
    const { sub, flags } = invocation(c.text, nested);
    if (sub.length === 0 || !top.commands.has(sub[0]!)) {
      if (!(sub.length === 0 && flags.every((f) => top.flags.has(f)))) problems.push(`${c.where}: \`${c.text}\`: no such subcommand ${sub[0] ?? ''}`);
      continue;
    }
    const h = await help(sub);
    if (!h) {
      problems.push(`${c.where}: \`${c.text}\`: \`loadproof ${sub.join(' ')} --help\` failed`);
      continue;
    }
    flagChecked++;
    for (const f of flags) if (!h.flags.has(f)) problems.push(`${c.where}: \`${c.text}\`: ${sub.join(' ')} has no flag ${f}`);
  }

  // the workspace the runnable commands see
  const root = mkdtempSync(join(tmpdir(), 'lp-docs-'));
  let ran = 0;
  const skipped: string[] = [];
  const runs: string[] = [];
  try {
    const binDir = join(root, 'bin');
    mkdirSync(binDir);
    writeFileSync(join(binDir, 'loadproof'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(binDir, 'loadproof'), 0o755);
    const ws = join(root, 'workspace');
    mkdirSync(ws);
    cpSync(resolve(REPO_ROOT, 'examples'), join(ws, 'examples'), { recursive: true });
    for (const [name, from] of Object.entries(WORKSPACE_FILES)) cpSync(resolve(REPO_ROOT, from), join(ws, name));
    const imported = await runCli(['import', 'k6-summary.json', '--out', 'results', '--no-history'], { cwd: ws, timeoutMs: RUN_TIMEOUT_MS });
    assert.ok(existsSync(join(ws, 'results/result.json')), `import for the workspace failed: ${imported.stderr}`);

    let n = 0;
    const runnable: DocCommand[] = [];
    for (const c of commands.filter((x) => x.fromBlock)) {
      const { sub, flags } = invocation(c.text, nested);
      const name = sub[0] ?? '';
      const reason = SKIPPED[name] ?? (name === 'k8s' && flags.includes('--apply') ? SKIPPED['k8s --apply'] : undefined);
      if (reason) skipped.push(`${c.where}: ${c.text} (${reason})`);
      else runnable.push(c);
    }
    await inPairs(runnable, async (c) => {
      const cwd = join(root, `cmd-${n++}`);
      if (invocation(c.text, nested).sub[0] === 'init') mkdirSync(cwd);
      else cpSync(ws, cwd, { recursive: true });
      const line = c.text.replace(/\bnpx\s+loadproof\b/g, 'loadproof');
      const r = await sh(line, cwd, binDir);
      ran++;
      runs.push(`${c.where}: ${c.text} → exit ${r.code ?? 'killed'}`);
      if (r.code === 2 || r.code === 5 || r.code === null) {
        problems.push(`${c.where}: \`${c.text}\` exited ${r.code ?? 'by timeout'}: ${(r.stderr.trim().split('\n')[0] ?? '').slice(0, 300)}`);
      }
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const summary = `doc commands: ${commands.length} found, ${ran} run, ${skipped.length} skipped, ${flagChecked} flag-checked against --help`;
  t.diagnostic(summary);
  for (const s of runs) t.diagnostic(`ran ${s}`);
  for (const s of skipped) t.diagnostic(`skipped ${s}`);
  console.log(summary);
  assert.deepEqual(problems, []);
  assert.ok(ran >= 5, summary);
});
