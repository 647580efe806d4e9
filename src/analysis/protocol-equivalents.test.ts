import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutCount, fiveXxEquivalents, statuslessCount, throttledCount, timedOutCount } from './protocol-equivalents.js';

test('gRPC and WebSocket outcomes count as their HTTP equivalents', () => {
  assert.equal(throttledCount({ '429': 3, '200': 10 }, { grpc_resource_exhausted: 4 }), 7);
  assert.equal(throttledCount(undefined, { grpc_unavailable: 4 }), 0);
  assert.equal(timedOutCount({ '504': 1, '408': 2 }, { timeout: 3, grpc_deadline_exceeded: 5 }), 11);
  assert.equal(cutCount({ reset: 2, ws_abnormal_close: 3, refused: 9 }), 5);
  assert.deepEqual(fiveXxEquivalents({ grpc_unavailable: 2, grpc_deadline_exceeded: 1, grpc_error: 4, timeout: 7 }), { '503': 2, '504': 1, '500': 4 });
  assert.equal(statuslessCount({ grpc_error: 1, ws_abnormal_close: 2, status: 5 }), 3);
});
