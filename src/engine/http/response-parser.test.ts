import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DONE, ERROR, NEED_MORE, ResponseParser, parseHeaderBlock, type KeepHeaders } from './response-parser.js';

/** Feeds `text` in pieces of the given sizes (cycled) and returns the parser and last result. */
function feed(text: string, sizes: number[] = [1 << 20], opts: { head?: boolean; body?: boolean; headers?: KeepHeaders } = {}) {
  const p = new ResponseParser();
  p.begin(opts.head ?? false, opts.body ?? false, opts.headers ?? false);
  const buf = Buffer.from(text, 'latin1');
  let r: number = NEED_MORE;
  let i = 0;
  let k = 0;
  let consumedTotal = 0;
  while (i < buf.length && r === NEED_MORE) {
    const n = sizes[k++ % sizes.length]!;
    // each piece lands in a reused, bigger buffer with stale bytes after it, like the socket's
    const scratch = Buffer.alloc(n + 64, 0x41);
    buf.copy(scratch, 0, i, Math.min(buf.length, i + n));
    const len = Math.min(n, buf.length - i);
    r = p.feed(scratch, 0, len);
    if (r === DONE) consumedTotal = i + p.consumed;
    i += len;
  }
  return { p, r, consumedTotal };
}

const SPLITS = [[1 << 20], [1], [2], [3], [7], [13, 1, 5]];

test('content-length: status, bytes and keep-alive, in any split', () => {
  const res = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok';
  for (const s of SPLITS) {
    const { p, r, consumedTotal } = feed(res, s, { body: true });
    assert.equal(r, DONE, `split ${s}`);
    assert.equal(p.statusCode, 200);
    assert.equal(p.keepAlive, true);
    assert.equal(p.bytes, res.length);
    assert.equal(consumedTotal, res.length);
    assert.equal(p.body().toString(), 'ok');
  }
});

test('chunked body with extensions and trailers, in any split', () => {
  const res =
    'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n' +
    '5;ext=1\r\nhello\r\n' +
    '1A\r\n' + 'abcdefghijklmnopqrstuvwxyz' + '\r\n' +
    '0\r\nX-Trailer: yes\r\n\r\n';
  for (const s of SPLITS) {
    const { p, r } = feed(res, s, { body: true, headers: true });
    assert.equal(r, DONE, `split ${s}`);
    assert.equal(p.statusCode, 201);
    assert.equal(p.bytes, res.length);
    assert.equal(p.body().toString(), 'helloabcdefghijklmnopqrstuvwxyz');
    assert.equal(p.headers?.['x-a'], '1');
  }
});

test('close-delimited body ends at EOF and closes the connection', () => {
  const res = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome body until close';
  for (const s of SPLITS) {
    const { p, r } = feed(res, s, { body: true });
    assert.equal(r, NEED_MORE);
    assert.equal(p.finishOnEof(), true);
    assert.equal(p.keepAlive, false);
    assert.equal(p.body().toString(), 'some body until close');
  }
  // cut short: a content-length body that ends early is not complete at EOF
  const { p } = feed('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
  assert.equal(p.finishOnEof(), false);
});

test('keep-alive rules: HTTP/1.1 Connection: close, HTTP/1.0 default close and keep-alive', () => {
  assert.equal(feed('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').p.keepAlive, false);
  assert.equal(feed('HTTP/1.1 200 OK\r\nconnection: Keep-Alive, Upgrade\r\nContent-Length: 0\r\n\r\n').p.keepAlive, true);
  assert.equal(feed('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').p.keepAlive, false);
  assert.equal(feed('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').p.keepAlive, true);
});

test('1xx interim responses are skipped; HEAD, 204 and 304 have no body', () => {
  const res = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc';
  for (const s of SPLITS) {
    const { p, r } = feed(res, s);
    assert.equal(r, DONE);
    assert.equal(p.statusCode, 200);
    assert.equal(p.bytes, res.length);
  }
  const head = feed('HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n', [1 << 20], { head: true });
  assert.equal(head.r, DONE);
  assert.equal(head.p.statusCode, 200);
  assert.equal(feed('HTTP/1.1 204 No Content\r\n\r\n').r, DONE);
  assert.equal(feed('HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n').r, DONE);
});

test('headers only when asked: lower-case names, repeats joined', () => {
  const res = 'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-Token:  abc \r\nContent-Length: 0\r\n\r\n';
  const asked = feed(res, [1 << 20], { headers: true });
  assert.deepEqual(asked.p.headers, { 'set-cookie': 'a=1, b=2', 'x-token': 'abc', 'content-length': '0' });
  assert.equal(feed(res).p.headers, null);
});

test('extra bytes after a complete response are reported through `consumed`', () => {
  const { p, r } = feed('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\n');
  assert.equal(r, DONE);
  assert.equal(p.consumed, 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx'.length);
});

test('protocol errors: not HTTP, bad status, bad content-length, bad chunk size, 101', () => {
  for (const bad of [
    'SSH-2.0-OpenSSH\r\n\r\n',
    'HTTP/1.1 2x0 OK\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n',
    'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
  ]) {
    // (headers collected: header lines that do not frame the body are only validated then)
    const { p, r } = feed(bad, [1 << 20], { headers: true });
    assert.equal(r, ERROR, bad);
    assert.ok(p.error.length > 0);
    assert.equal(p.keepAlive, false);
  }
});

test('transfer-encoding other than chunked last is close-delimited', () => {
  const { p, r } = feed('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nrawbytes');
  assert.equal(r, NEED_MORE);
  assert.equal(p.finishOnEof(), true);
});

test('a head larger than the limit is an error', () => {
  const big = `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
  assert.equal(feed(big, [1000]).r, ERROR);
  assert.equal(feed(big).r, ERROR);
});

test('the head is found at any alignment in the read buffer, with lone CR/LF inside lines and many lines', () => {
  const lines = Array.from({ length: 70 }, (_, i) => `X-H${i}: v\r${i}\nw`);
  const res = `HTTP/1.1 200 OK\r\nServer: nginx\r\n${lines.join('\r\n')}\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`;
  const bytes = Buffer.from(res, 'latin1');
  for (let offset = 0; offset < 8; offset++) {
    for (const split of [bytes.length, 1, 5, 64]) {
      // the response lands `offset` bytes into a reused buffer, as reads do
      const scratch = Buffer.alloc(bytes.length + 16, 0x0d);
      const p = new ResponseParser();
      p.begin(false, true, false);
      let r: number = NEED_MORE;
      for (let i = 0; i < bytes.length && r === NEED_MORE; i += split) {
        const len = Math.min(split, bytes.length - i);
        bytes.copy(scratch, offset, i, i + len);
        r = p.feed(scratch, offset, offset + len);
      }
      assert.equal(r, DONE, `offset ${offset} split ${split}`);
      assert.equal(p.statusCode, 200);
      assert.equal(p.keepAlive, false);
      assert.equal(p.bytes, bytes.length);
      assert.equal(p.body().toString(), 'abc');
    }
  }
});

test('a header line without a colon is an error only when headers are kept', () => {
  const res = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\ntrailing garbage\r\n\r\nok';
  assert.equal(feed(res).r, DONE);
  assert.equal(feed(res).p.statusCode, 200);
  assert.equal(feed(res, [1 << 20], { headers: true }).r, ERROR);
  // a framing name not followed by its colon is not that header
  const spaced = feed('HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello');
  assert.equal(spaced.r, NEED_MORE);
  assert.equal(spaced.p.finishOnEof(), true);
});

test('Set-Cookie values are picked out whole (dates keep their commas), with or without headers asked for', () => {
  const head =
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nSet-Cookie: sid=abc123; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT\r\nServer: x\r\nset-cookie: theme=dark\r\n\r\nok';
  for (const keepHeaders of [false, true]) {
    const p = new ResponseParser();
    p.begin(false, false, keepHeaders);
    assert.equal(p.feed(Buffer.from(head), 0, head.length), DONE);
    assert.deepEqual(p.setCookies, ['sid=abc123; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT', 'theme=dark']);
  }
  const p = new ResponseParser();
  p.begin(false, false, false);
  const plain = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\nServer: set-cookie-less\r\n\r\n';
  p.feed(Buffer.from(plain), 0, plain.length);
  assert.equal(p.setCookies, null);
});

test("headers kept raw: one copy of the head, parsed on demand into what keepHeaders gives; in any split, after a 1xx", () => {
  const res =
    'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n' +
    'HTTP/1.1 200 OK\r\nContent-Type:  application/json \r\nX-Multi: p\r\nSet-Cookie: a=1; Path=/\r\nx-multi: q\r\nContent-Length: 2\r\n\r\nok';
  const eager = feed(res, [1 << 20], { headers: true, body: true }).p.headers!;
  assert.deepEqual(eager, { 'content-type': 'application/json', 'x-multi': 'p, q', 'set-cookie': 'a=1; Path=/', 'content-length': '2' });
  for (const s of SPLITS) {
    const { p, r } = feed(res, s, { headers: 'raw', body: true });
    assert.equal(r, DONE, `split ${s}`);
    assert.equal(p.headers, null, 'no header object built while parsing');
    assert.deepEqual(parseHeaderBlock(p.rawHead!), eager, `split ${s}`);
    assert.deepEqual(p.setCookies, ['a=1; Path=/']);
    assert.equal(p.body().toString(), 'ok');
  }
  // the raw head is a copy: the read buffer's next bytes do not change it
  const p = new ResponseParser();
  p.begin(false, false, 'raw');
  const buf = Buffer.from('HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n', 'latin1');
  assert.equal(p.feed(buf, 0, buf.length), DONE);
  buf.fill(0x41);
  assert.deepEqual(parseHeaderBlock(p.rawHead!), { 'x-a': '1' });
  // not asked: nothing kept
  assert.equal(feed(res, [1 << 20], { headers: false }).p.rawHead, null);
});
