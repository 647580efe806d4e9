/*
 * Preload for foreign tools that interop tests run (`NODE_OPTIONS=--require .../loopback-only.cjs`):
 * every outbound TCP connection and DNS lookup must stay on loopback. Artillery 2 sends a telemetry
 * event to an outside host at exit even with ARTILLERY_DISABLE_TELEMETRY=true and retries for ~12 s;
 * with this preload the lookup fails at once, nothing leaves the machine and the run ends promptly.
 * Unix-domain sockets (IPC between Artillery's workers) are allowed.
 */
'use strict';
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload (--require) */
const net = require('node:net');
const dns = require('node:dns');

const isLoopback = (host) =>
  host === undefined || host === null || host === '' || host === 'localhost' || host === '::1' || /^127\./.test(String(host)) || host === '::ffff:127.0.0.1';

function refused(host) {
  const err = new Error(`loopback-only: connection to ${host} refused by the test preload`);
  err.code = 'ECONNREFUSED';
  return err;
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  // connect(options[, cb]), connect(port[, host][, cb]), connect(path[, cb]), or node's normalized [options, cb]
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  let host;
  if (first && typeof first === 'object') {
    if (first.path === undefined) host = first.host ?? 'localhost';
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    host = typeof args[1] === 'string' ? args[1] : 'localhost';
  }
  if (host !== undefined && !isLoopback(host)) {
    process.nextTick(() => this.destroy(refused(host)));
    return this;
  }
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function (hostname, options, callback) {
  const cb = typeof options === 'function' ? options : callback;
  if (!isLoopback(hostname)) {
    const err = new Error(`loopback-only: lookup of ${hostname} refused by the test preload`);
    err.code = 'ENOTFOUND';
    process.nextTick(() => cb(err));
    return {};
  }
  return lookup.apply(this, arguments);
};
const promisesLookup = dns.promises.lookup;
dns.promises.lookup = function (hostname, ...rest) {
  if (!isLoopback(hostname)) {
    const err = new Error(`loopback-only: lookup of ${hostname} refused by the test preload`);
    err.code = 'ENOTFOUND';
    return Promise.reject(err);
  }
  return promisesLookup.call(this, hostname, ...rest);
};
