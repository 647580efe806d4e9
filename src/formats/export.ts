/** `export`: the explicit list of exporters, plan → another tool's test file. */
import type { Plan } from '../plan/schema.js';
import { exportK6 } from './k6/export.js';
import { exportLocust } from './locust/export.js';
import { exportArtillery } from './artillery/export.js';
import { exportWrk, exportWrk2 } from './wrk/export.js';
import { exportHey } from './hey/export.js';
import { exportAb } from './ab/export.js';
import { exportGatling } from './gatling/export.js';

export type ExportTool = 'k6' | 'locust' | 'artillery' | 'gatling' | 'wrk' | 'wrk2' | 'hey' | 'ab';
export const EXPORT_TOOLS: readonly ExportTool[] = ['k6', 'locust', 'artillery', 'gatling', 'wrk', 'wrk2', 'hey', 'ab'];

export const EXPORTERS: Readonly<Record<ExportTool, (plan: Plan, file?: string) => string>> = {
  k6: exportK6,
  locust: exportLocust,
  artillery: exportArtillery,
  gatling: exportGatling,
  wrk: exportWrk,
  wrk2: exportWrk2,
  hey: exportHey,
  ab: exportAb,
};

export function isExportTool(s: string): s is ExportTool {
  return (EXPORT_TOOLS as readonly string[]).includes(s);
}
