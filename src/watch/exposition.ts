/**
 * A parser for the Prometheus text exposition format (version 0.0.4), also accepting the parts of
 * OpenMetrics text a scraper meets in practice (`# EOF`, `_total`/`_created` on counters, exemplars).
 *
 * Why our own: the one npm parser for this (parse-prometheus-text-format, last released 2019) folds
 * every label set of a histogram or summary into one object keyed by `le`/`quantile` only, so the
 * buckets of `{route="/a"}` and `{route="/b"}` overwrite each other (its open issues #8 and #13), and
 * prom-client histograms always carry labels. The format is small and line-based; this parser follows
 * https://prometheus.io/docs/instrumenting/exposition_formats/ and is tested on the spec's example.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface MetricSample {
  /** the sample's own name, e.g. `http_request_duration_seconds_bucket` */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  /** the family name as declared by `# TYPE` (or the sample name for undeclared samples) */
  name: string;
  type: MetricType;
  help: string;
  samples: MetricSample[];
}

const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/** Parses a float as the format writes it: also `NaN`, `+Inf`, `-Inf`. */
export function parseMetricValue(s: string): number {
  if (s === '+Inf' || s === 'Inf' || s === '+inf' || s === 'inf') return Infinity;
  if (s === '-Inf' || s === '-inf') return -Infinity;
  if (s === 'NaN' || s === 'nan') return NaN;
  const n = Number(s);
  if (s.length === 0 || Number.isNaN(n)) throw new Error(`not a number: "${s}"`);
  return n;
}

/** Suffixes that attach a sample to a declared family of the given type. */
function suffixesFor(type: MetricType): string[] {
  switch (type) {
    case 'histogram':
      return ['_bucket', '_sum', '_count', '_created'];
    case 'summary':
      return ['_sum', '_count', '_created'];
    case 'counter':
      return ['_total', '_created'];
    default:
      return [];
  }
}

/** Parses one sample line (`name{a="b",c="d"} value [timestamp] [# exemplar]`). */
export function parseSampleLine(line: string): MetricSample {
  const m = NAME_RE.exec(line);
  if (!m) throw new Error('a sample line starts with a metric name');
  const name = m[0];
  let i = name.length;
  const labels: Record<string, string> = {};
  while (line[i] === ' ' || line[i] === '\t') i++;
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === '\t' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      if (i >= line.length) throw new Error('unterminated label set');
      const km = NAME_RE.exec(line.slice(i));
      if (!km) throw new Error(`bad label name at column ${i + 1}`);
      const key = km[0];
      i += key.length;
      while (line[i] === ' ') i++;
      if (line[i] !== '=') throw new Error(`expected = after label ${key}`);
      i++;
      while (line[i] === ' ') i++;
      if (line[i] !== '"') throw new Error(`expected " to open the value of label ${key}`);
      i++;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new Error(`unterminated value of label ${key}`);
        if (c === '\\') {
          const e = line[i + 1];
          value += e === 'n' ? '\n' : e === '\\' ? '\\' : e === '"' ? '"' : `\\${e ?? ''}`;
          i += 2;
          continue;
        }
        if (c === '"') {
          i++;
          break;
        }
        value += c;
        i++;
      }
      labels[key] = value;
    }
  }
  const rest = line.slice(i).trim();
  const hash = rest.indexOf('#'); // OpenMetrics exemplar: `value [ts] # {labels} value`
  const fields = (hash >= 0 ? rest.slice(0, hash) : rest).trim().split(/\s+/);
  if (fields.length === 0 || fields[0] === '') throw new Error(`no value for ${name}`);
  return { name, labels, value: parseMetricValue(fields[0]) };
}

export interface ParseResult {
  families: MetricFamily[];
  /** lines that could not be parsed, with their 1-based number; the rest of the text still counts */
  errors: Array<{ line: number; message: string }>;
}

/**
 * Parses an exposition. Bad lines are reported and skipped, never fatal: one malformed metric must not
 * blind the watcher to the others.
 */
export function parseExposition(text: string): ParseResult {
  const families = new Map<string, MetricFamily>();
  const order: MetricFamily[] = [];
  const errors: ParseResult['errors'] = [];
  const family = (name: string): MetricFamily => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, f);
      order.push(f);
    }
    return f;
  };
  // the family a suffixed sample belongs to: `x_bucket` → `x` when `x` is a declared histogram
  // (declarations come before their samples, so a name resolved once stays resolved)
  const resolved = new Map<string, MetricFamily>();
  const owner = (sampleName: string): MetricFamily => {
    const known = resolved.get(sampleName);
    if (known) return known;
    let found = families.get(sampleName);
    if (!found) {
      for (const f of order) {
        if (f.type === 'untyped' || f.type === 'gauge') continue;
        if (suffixesFor(f.type).some((suf) => sampleName === f.name + suf)) {
          found = f;
          break;
        }
      }
    }
    found ??= family(sampleName);
    resolved.set(sampleName, found);
    return found;
  };

  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '') continue;
    try {
      if (line.startsWith('#')) {
        const m = /^#\s*(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(.*)$/.exec(line);
        if (!m) continue; // a plain comment, or `# EOF`
        const f = family(m[2]);
        if (m[1] === 'HELP') f.help = m[3].replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
        else {
          const t = m[3].trim().toLowerCase();
          f.type = TYPES.has(t as MetricType) ? (t as MetricType) : t === 'unknown' ? 'untyped' : 'untyped';
        }
        continue;
      }
      const s = parseSampleLine(line);
      owner(s.name).samples.push(s);
    } catch (e) {
      errors.push({ line: n + 1, message: (e as Error).message });
    }
  }
  return { families: order.filter((f) => f.samples.length > 0), errors };
}

/** A stable key for a label set (sorted), used to match one series across scrapes. */
export function labelKey(labels: Record<string, string>, omit?: string): string {
  return Object.keys(labels)
    .filter((k) => k !== omit)
    .sort()
    .map((k) => `${k}="${labels[k].replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}
