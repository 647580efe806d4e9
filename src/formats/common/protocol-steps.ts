/**
 * WebSocket and gRPC steps as the exporters see them: a one-line description for the list of what
 * an exporter cannot express (a step is listed there, never dropped silently).
 */
import type { Step } from '../../plan/schema.js';

/** `ws connect /chat`, `grpc demo.Items/Get`, … */
export function protocolStepText(step: Extract<Step, { kind: 'ws' | 'grpc' }>): string {
  if (step.kind === 'grpc') return `grpc ${step.service}/${step.method}`;
  return step.op === 'connect' ? `ws connect ${step.connect}` : `ws ${step.op}${step.op === 'send' && step.expect ? ' + expect' : ''}`;
}

export { protocolStepsOf } from '../../plan/protocols.js';

/** The note an exporter without WebSocket/gRPC support lists for such a step. */
export function notExportedNote(tool: string, scenario: string, step: Extract<Step, { kind: 'ws' | 'grpc' }>): string {
  return `the ${step.kind === 'ws' ? 'WebSocket' : 'gRPC'} step "${protocolStepText(step)}" of scenario ${scenario} is not exported (${tool} export writes HTTP steps only)`;
}
