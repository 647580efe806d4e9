/**
 * `--dashboard [host:port]` and `--metrics [host:port]` addresses: `8080`, `:8080`, `0.0.0.0:8080`,
 * `localhost:0`, `[::1]:9464`. The host defaults to 127.0.0.1 and the port to 0 (a free one,
 * printed at start).
 */
import { isIP } from 'node:net';
import { badFlag } from '../errors.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export const DEFAULT_LIVE_HOST = '127.0.0.1';

/** Parses a listen address; `true` (the flag without a value) is the default. Throws exit-2 errors. */
export function parseListenAddress(value: string | boolean | undefined, flag: string): ListenAddress {
  if (value === undefined || value === true || value === false || value === '') return { host: DEFAULT_LIVE_HOST, port: 0 };
  const text = value.trim();
  if (text.includes('/')) {
    // `quick --dashboard http://…`: the optional value took the URL meant for the command
    throw badFlag(`${flag} ${text}: not a host:port`, `${flag} takes an optional address: put it last, or write ${flag}=127.0.0.1:0`, flag);
  }
  let host = DEFAULT_LIVE_HOST;
  let portText = text;
  const v6 = /^\[([^\]]+)\](?::(\d*))?$/.exec(text);
  if (v6) {
    host = v6[1]!;
    portText = v6[2] ?? '0';
    if (isIP(host) !== 6) throw badFlag(`${flag} ${text}: "${host}" is not an IPv6 address`, 'write e.g. [::1]:8080', flag);
  } else if (/^\d+$/.test(text)) {
    portText = text;
  } else {
    const i = text.lastIndexOf(':');
    if (i < 0) {
      host = text;
      portText = '0';
    } else {
      host = text.slice(0, i) || DEFAULT_LIVE_HOST;
      portText = text.slice(i + 1) || '0';
    }
    if (host.includes(':')) throw badFlag(`${flag} ${text}: an IPv6 address needs brackets`, 'write e.g. [::1]:8080', flag);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw badFlag(`${flag} ${text}: "${portText}" is not a port (0-65535)`, 'write e.g. 127.0.0.1:8080, or :0 for a free port', flag);
  }
  return { host, port };
}

/** Whether an address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** `host:port` for URLs (IPv6 in brackets). */
export function hostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
