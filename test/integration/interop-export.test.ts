/**
 * `loadproof export`: the exported Locust and Artillery files are run by the real tools for a few
 * seconds against a local target (test/tools/fixture-target.ts on 127.0.0.1) and must complete
 * having sent requests that the target counted; the exported wrk script is run by wrk; the exported
 * k6 script is parsed as an ES module with acorn and its `options` evaluated.
 *
 * Every foreign process is bounded by a timeout and killed by its own PID. Artillery runs with
 * test/tools/loopback-only.cjs preloaded (NODE_OPTIONS=--require): Artillery 2 sends a telemetry
 * event to an outside host at exit even with ARTILLERY_DISABLE_TELEMETRY=true; the preload makes
 * every non-loopback lookup and connection fail at once, so nothing leaves the machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import * as acorn from 'acorn';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { startFixtureTarget } from '../tools/fixture-target.js';

function plan(target: string, model: 'open' | 'closed'): string {
  return `name: interop export
hypothesis: the items API answers
target: ${target}
load:
  model: ${model}
  stages:
    - { duration: 2s, target: 4 }
    - { duration: 2s, target: 4 }
thresholds:
  http_req_duration: ["p(95)<200", "p(99)<500"]
  http_req_failed: ["rate<0.01"]
abort:
  http_req_failed: "rate>0.05 for 10s"
defaults:
  headers: { User-Agent: loadproof-export-test }
scenarios:
  - name: browse
    weight: 3
    setup:
      - post: /auth/login
        json: { email: "test@example.com", password: "x" }
        capture: { token: "$.token" }
    flow:
      - get: /items
        headers: { Authorization: "Bearer {{ token }}" }
        expect: { status: 200, maxDuration: 500ms }
      - think: 100ms..200ms
  - name: create
    weight: 1
    flow:
      - post: /items
        json: { name: "{{ $randomString() }}", value: 42 }
        expect: { status: 201 }
`;
}

interface Ran {
  code: number | null;
  out: string;
}

/** Spawns a tool, bounded by `timeoutMs` (then SIGKILL to its PID only). */
function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

async function exportTo(tool: string, planText: string, dir: string, ext: string): Promise<string> {
  const planFile = join(dir, 'plan.yaml');
  writeFileSync(planFile, planText);
  const outFile = join(dir, `exported.${ext}`);
  const r = await runCli(['export', planFile, '--to', tool, '-o', outFile], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  return outFile;
}

test('exported locustfile runs in Locust against a local target and completes', async () => {
  const target = await startFixtureTarget();
  const dir = mkdtempSync(join(tmpdir(), 'lp-export-locust-'));
  try {
    const file = await exportTo('locust', plan(target.url, 'closed'), dir, 'py');
    const text = readFileSync(file, 'utf8');
    assert.match(text, /class PlanUser\(HttpUser\):/);
    assert.match(text, /@task\(3\)/);
    assert.match(text, /def on_start\(self\):/);
    assert.match(text, /wait_time = between\(0\.1, 0\.2\)/);
    assert.match(text, /class PlanShape\(LoadTestShape\):/);
    // the shape ends the run after 4 s (Locust refuses --run-time with a shape); the timeout is the backstop
    const r = await run('locust', ['-f', file, '--headless', '-H', target.url, '--stop-timeout', '2', '--only-summary'], {
      cwd: dir,
      timeoutMs: 60_000,
    });
    assert.equal(r.code, 0, r.out.slice(-3000));
    assert.ok((target.counts.get('POST /auth/login') ?? 0) >= 1, 'per-user login ran');
    assert.ok((target.counts.get('GET /items') ?? 0) >= 5, `GET /items: ${target.counts.get('GET /items')}`);
    assert.ok((target.counts.get('POST /items') ?? 0) >= 1);
    assert.ok(target.bearerSeen >= 5, 'the captured token was sent back');
  } finally {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exported Artillery script runs in Artillery against a local target and completes', async () => {
  const bin = join(REPO_ROOT, 'test/tools/node_modules/.bin/artillery');
  assert.ok(existsSync(bin), 'artillery is installed by `npm ci --prefix test/tools` (see .ci/run)');
  const target = await startFixtureTarget();
  const dir = mkdtempSync(join(tmpdir(), 'lp-export-art-'));
  try {
    const file = await exportTo('artillery', plan(target.url, 'open'), dir, 'yml');
    const text = readFileSync(file, 'utf8');
    assert.match(text, /arrivalRate: 0\n\s+name: stage 1\n\s+rampTo: 4/);
    assert.match(text, /weight: 3/);
    assert.match(text, /capture:\n\s+json: \$\.token\n\s+as: token/);
    const report = join(dir, 'report.json');
    const env = {
      ...process.env,
      ARTILLERY_DISABLE_TELEMETRY: 'true',
      NODE_OPTIONS: `--require ${join(REPO_ROOT, 'test/tools/loopback-only.cjs')}`,
    };
    const r = await run(bin, ['run', '-o', report, file], { cwd: dir, env, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.out.slice(-3000));
    assert.ok((target.counts.get('POST /auth/login') ?? 0) >= 1);
    assert.ok((target.counts.get('GET /items') ?? 0) >= 3, `GET /items: ${target.counts.get('GET /items')}`);
    assert.ok(target.bearerSeen >= 3, 'the captured token was sent back');
    // and loadproof imports what Artillery wrote
    const imp = await runCli(['import', report, '--json', '--out', join(dir, 'imported')], { timeoutMs: 60_000 });
    const result = JSON.parse(imp.stdout) as { summary: { requests: number } };
    const served = [...target.counts.values()].reduce((a, b) => a + b, 0);
    assert.equal(result.summary.requests, served);
  } finally {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exported k6 script parses as an ES module using the k6 API shape', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lp-export-k6-'));
  try {
    for (const model of ['open', 'closed'] as const) {
      const file = await exportTo('k6', plan('http://127.0.0.1:3000', model), dir, `${model}.js`);
      const text = readFileSync(file, 'utf8');
      const ast = acorn.parse(text, { ecmaVersion: 'latest', sourceType: 'module' });
      const imports = ast.body.filter((n): n is acorn.ImportDeclaration => n.type === 'ImportDeclaration').map((n) => String(n.source.value));
      assert.deepEqual(imports.sort(), ['k6', 'k6/http']);
      const exported = new Map<string, acorn.Node>();
      for (const n of ast.body) {
        if (n.type !== 'ExportNamedDeclaration' || !n.declaration) continue;
        const d = n.declaration;
        if (d.type === 'FunctionDeclaration') exported.set(d.id.name, d);
        if (d.type === 'VariableDeclaration') for (const v of d.declarations) if (v.id.type === 'Identifier' && v.init) exported.set(v.id.name, v.init);
      }
      const init = exported.get('options')!;
      assert.ok(init, 'exports options');
      const options = JSON.parse(JSON.stringify(vm.runInNewContext(`(${text.slice(init.start, init.end)})`))) as {
        scenarios: Record<string, { executor: string; exec: string; stages: Array<{ duration: string; target: number }> }>;
        thresholds: Record<string, unknown[]>;
      };
      assert.deepEqual(Object.keys(options.scenarios), ['browse', 'create']);
      for (const s of Object.values(options.scenarios)) {
        assert.equal(s.executor, model === 'open' ? 'ramping-arrival-rate' : 'ramping-vus');
        assert.ok(exported.has(s.exec), `exec function ${s.exec} is exported`);
        assert.deepEqual(s.stages.map((x) => x.duration), ['2s', '2s']);
      }
      assert.equal(options.scenarios.browse!.stages[1]!.target, 3, '3/4 of the load by weight');
      assert.deepEqual(options.thresholds.http_req_duration, ['p(95)<200', 'p(99)<500']);
      assert.deepEqual(options.thresholds.http_req_failed, ['rate<0.01', { threshold: 'rate<=0.05', abortOnFail: true, delayAbortEval: '10s' }]);
      assert.match(text, /if \(!vars\.__setupDone\) \{/);
      assert.match(text, /vars\["token"\] = res\.json\("token"\);/);
      assert.match(text, /"Authorization": `Bearer \$\{vars\["token"\]\}`/);
      assert.match(text, /check\(res, \{ "GET \/items: status 200": \(r\) => \[200\]\.includes\(r\.status\)/);
      assert.match(text, /sleep\(0\.1 \+ Math\.random\(\) \* 0\.1\);/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exported wrk script runs in wrk; the header says what wrk cannot express', async () => {
  const target = await startFixtureTarget();
  const dir = mkdtempSync(join(tmpdir(), 'lp-export-wrk-'));
  try {
    const single = `name: one endpoint\ntarget: ${target.url}\nload:\n  stages: [{ duration: 1s, target: 50 }]\nscenarios:\n  - name: create\n    flow:\n      - post: /items\n        json: { name: "{{ $randomString() }}" }\n`;
    const file = await exportTo('wrk', single, dir, 'lua');
    const text = readFileSync(file, 'utf8');
    assert.match(text, /--\s+wrk -t\d+ -c\d+ -d1s --latency -s <this file>/);
    assert.match(text, /-R50/);
    const r = await run('wrk', ['-t1', '-c2', '-d1s', '-s', file, target.url], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.out);
    assert.ok((target.counts.get('POST /items') ?? 0) >= 10, `POST /items: ${target.counts.get('POST /items')}`);
    const multi = await exportTo('wrk', plan(target.url, 'open'), dir, 'multi.lua');
    const m = readFileSync(multi, 'utf8');
    assert.match(m, /What wrk cannot express from this plan:/);
    assert.match(m, /several scenarios \(browse, create\)/);
    assert.match(m, /think time/);
    assert.match(m, /ramps and stages/);
  } finally {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs an exported shell script with its URL pointed at the local target. */
async function runScript(file: string, timeoutMs: number): Promise<Ran> {
  return run('sh', [file], { env: { ...process.env, API_KEY: 'k-123' }, timeoutMs });
}

test('exported hey and ab command lines run against a local target; what they cannot express is listed', async () => {
  const target = await startFixtureTarget();
  const dir = mkdtempSync(join(tmpdir(), 'lp-export-heyab-'));
  try {
    const single = `name: one endpoint\ntarget: ${target.url}\nload:\n  model: open\n  stages: [{ duration: 1s, target: 40 }, { duration: 1s, target: 40 }]\ndefaults:\n  headers: { User-Agent: loadproof-export-test }\nscenarios:\n  - name: create\n    flow:\n      - post: /items\n        headers: { X-Key: "\${env.API_KEY}" }\n        json: { name: "{{ $randomString() }}", note: "it's" }\n        expect: { status: 201 }\n`;
    const hey = await exportTo('hey', single, dir, 'hey.sh');
    const heyText = readFileSync(hey, 'utf8');
    assert.match(heyText, /# open model: 40 requests\/s at peak = -c 2 workers × -q 20 requests\/s each/);
    assert.match(heyText, /-z 2s/);
    assert.match(heyText, /# {3}- ramps and stages \(1s→40, 1s→40\)/);
    assert.match(heyText, /# {3}- per-request values \(\$randomString\(\)\)/);
    assert.match(heyText, /# {3}- expectations \(checks\)/);
    const before = target.counts.get('POST /items') ?? 0;
    const h = await runScript(hey, 30_000);
    assert.equal(h.code, 0, h.out);
    const sent = (target.counts.get('POST /items') ?? 0) - before;
    // 40/s for 2 s, paced by hey: about 80 (hey's ticker starts at once and stops at -z)
    assert.ok(sent >= 50 && sent <= 90, `hey sent ${sent}`);
    assert.match(h.out, /\[201\]\s+\d+ responses/);

    const closed = single.replace('model: open', 'model: closed').replace(/target: 40/g, 'target: 3');
    const ab = await exportTo('ab', closed, dir, 'ab.sh');
    const abText = readFileSync(ab, 'utf8');
    assert.match(abText, /# closed model: 3 virtual users at peak = -c 3 requests in flight/);
    assert.match(abText, /-p "\$BODY"/);
    const before2 = target.counts.get('POST /items') ?? 0;
    const a = await runScript(ab, 30_000);
    assert.equal(a.code, 0, a.out);
    assert.ok((target.counts.get('POST /items') ?? 0) - before2 >= 10);
    const complete = Number(/Complete requests:\s+(\d+)/.exec(a.out)![1]);
    assert.ok(complete >= 10, a.out);
    // ab counts bodies of another length than the first as "Length" failures (item ids differ); non-2xx would be real ones
    assert.doesNotMatch(a.out, /Non-2xx responses/);
    // and loadproof imports what ab printed
    writeFileSync(join(dir, 'ab.txt'), a.out);
    const imp = await runCli(['import', join(dir, 'ab.txt'), '--json', '--out', join(dir, 'imported')], { timeoutMs: 60_000 });
    assert.equal((JSON.parse(imp.stdout) as { summary: { requests: number } }).summary.requests, complete);
    const abOpen = readFileSync(await exportTo('ab', single, dir, 'ab-open.sh'), 'utf8');
    assert.match(abOpen, /# {3}- an arrival rate \(open model\): ab sends as fast as its -c connections allow/);
  } finally {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exported wrk2 script: -R from the plan rate, Lua runs in wrk; closed plans are refused with a hint', async () => {
  const target = await startFixtureTarget();
  const dir = mkdtempSync(join(tmpdir(), 'lp-export-wrk2-'));
  try {
    const single = `name: rate\ntarget: ${target.url}\nload:\n  model: open\n  stages: [{ duration: 1s, target: 30 }]\nscenarios:\n  - name: list\n    flow:\n      - get: /items\n        headers: { X-Trace: "{{ $uuid() }}" }\n`;
    const file = await exportTo('wrk2', single, dir, 'lua');
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^-- wrk2 script exported by loadproof/);
    assert.match(text, /--\s+wrk -t\d+ -c\d+ -d1s -R30 --latency -s <this file> /);
    assert.match(text, /What wrk2 cannot express from this plan:\n-- {3}- ramps and stages: wrk2 holds one load/);
    // wrk2 is not packaged for Debian: the Lua (shared by wrk and wrk2) runs in wrk 4 instead, without -R
    const r = await run('wrk', ['-t1', '-c2', '-d1s', '-s', file, target.url], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.out);
    assert.ok((target.counts.get('GET /items') ?? 0) >= 10);
    const planFile = join(dir, 'closed.yaml');
    writeFileSync(planFile, single.replace('model: open', 'model: closed'));
    const refused = await runCli(['export', planFile, '--to', 'wrk2'], { timeoutMs: 30_000 });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /wrk2 paces a constant request rate \(-R\); this plan is closed-model \(30 virtual users\) and states no rate \(hint: export it to wrk/);
  } finally {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * No Gatling jars can be had here (no Maven Central), so the exported simulation is checked by the
 * JDK's own Java parser (javac stopped after parsing: syntax only, Gatling's symbols unresolved) and
 * by its structure.
 */
test('exported Gatling Java simulation parses with javac and maps models, checks, captures and thresholds', async () => {
  const javac = spawnSync('javac', ['-version']);
  assert.equal(javac.status, 0, 'javac (a JDK) is needed: .ci/run installs default-jdk-headless');
  const dir = mkdtempSync(join(tmpdir(), 'lp-export-gatling-'));
  try {
    for (const model of ['open', 'closed'] as const) {
      const file = await exportTo('gatling', plan('http://127.0.0.1:3000', model).replace('name: interop export', 'name: items api'), dir, `${model}.java`);
      const text = readFileSync(file, 'utf8');
      const java = join(dir, model, 'ItemsApiSimulation.java');
      mkdirSync(join(dir, model));
      writeFileSync(java, text);
      const r = spawnSync('javac', ['-XDshould-stop.ifNoError=PARSE', '-XDshould-stop.ifError=PARSE', '-d', join(dir, model, 'out'), java], { encoding: 'utf8' });
      assert.equal(r.status, 0, `javac: ${r.stderr}`);
      assert.match(text, /public class ItemsApiSimulation extends Simulation \{/);
      assert.match(text, /http\.baseUrl\("http:\/\/127\.0\.0\.1:3000"\)\n\s+\.header\("User-Agent", "loadproof-export-test"\)/);
      assert.match(text, /\.check\(jsonPath\("\$\.token"\)\.saveAs\("token"\)\)/);
      assert.match(text, /\.header\("Authorization", "Bearer #\{token\}"\)/);
      assert.match(text, /\.check\(status\(\)\.is\(200\), responseTimeInMillis\(\)\.lte\(500\)\)/);
      assert.match(text, /pause\(Duration\.ofMillis\(100\), Duration\.ofMillis\(200\)\)/);
      assert.match(text, /StringBody\("\{\\"name\\":\\"#\{randomAlphanumeric\(8\)\}\\",\\"value\\":42\}"\)\)\.asJson\(\)/);
      assert.match(text, /global\(\)\.responseTime\(\)\.percentile\(95\.0\)\.lt\(200\)/);
      assert.match(text, /global\(\)\.failedRequests\(\)\.percent\(\)\.lt\(1\)/);
      assert.match(text, /\/\/ {3}- abort rules: Gatling has no incident guard/);
      if (model === 'open') {
        assert.match(text, /scn_browse\.injectOpen\(\n\s+rampUsersPerSec\(0\)\.to\(3\)\.during\(Duration\.ofSeconds\(2\)\),\n\s+constantUsersPerSec\(3\)\.during\(Duration\.ofSeconds\(2\)\)/);
        assert.match(text, /per-VU setup of "browse" once per virtual user/);
      } else {
        assert.match(text, /scn_browse\.injectClosed\(\n\s+rampConcurrentUsers\(0\)\.to\(3\)\.during\(Duration\.ofSeconds\(2\)\),\n\s+constantConcurrentUsers\(3\)\.during\(Duration\.ofSeconds\(2\)\)/);
        assert.match(text, /\.during\(Duration\.ofSeconds\(4\)\)\.on\(/, 'a closed-model user repeats its flow for the run');
      }
    }
    // a syntax error is caught by the same check (the check can fail)
    const broken = join(dir, 'Broken.java');
    writeFileSync(broken, 'public class Broken { { setUp(scn.injectOpen(atOnceUsers(1)); } }');
    assert.notEqual(spawnSync('javac', ['-XDshould-stop.ifNoError=PARSE', '-XDshould-stop.ifError=PARSE', '-d', join(dir, 'b'), broken]).status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
