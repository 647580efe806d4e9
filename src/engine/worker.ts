/**
 * Entry point of a load worker thread: wires a `LoadWorker` to the parent port.
 */
import { parentPort } from 'node:worker_threads';
import { LoadWorker } from './load-worker.js';
import type { ToWorker } from './worker-protocol.js';

if (parentPort === null) throw new Error('worker.js runs as a worker thread');
const port = parentPort;
const worker = new LoadWorker((m) => port.postMessage(m));
port.on('message', (m: ToWorker) => worker.handle(m));
