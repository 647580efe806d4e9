/**
 * Preloaded with `node --import` to starve loadproof's load workers: in every worker thread (not
 * the main thread) the event loop is blocked 40 ms out of every 50 ms, as a generator would be on
 * a machine whose cores are taken. Used to prove that a starved generator yields exit 4.
 */
import { isMainThread } from 'node:worker_threads';

if (!isMainThread) {
  setInterval(() => {
    const until = performance.now() + 40;
    while (performance.now() < until) {
      // burn: the worker cannot send on time
    }
  }, 50).unref();
}
