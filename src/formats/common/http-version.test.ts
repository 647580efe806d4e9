import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlan } from '../../plan/parse.js';
import { exportAb } from '../ab/export.js';
import { exportWrk, exportWrk2 } from '../wrk/export.js';
import { exportHey } from '../hey/export.js';
import { exportK6 } from '../k6/export.js';
import { exportGatling } from '../gatling/export.js';
import { exportLocust } from '../locust/export.js';
import { exportArtillery } from '../artillery/export.js';
import { wantsHttp2 } from './http-version.js';

const plan = (target: string, http: string): ReturnType<typeof parsePlan> =>
  parsePlan(`name: h2
target: ${target}
${http}
load: { model: open, stages: [{ duration: 10s, target: 10 }] }
scenarios: [{ name: a, flow: [{ get: / }] }]
`);

test('HTTP/2 in exports: k6 notes it as automatic (TLS) or not expressed (h2c); ab and wrk list it; hey gets -h2', () => {
  const tls = plan('https://api.example.test', 'http: { version: 2 }');
  const h2c = plan('http://127.0.0.1:8080', 'http: { version: 2 }');
  const none = plan('https://api.example.test', '');
  assert.equal(wantsHttp2(tls), 'tls');
  assert.equal(wantsHttp2(h2c), 'h2c');
  assert.equal(wantsHttp2(none), 'no');
  assert.match(exportK6(tls), /\/\/ HTTP\/2: automatic in k6/);
  assert.match(exportK6(h2c), /Not expressed: cleartext HTTP\/2 \(h2c\)/);
  assert.doesNotMatch(exportK6(none), /HTTP\/2/);
  assert.match(exportAb(tls), /#\s+- HTTP\/2 \(http\.version 2\): ab speaks HTTP\/1\.1 only/);
  assert.match(exportWrk(h2c), /--\s+- cleartext HTTP\/2 \(h2c\): wrk speaks HTTP\/1\.1 only/);
  assert.match(exportWrk2(tls), /HTTP\/2 \(http\.version 2\): wrk2 speaks HTTP\/1\.1 only/);
  assert.doesNotMatch(exportAb(none), /HTTP\/2/);
  const hey = exportHey(tls);
  assert.match(hey, /\s-h2\b/);
  assert.doesNotMatch(hey, /speaks HTTP\/1\.1 only/);
  assert.match(exportHey(h2c), /cleartext HTTP\/2 \(h2c\): hey speaks HTTP\/1\.1 only/);
  assert.doesNotMatch(exportHey(h2c), /\s-h2\b/);
});

test('HTTP/2 in the Gatling, Locust and Artillery exports: Gatling enables it on TLS and lists h2c; Locust and Artillery note it', () => {
  const tls = plan('https://api.example.test', 'http: { version: 2 }');
  const h2c = plan('http://127.0.0.1:8080', 'http: { version: 2 }');
  const none = plan('https://api.example.test', '');
  assert.match(exportGatling(tls), /\.enableHttp2\(\)/);
  assert.doesNotMatch(exportGatling(tls), /h2c/);
  assert.match(exportGatling(h2c), /cleartext HTTP\/2 \(h2c\): Gatling speaks HTTP\/2 over TLS only/);
  assert.doesNotMatch(exportGatling(h2c), /\.enableHttp2\(\)/);
  assert.doesNotMatch(exportGatling(none), /enableHttp2|HTTP\/2/);
  assert.match(exportLocust(tls), /Not expressed: HTTP\/2 \(http\.version 2\): Locust's HttpUser \(python-requests\) speaks HTTP\/1\.1 only/);
  assert.doesNotMatch(exportLocust(none), /HTTP\/2/);
  assert.match(exportArtillery(h2c), /not expressed: cleartext HTTP\/2 \(h2c\): this Artillery script speaks HTTP\/1\.1 only/);
  assert.doesNotMatch(exportArtillery(none), /HTTP\/2/);
});
