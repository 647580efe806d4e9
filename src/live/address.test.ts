import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostPort, isLoopback, parseListenAddress } from './address.js';
import { LoadproofError } from '../errors.js';

test('listen addresses: defaults, port only, host:port, IPv6 in brackets', () => {
  assert.deepEqual(parseListenAddress(true, '--dashboard'), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseListenAddress(undefined, '--dashboard'), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseListenAddress('8080', '--dashboard'), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(parseListenAddress(':9464', '--metrics'), { host: '127.0.0.1', port: 9464 });
  assert.deepEqual(parseListenAddress('0.0.0.0:80', '--metrics'), { host: '0.0.0.0', port: 80 });
  assert.deepEqual(parseListenAddress('localhost', '--metrics'), { host: 'localhost', port: 0 });
  assert.deepEqual(parseListenAddress('[::1]:9000', '--metrics'), { host: '::1', port: 9000 });
});

test('bad listen addresses are exit-2 errors naming the flag', () => {
  for (const bad of ['host:99999', 'host:x', '::1:80', '[nope]:1']) {
    assert.throws(
      () => parseListenAddress(bad, '--dashboard'),
      (e: unknown) => e instanceof LoadproofError && e.exitCode === 2 && e.message.includes('--dashboard'),
      bad,
    );
  }
});

test('loopback: 127/8, ::1 and localhost only', () => {
  assert.equal(isLoopback('127.0.0.1'), true);
  assert.equal(isLoopback('127.1.2.3'), true);
  assert.equal(isLoopback('::1'), true);
  assert.equal(isLoopback('localhost'), true);
  assert.equal(isLoopback('0.0.0.0'), false);
  assert.equal(isLoopback('::'), false);
  assert.equal(isLoopback('192.168.1.2'), false);
  assert.equal(hostPort('::1', 80), '[::1]:80');
  assert.equal(hostPort('127.0.0.1', 80), '127.0.0.1:80');
});
