/**
 * What a protocol session (engine/ws, engine/grpc) needs of the VU context that runs its steps
 * (flow.ts `FlowRunner`). The session records its exchanges itself, in the host's recorder, with
 * the same rule as HTTP: latency from the intended start, every exchange sent counts, a timeout at
 * its age. The owner keeps the bookkeeping the models read (outstanding exchanges, the iteration).
 */
import type { FlowHost } from './flow.js';
import type { Vars } from './scenario/template.js';

export interface ProtocolOwner {
  readonly host: FlowHost;
  readonly vars: Vars;
  /**
   * An exchange is out on `endpoint`, meant to start at `intendedUs`: counted as outstanding, and,
   * if the run is cut before it ends, recorded as a timeout at its age.
   */
  out(endpoint: number, intendedUs: number): void;
  /**
   * The step ended at `doneUs` (µs, run clock). `goOn` false: the socket failed or is gone, and the
   * iteration ends here (its remaining steps would only fail again).
   */
  stepEnded(doneUs: number, goOn: boolean): void;
  /** a socket opened by the setup is gone: the setup runs again before the next iteration */
  lostSetupSocket(): void;
  /** template variables that were unset */
  noteMissing(names: string[]): void;
}
