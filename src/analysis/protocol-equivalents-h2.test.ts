import { test } from 'node:test';
import assert from 'node:assert/strict';
import { h2RejectsText, refusedLike, resetLike } from './protocol-equivalents.js';

test('h2 refused streams count as refused, stream resets and GOAWAY as resets', () => {
  const k = { refused: 2, reset: 3, h2_refused_stream: 5, h2_stream_reset: 7, h2_goaway: 11, timeout: 13 };
  assert.equal(refusedLike(k), 7);
  assert.equal(resetLike(k), 21);
  assert.equal(refusedLike(undefined), 0);
  assert.equal(h2RejectsText({ refused: 1 }), '');
  assert.equal(h2RejectsText(k), ' (of which 5 refused HTTP/2 streams, 7 reset HTTP/2 streams, 11 cut by GOAWAY)');
});
