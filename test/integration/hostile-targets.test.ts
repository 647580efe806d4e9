/**
 * Hostile targets (issue: hardening): every way a target can misbehave, each through the real CLI
 * (`quick`, or `run` for TLS). The run must finish by itself, classify the failures with the right
 * error kinds, write its report, and keep the generator's memory bounded — stated here as a peak
 * RSS under 300 MB while a 100 MB body is served over and over (the parser counts body bytes it
 * does not keep; a kept body is capped at 4 MiB, MAX_KEPT_BODY_BYTES).
 *
 * The target is test/targets/hostile-service.ts on 127.0.0.1 (its own process). TLS certificates
 * are made with openssl at test start in a temp folder: a self-signed one, one signed by a test CA
 * for another host name, and an expired one signed by that CA (the CA is trusted by the CLI through
 * NODE_EXTRA_CA_CERTS, so each case fails for its own reason only).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServiceChild, targetScript, type ServiceChild } from '../helpers/service-child.js';
import { runCli } from '../helpers/cli.js';
import { readResult, workdir, writePlan } from '../helpers/e2e.js';
import type { ErrorKind, Result } from '../../src/result/types.js';

const TIMEOUT_MS = 180_000;

async function quick(base: string, path: string, dir: string, extra: string[] = []): Promise<{ code: number | null; r: Result; stderr: string }> {
  const out = join(dir, path.replace(/\W/g, '') || 'root');
  const run = await runCli(['quick', `${base}${path}`, '-c', '2', '-d', '2s', '--timeout', '1s', '--out', out, ...extra], { timeoutMs: 60_000 });
  assert.ok(existsSync(join(out, 'result.json')) && existsSync(join(out, 'report.md')), `${path}: no result or report (exit ${run.code})\n${run.stderr.slice(-1500)}`);
  return { code: run.code, r: readResult(out), stderr: run.stderr };
}

function kinds(r: Result): Partial<Record<ErrorKind, number>> {
  return r.summary.errorKinds ?? {};
}

function only(r: Result, allowed: ErrorKind[], path: string): void {
  const k = kinds(r);
  const other = Object.keys(k).filter((x) => !allowed.includes(x as ErrorKind) && (k[x as ErrorKind] ?? 0) > 0);
  assert.deepEqual(other, [], `${path}: unexpected error kinds ${JSON.stringify(k)}`);
}

test('hostile HTTP targets: each run finishes, with the right error kinds and a report', { timeout: TIMEOUT_MS }, async () => {
  const svc: ServiceChild = await startServiceChild(targetScript('hostile-service'));
  const w = workdir('hostile');
  try {
    const base = svc.url;
    // every request fails as a protocol error: garbage, a head without end, a bad chunk size
    for (const path of ['/garbage', '/endless-head', '/bad-chunk']) {
      const { r } = await quick(base, path, w.dir);
      assert.ok(r.summary.requests > 0 && r.summary.errors === r.summary.requests, `${path}: ${r.summary.errors} of ${r.summary.requests} failed`);
      assert.ok((kinds(r).protocol ?? 0) > 0, `${path}: ${JSON.stringify(kinds(r))}`);
      only(r, ['protocol', 'reset'], path);
    }
    // a body longer than its Content-Length: the response is complete at 5 bytes; what follows is
    // garbage for the next response on that connection
    {
      const { r } = await quick(base, '/long-body', w.dir);
      assert.ok((r.summary.statusCodes?.['200'] ?? 0) > 0, JSON.stringify(r.summary));
      only(r, ['protocol', 'reset'], '/long-body');
    }
    // a body shorter than its Content-Length, then a close: never a success
    {
      const { r } = await quick(base, '/short-body', w.dir);
      assert.ok(r.summary.requests > 0 && r.summary.errors === r.summary.requests, JSON.stringify(r.summary.errorKinds));
      only(r, ['protocol', 'reset', 'other'], '/short-body');
    }
    // one byte a second, and a server that never reads: timeouts at the 1 s request timeout, and the
    // latency of each is the time it was outstanding
    for (const path of ['/dribble', '/never-read']) {
      const { r } = await quick(base, path, w.dir);
      assert.ok((kinds(r).timeout ?? 0) > 0, `${path}: ${JSON.stringify(kinds(r))}`);
      only(r, ['timeout'], path);
      assert.ok(r.summary.latencyMs.p50! >= 990, `${path}: p50 ${r.summary.latencyMs.p50} ms`);
    }
    // half-closed and reset sockets
    for (const path of ['/half-close', '/reset']) {
      const { r } = await quick(base, path, w.dir);
      assert.ok(r.summary.requests > 0 && r.summary.errors === r.summary.requests, `${path}: ${JSON.stringify(r.summary)}`);
      assert.ok((kinds(r).reset ?? 0) + (kinds(r).protocol ?? 0) + (kinds(r).other ?? 0) > 0, `${path}: ${JSON.stringify(kinds(r))}`);
      only(r, ['reset', 'protocol', 'other'], path);
    }
    // a redirect loop: loadproof does not follow redirects; a 302 is an answer (3xx is not an error)
    {
      const { r } = await quick(base, '/redirect', w.dir);
      assert.ok((r.summary.statusCodes?.['302'] ?? 0) > 0 && r.summary.errors === 0, JSON.stringify(r.summary.statusCodes));
    }
    // 100 MB bodies, read and counted, not kept: the generator's memory stays bounded
    {
      const { r } = await quick(base, '/big', w.dir, ['--timeout', '10s']);
      assert.ok((r.summary.statusCodes?.['200'] ?? 0) >= 1, JSON.stringify(r.summary));
      assert.ok((r.summary.bytesReceived ?? 0) >= 100 * 1024 * 1024, `bytes ${r.summary.bytesReceived}`);
      const rss = (r.watch['self.generator.rssBytes']?.points ?? []).map((p) => p[1]).filter((v): v is number => v !== null);
      const peakMb = Math.max(...rss) / (1024 * 1024);
      console.log(`hostile /big: ${r.summary.requests} responses of 100 MB, generator peak RSS ${peakMb.toFixed(0)} MB`);
      assert.ok(peakMb < 300, `generator peak RSS ${peakMb} MB`);
    }
  } finally {
    await svc.stop();
    w.remove();
  }
});

/** openssl, quietly; throws with its output on failure. */
function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

test('hostile TLS targets: self-signed, wrong host and expired certificates are refused as tls errors unless insecure', { timeout: TIMEOUT_MS }, async () => {
  const w = workdir('tls');
  const services: ServiceChild[] = [];
  try {
    const d = w.dir;
    openssl(d, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'self.key', '-out', 'self.pem', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    openssl(d, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=loadproof test CA']);
    for (const [name, san] of [
      ['wrong', 'DNS:wrong.example'],
      ['expired', 'IP:127.0.0.1'],
    ] as const) {
      openssl(d, ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`, '-addext', `subjectAltName=${san}`]);
    }
    writeFileSync(join(d, 'ext.cnf'), 'subjectAltName=DNS:wrong.example\n');
    openssl(d, ['x509', '-req', '-in', 'wrong.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', 'wrong.pem']);
    writeFileSync(join(d, 'index.txt'), '');
    writeFileSync(join(d, 'serial'), '1000\n');
    writeFileSync(
      join(d, 'ca.cnf'),
      ['[ca]', 'default_ca = d', '[d]', 'database = index.txt', 'new_certs_dir = .', 'serial = serial', 'default_md = sha256', 'policy = p', 'copy_extensions = copy', '[p]', 'commonName = supplied', ''].join('\n'),
    );
    openssl(d, ['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', 'expired.csr', '-out', 'expired.pem', '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-notext']);

    const env = { NODE_EXTRA_CA_CERTS: join(d, 'ca.pem') };
    for (const name of ['self', 'wrong', 'expired']) {
      const svc = await startServiceChild(targetScript('hostile-service'), ['--tls', join(d, `${name}.key`), join(d, `${name}.pem`)]);
      services.push(svc);
      for (const insecure of [false, true]) {
        const sub = join(d, `${name}-${insecure}`);
        const plan = writePlan(d, {
          name: `tls ${name}`,
          target: svc.url,
          load: { model: 'closed', stages: [{ duration: '100ms', target: 1 }, { duration: '1500ms', target: 1 }] },
          defaults: { timeout: '2s', ...(insecure ? { insecure: true } : {}) },
          pattern: { type: 'smoke', peak: 1 },
          scenarios: [{ name: 's', flow: [{ get: '/' }] }],
        });
        const run = await runCli(['run', plan, '--out', sub], { timeoutMs: 60_000, env });
        const r = readResult(sub);
        if (insecure) {
          assert.ok(r.summary.requests > 0 && r.summary.errors === 0, `${name} insecure: ${JSON.stringify(r.summary.errorKinds)} (exit ${run.code})`);
        } else {
          assert.ok(r.summary.requests > 0 && r.summary.errors === r.summary.requests, `${name}: ${JSON.stringify(r.summary)}`);
          assert.deepEqual(Object.keys(kinds(r)), ['tls'], `${name}: ${JSON.stringify(kinds(r))}`);
          assert.equal(run.code, 4, `${name}: every request refused: the run did not test the service (exit ${run.code})`);
          assert.match(readFileSync(join(sub, 'report.md'), 'utf8'), /failed the TLS handshake/);
        }
      }
    }
  } finally {
    for (const s of services) await s.stop();
    w.remove();
  }
});
