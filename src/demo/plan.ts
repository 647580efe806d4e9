/**
 * The experiment `loadproof demo` runs against the demo service: for each bottleneck the pattern
 * that reveals it, with the demo service's own API (login once per context, then browse and
 * create items) and its watch targets (the service's process by port, its probe).
 *
 *   pool, cpu, none  breakpoint: steps of constant arrival rate until a stop rule trips
 *                    (default 100 → 800 req/s, 8 steps of a 1 s ramp and a 10 s hold — holds of
 *                    10 s or more let latency settle; --quick 200 → 600 req/s, 5 steps of 4 s).
 *                    The pool's designed limit is 500 req/s: the knee falls in the middle.
 *   leak             soak (exploratory, far shorter than 30 min): 300 req/s held, RSS watched
 *   cold             load: a short ramp to 150 req/s, held while the cache warms (15 s cold; 5 s
 *                    in --quick) and after
 */
import { PlanSchema, type Plan, type PlanInput } from '../plan/schema.js';
import { DEMO_USER, type Bottleneck } from './service.js';
import { DEMO_PROTO, type DemoProtocol } from './protocols.js';

export interface DemoPlanOptions {
  url: string;
  bottleneck: Bottleneck;
  quick: boolean;
  /** http1 (default); h2: cleartext HTTP/2 over 4 sessions; ws: the items over /items/ws; grpc: demo.Items at `grpcUrl` (the pool bottleneck's variants) */
  protocol?: DemoProtocol;
  grpcUrl?: string;
}

/** The demo service's child arguments for this experiment (shorter cold window in --quick). */
export function demoServeArgs(o: Pick<DemoPlanOptions, 'bottleneck' | 'quick' | 'protocol'>): string[] {
  const args = ['--bottleneck', o.bottleneck];
  if (o.protocol !== undefined && o.protocol !== 'http1') args.push('--protocol', o.protocol);
  if (o.bottleneck === 'cold' && o.quick) args.push('--cold', '5s');
  return args;
}

/** A 1 s ramp to each level, then a hold of `holdSec`. */
/** A 2 s ramp to `rate`, then `rate` held for the rest of `totalSec`. */
function held(rate: number, totalSec: number): Array<{ duration: string; target: number }> {
  return [
    { duration: '2s', target: rate },
    { duration: `${totalSec - 2}s`, target: rate },
  ];
}

function steps(levels: number[], holdSec: number): Array<{ duration: string; target: number }> {
  return levels.flatMap((level) => [
    { duration: '1s', target: level },
    { duration: `${holdSec}s`, target: level },
  ]);
}

const range = (from: number, to: number, by: number): number[] => {
  const out: number[] = [];
  for (let v = from; v <= to; v += by) out.push(v);
  return out;
};

/** Builds and validates the demo plan. */
export function demoPlan(o: DemoPlanOptions): Plan {
  const port = Number(new URL(o.url).port);
  const login = {
    post: '/auth/login',
    json: { email: DEMO_USER.email, password: DEMO_USER.password },
    capture: { token: '$.token' },
    expect: { status: 200 },
  };
  const auth = { Authorization: 'Bearer {{ token }}' };
  let pattern: PlanInput['pattern'];
  let stages: Array<{ duration: string; target: number }>;
  let hypothesis: string;
  switch (o.bottleneck) {
    case 'leak':
      pattern = { type: 'soak', peak: 300, duration: o.quick ? '20s' : '90s' };
      stages = held(300, o.quick ? 20 : 90);
      hypothesis = 'The items API holds 300 req/s with flat memory: RSS does not grow with requests served.';
      break;
    case 'cold':
      pattern = { type: 'load', peak: 150, duration: o.quick ? '20s' : '60s' };
      stages = held(150, o.quick ? 20 : 60);
      hypothesis = 'The items API serves 150 req/s at p95 < 200 ms with under 1% errors from its first second.';
      break;
    default:
      pattern = { type: 'breakpoint', peak: 500, duration: o.quick ? '20s' : '90s' };
      stages = o.quick ? steps(range(200, 600, 100), 3) : steps(range(100, 800, 100), 10);
      hypothesis = 'The items API sustains 400 req/s of mixed traffic at p95 < 200 ms with under 1% errors, and breaks somewhere above.';
  }
  const input: PlanInput = {
    name: `demo items API (${o.bottleneck} bottleneck${o.protocol === 'h2' ? ', HTTP/2' : ''})`,
    hypothesis,
    target: o.url,
    pattern,
    load: { model: 'open', stages, maxInFlight: 2000, ...(o.protocol === 'h2' ? { connections: 4 } : {}) },
    ...(o.protocol === 'h2' ? { http: { version: '2' as const } } : {}),
    thresholds: {
      http_req_duration: ['p(95)<200', 'p(99)<500'],
      http_req_failed: ['rate<0.01'],
    },
    defaults: { timeout: '5s', headers: { 'User-Agent': 'loadproof-demo' } },
    scenarios: [
      { name: 'browse', weight: 3, setup: [login], flow: [{ get: '/items', headers: auth, expect: { status: 200 } }] },
      {
        name: 'create',
        weight: 1,
        setup: [login],
        flow: [{ post: '/items', headers: auth, json: { name: '{{ $randomString() }}', value: 42 }, expect: { status: 201 } }],
      },
    ],
    watch: [{ process: { port, role: 'app', label: 'demo' } }, { eventLoop: { url: `${o.url}/__loadproof/metrics`, label: 'demo' } }],
  };
  if (o.protocol === 'ws') {
    // one socket per VU context (opened in its setup, after the login); each arrival is one message
    // round trip through the pool, correlated by its id
    input.name = `demo items API over WebSocket (${o.bottleneck} bottleneck)`;
    input.hypothesis = hypothesis.replace('items API', 'items WebSocket').replace('req/s of mixed traffic', 'messages/s');
    input.scenarios = [
      {
        name: 'browse',
        setup: [login, { ws: { connect: '/items/ws', headers: auth } }],
        flow: [{ ws: { send: { json: { id: '{{ $uuid() }}' } }, expect: { correlate: '$.id', timeout: '5s' } } }],
      },
    ];
  } else if (o.protocol === 'grpc') {
    if (o.grpcUrl === undefined) throw new TypeError('the gRPC demo plan needs the gRPC URL');
    input.name = `demo items API over gRPC (${o.bottleneck} bottleneck)`;
    input.hypothesis = hypothesis.replace('items API', 'items gRPC service').replace('req/s of mixed traffic', 'calls/s');
    input.target = o.grpcUrl;
    input.scenarios = [{ name: 'browse', flow: [{ grpc: { proto: DEMO_PROTO, service: 'demo.Items', method: 'Get', message: { id: '{{ $randomInt(1, 20) }}' } } }] }];
  }
  return PlanSchema.parse(input);
}
