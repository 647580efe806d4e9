/**
 * What converters (`loadproof convert`) share: the result shape, and the rule that nothing is
 * dropped silently — everything not translated is a note with its line.
 */
import { stringify } from 'yaml';

/** Something in the source that the plan does not carry, with where it is. */
export interface ConvertNote {
  line: number;
  message: string;
}

export interface Conversion {
  /** the plan as plain data (PlanInput), ready to be written as YAML */
  plan: Record<string, unknown>;
  notes: ConvertNote[];
}

/** The plan as YAML text, with the notes as comments at the top. */
export function conversionYaml(c: Conversion, source: string): string {
  const head = [`# converted by loadproof convert from ${source}`];
  if (c.notes.length) {
    head.push('# not translated (fix by hand or leave out):');
    for (const n of c.notes) head.push(`#   line ${n.line}: ${n.message}`);
  }
  return `${head.join('\n')}\n${stringify(c.plan, { lineWidth: 0 })}`;
}
