/**
 * Emits `schema/plan.schema.json` from the zod plan schema, so that a plan starting with
 * `# yaml-language-server: $schema=./node_modules/loadproof/schema/plan.schema.json` autocompletes
 * and is checked in editors.
 *
 * The JSON Schema describes the plan as written (`io: 'input'`: durations as strings, defaults
 * optional). Transforms are invisible to it, and refinements (exactly one method per step, one
 * watcher per entry) are carried by the JSON Schema keywords attached with `.meta()` in schema.ts.
 * Anything zod cannot represent becomes `{}` (accept anything) rather than failing the build; the
 * zod schema stays the authority, run on every `design` and `run`.
 *
 * `npm run schema` (node dist/src/plan/emit-json-schema.js) rewrites the committed file; a test
 * fails when the committed file and this code disagree.
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { PlanSchema } from './schema.js';

/** Where the committed schema lives (from dist/src/plan or src/plan alike: three levels up is the repo root). */
export const PLAN_JSON_SCHEMA_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../..', 'schema/plan.schema.json');

/** The plan's JSON Schema (draft 2020-12) as an object. */
export function planJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(PlanSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: 'loadproof plan',
    description:
      'A loadproof experiment: what is tested (target, scenarios), the hypothesis and success criteria (thresholds), the load pattern, and what to watch. See the loadproof docs: docs/plan.md and docs/plan-reference.md.',
    ...rest,
  };
}

/** The file's exact text: two-space JSON and a final newline. */
export function planJsonSchemaText(): string {
  return `${JSON.stringify(planJsonSchema(), null, 2)}\n`;
}

/** Writes the schema file (default: the repository's `schema/plan.schema.json`). */
export function writePlanJsonSchema(file: string = PLAN_JSON_SCHEMA_FILE): string {
  writeFileSync(file, planJsonSchemaText());
  return file;
}

// `npm run schema`: run as a script, regenerate the committed file.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  writePlanJsonSchema();
}
