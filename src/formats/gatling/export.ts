/**
 * Plan → a Gatling simulation in the Java DSL (Gatling 3.7+; the EL functions used need 3.10+).
 * One Gatling scenario per plan scenario, its load the plan's stages times its weight share:
 *
 * - open model → `injectOpen(rampUsersPerSec(a).to(b).during(d))` per stage: each arriving user
 *   runs the setup, then the flow once (an arrival is one flow iteration, as in loadproof);
 * - closed model → `injectClosed(rampConcurrentUsers(a).to(b).during(d))` per stage: each user runs
 *   the setup once, then repeats the flow for the rest of the run (`during`), as a loadproof VU does.
 *
 * Templates become Gatling EL (`#{token}`, `#{randomUuid()}`, `#{randomInt(a,b)}`,
 * `#{randomAlphanumeric(8)}`), `${env.NAME}` becomes `System.getenv("NAME")`, captures become
 * `saveAs` checks, expectations become checks, thresholds on http_req_duration / http_req_failed
 * become assertions. Everything else is listed in the header comment ("cannot express").
 */
import { protocolStepText } from '../common/protocol-steps.js';
import { wantsHttp2 } from '../common/http-version.js';
import type { Plan, RequestStep, Step } from '../../plan/schema.js';
import { planShape, requestName } from '../common/plan-shape.js';
import { templateParts } from '../common/template.js';

const jstr = (s: string): string => JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

/** A plan string as a Java expression producing a Gatling EL string. */
function el(s: string): string {
  const out: string[] = [];
  let cur = '';
  for (const p of templateParts(s)) {
    switch (p.kind) {
      case 'text':
        cur += p.text.replace(/#\{/g, '\\#{');
        break;
      case 'var':
        cur += `#{${p.name}}`;
        break;
      case 'randomString':
        cur += '#{randomAlphanumeric(8)}';
        break;
      case 'randomInt':
        cur += `#{randomInt(${p.min},${p.max})}`;
        break;
      case 'uuid':
        cur += '#{randomUuid()}';
        break;
      case 'env':
        if (cur) out.push(jstr(cur));
        cur = '';
        out.push(`System.getenv().getOrDefault(${jstr(p.name)}, "")`);
        break;
    }
  }
  if (cur || out.length === 0) out.push(jstr(cur));
  return out.join(' + ');
}

/** A JSON value as text with templates kept (strings inside are templated, the rest literal). */
function jsonTemplate(v: unknown): string {
  return JSON.stringify(v);
}

const ident = (s: string, i: number): string => {
  const base = s.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(\d)/, '_$1');
  return base ? `scn_${base}` : `scn_${i}`;
};

/** "items api" → "ItemsApiSimulation" (the file must be named after the class). */
export function gatlingClassName(planName: string): string {
  const words = planName.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const base = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return (/^[A-Za-z]/.test(base) ? base : `Plan${base}`) + 'Simulation';
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : String(Math.round(n * 1000) / 1000));

function requestChain(step: RequestStep, cannot: Set<string>): string {
  const name = requestName(step);
  const m = step.method.toLowerCase();
  const methodCall = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'].includes(m) ? `.${m}(${el(step.path)})` : `.httpRequest(${jstr(step.method)}, ${el(step.path)})`;
  const parts: string[] = [`http(${jstr(name)})${methodCall}`];
  for (const [k, v] of Object.entries(step.query ?? {})) parts.push(`.queryParam(${jstr(k)}, ${el(String(v))})`);
  for (const [k, v] of Object.entries(step.headers ?? {})) parts.push(`.header(${jstr(k)}, ${el(v)})`);
  if (step.json !== undefined) parts.push(`.body(StringBody(${el(jsonTemplate(step.json))})).asJson()`);
  else if (step.form) for (const [k, v] of Object.entries(step.form)) parts.push(`.formParam(${jstr(k)}, ${el(String(v))})`);
  else if (step.body !== undefined) parts.push(`.body(StringBody(${el(step.body)}))`);
  const checks: string[] = [];
  const e = step.expect;
  if (e?.status !== undefined) {
    const list = Array.isArray(e.status) ? e.status : [e.status];
    checks.push(list.length === 1 ? `status().is(${list[0]})` : `status().in(${list.join(', ')})`);
  }
  if (e?.maxDurationMs !== undefined) checks.push(`responseTimeInMillis().lte(${Math.round(e.maxDurationMs)})`);
  if (e?.contains !== undefined) checks.push(`substring(${jstr(e.contains)}).exists()`);
  for (const [path, want] of Object.entries(e?.json ?? {})) {
    if (typeof want === 'string') checks.push(`jsonPath(${jstr(path)}).is(${jstr(want)})`);
    else if (typeof want === 'number' && Number.isInteger(want)) checks.push(`jsonPath(${jstr(path)}).ofInt().is(${want})`);
    else if (typeof want === 'boolean') checks.push(`jsonPath(${jstr(path)}).ofBoolean().is(${want})`);
    else cannot.add(`the expectation ${path} = ${JSON.stringify(want)} of "${name}" (only strings, integers and booleans are compared)`);
  }
  for (const [k, spec] of Object.entries(step.capture ?? {})) {
    if (typeof spec === 'string' || 'json' in spec) checks.push(`jsonPath(${jstr(typeof spec === 'string' ? spec : spec.json)}).saveAs(${jstr(k)})`);
    else if ('header' in spec) {
      if (spec.regex === undefined) checks.push(`header(${jstr(spec.header)}).saveAs(${jstr(k)})`);
      else {
        if ((spec.group ?? 1) !== 1) cannot.add(`the capture ${k} takes regex group ${spec.group}: Gatling's headerRegex check takes group 1`);
        checks.push(`headerRegex(${jstr(spec.header)}, ${jstr(spec.regex)}).saveAs(${jstr(k)})`);
      }
    } else {
      // Gatling's regex check extracts the first capture group (the whole match when there is none)
      if ((spec.group ?? 1) !== 1) cannot.add(`the capture ${k} takes regex group ${spec.group}: Gatling's regex check takes group 1`);
      checks.push(`regex(${jstr(spec.regex)}).saveAs(${jstr(k)})`);
    }
  }
  if (step.timeoutMs) cannot.add(`the per-request timeout of "${name}" (${step.timeoutMs} ms): Gatling sets one requestTimeout for all requests (gatling.conf)`);
  if (checks.length) parts.push(`.check(${checks.join(', ')})`);
  return parts.join('\n          ');
}

function chain(steps: Step[], cannot: Set<string>): string[] {
  return steps.map((s) => {
    if (s.kind === 'think') {
      const { minMs, maxMs } = s.think;
      return minMs === maxMs ? `pause(Duration.ofMillis(${minMs}))` : `pause(Duration.ofMillis(${minMs}), Duration.ofMillis(${maxMs}))`;
    }
    if (s.kind === 'loop') {
      const body = chain(s.steps, cannot).join(', ');
      if (s.count !== undefined) return `repeat(${s.count}).on(${body})`;
      cannot.add(`a loop over ${s.over ?? 'a list'}: exported as one pass of its steps (Gatling's foreach needs the list in the session as a Java list)`);
      return `exec(${body})`;
    }
    if (s.kind === 'if') {
      cannot.add(`an if step: exported as its then branch only (its condition and else branch are not translated)`);
      return `exec(${chain(s.then, cannot).join(', ')})`;
    }
    if (s.kind === 'ws' || s.kind === 'grpc') {
      cannot.add(`the ${s.kind === 'ws' ? 'WebSocket' : 'gRPC'} step "${protocolStepText(s)}" (this export writes HTTP steps only)`);
      return 'exec(session -> session)';
    }
    return `exec(${requestChain(s, cannot)})`;
  });
}

/** `http_req_duration: ["p(95)<200"]` → a Gatling assertion, or undefined when it has none. */
function assertion(metric: string, source: string): string | undefined {
  const m = /^\s*(avg|min|max|med|p\((\d+(?:\.\d+)?)\)|rate)\s*(<|<=)\s*(\d+(?:\.\d+)?)\s*$/.exec(source);
  if (!m) return undefined;
  const [, stat, pct, op, value] = m;
  const cmp = op === '<' ? 'lt' : 'lte';
  if (metric === 'http_req_duration' && stat !== 'rate') {
    const v = Math.round(Number(value));
    if (String(v) !== value) return undefined; // Gatling compares whole milliseconds
    const sel = stat === 'avg' ? 'mean()' : stat === 'min' ? 'min()' : stat === 'max' ? 'max()' : stat === 'med' ? 'percentile(50.0)' : `percentile(${Number(pct).toFixed(Number(pct) % 1 ? 3 : 1)})`;
    return `global().responseTime().${sel}.${cmp}(${v})`;
  }
  if (metric === 'http_req_failed' && stat === 'rate') return `global().failedRequests().percent().${cmp}(${fmt(Number(value) * 100)})`;
  return undefined;
}

/** The Java DSL simulation for a plan. */
export function exportGatling(plan: Plan): string {
  const shape = planShape(plan);
  const cannot = new Set<string>();
  const className = gatlingClassName(plan.name);
  const totalSec = shape.totalSec;
  const scenarioDecls: string[] = [];
  const setUps: string[] = [];
  if (shape.model === 'closed' && shape.stages.some((s, i) => i > 0 && s.target < shape.stages[i - 1]!.target)) {
    cannot.add("ramping virtual users down: Gatling's closed model starts users to reach a target but does not stop looping ones");
  }
  shape.scenarios.forEach(({ scenario, share }, i) => {
    const id = ident(scenario.name, i);
    const setup = chain(scenario.setup ?? [], cannot);
    const flow = chain(scenario.flow, cannot);
    let body: string;
    if (shape.model === 'open') {
      if (setup.length) cannot.add(`per-VU setup of "${scenario.name}" once per virtual user: in Gatling's open model every arriving user is new, so it runs the setup before its one flow iteration`);
      body = [...setup, ...flow].map((c) => `.${c}`).join('\n      ');
    } else {
      const loop = flow.length ? `.during(Duration.ofSeconds(${totalSec})).on(\n        ${flow.join(',\n        ')}\n      )` : '';
      body = [...setup.map((c) => `.${c}`), loop].filter(Boolean).join('\n      ');
    }
    scenarioDecls.push(`  private final ScenarioBuilder ${id} = scenario(${jstr(scenario.name)})\n      ${body};`);
    let from = 0;
    const steps = shape.stages.map((s) => {
      const to = Math.round(s.target * share * 1000) / 1000;
      const a = fmt(from);
      const b = fmt(shape.model === 'closed' ? Math.round(to) : to);
      const d = `Duration.ofSeconds(${s.durationSec})`;
      const text =
        shape.model === 'open'
          ? a === b
            ? `constantUsersPerSec(${b}).during(${d})`
            : `rampUsersPerSec(${a}).to(${b}).during(${d})`
          : a === b
            ? `constantConcurrentUsers(${b}).during(${d})`
            : `rampConcurrentUsers(${a}).to(${b}).during(${d})`;
      from = shape.model === 'closed' ? Math.round(to) : to;
      return text;
    });
    setUps.push(`${id}.${shape.model === 'open' ? 'injectOpen' : 'injectClosed'}(\n        ${steps.join(',\n        ')}\n      )`);
  });
  const assertions: string[] = [];
  for (const [metric, list] of Object.entries(plan.thresholds ?? {})) {
    for (const t of list) {
      const a = assertion(metric, t.source);
      if (a) assertions.push(a);
      else cannot.add(`the threshold ${metric}: ${t.source} (Gatling assertions cover global response time in whole ms and the failed-request percentage)`);
    }
  }
  if (plan.abort) cannot.add('abort rules: Gatling has no incident guard (stop the run by hand, or use assertions after it)');
  if (plan.load?.maxInFlight) cannot.add(`load.maxInFlight (${plan.load.maxInFlight}): Gatling's open model has no cap on users in flight`);
  if (shape.model === 'open') cannot.add("latency from the intended send time: Gatling measures from the actual send (a user's requests wait for each other)");
  const protocol = [`http.baseUrl(${el(plan.target.replace(/\/$/, ''))})`];
  for (const [k, v] of Object.entries(plan.defaults?.headers ?? {})) protocol.push(`.header(${jstr(k)}, ${el(v)})`);
  // HTTP/2: Gatling's enableHttp2() negotiates it through ALPN on TLS; it has no cleartext h2c
  const h2 = wantsHttp2(plan);
  if (h2 === 'tls') protocol.push('.enableHttp2()');
  if (h2 === 'h2c') cannot.add('cleartext HTTP/2 (h2c): Gatling speaks HTTP/2 over TLS only (enableHttp2), so this simulation sends HTTP/1.1');
  return [
    `// Gatling simulation (Java DSL) exported by loadproof from the plan "${plan.name}".`,
    plan.hypothesis ? `// Hypothesis: ${plan.hypothesis.trim().replace(/\s+/g, ' ')}` : undefined,
    `// Save as ${className}.java in your Gatling project (src/test/java), then run it, e.g.`,
    `//   mvn gatling:test -Dgatling.simulationClass=${className}`,
    `// Import the results with: loadproof import target/gatling/<run>/ (the results folder)`,
    `// Load model: ${shape.model === 'open' ? 'open (users arriving per second, one flow iteration each)' : 'closed (concurrent users, each repeating its flow)'}.`,
    '// What Gatling cannot express from this plan:',
    ...(cannot.size ? [...cannot].map((c) => `//   - ${c}`) : ['//   - nothing']),
    'import static io.gatling.javaapi.core.CoreDsl.*;',
    'import static io.gatling.javaapi.http.HttpDsl.*;',
    '',
    'import io.gatling.javaapi.core.*;',
    'import io.gatling.javaapi.http.*;',
    'import java.time.Duration;',
    '',
    `public class ${className} extends Simulation {`,
    '',
    `  private final HttpProtocolBuilder httpProtocol = ${protocol.join('\n      ')};`,
    '',
    scenarioDecls.join('\n\n'),
    '',
    '  {',
    '    setUp(',
    `      ${setUps.join(',\n      ')}`,
    `    ).protocols(httpProtocol)${assertions.length ? `\n      .assertions(\n        ${assertions.join(',\n        ')}\n      )` : ''};`,
    '  }',
    '}',
    '',
  ]
    .filter((l) => l !== undefined)
    .join('\n');
}
