import type { Command } from 'commander';
import type { Io } from '../io.js';
import { badFlag, ExitCode } from '../../errors.js';
import { startDemoChild } from '../../demo/child.js';
import { demoPlan, demoServeArgs } from '../../demo/plan.js';
import { buildDesign, renderDesign } from '../../plan/design.js';
import { runSession } from '../run-session.js';
import { prepareOutDir } from '../out-path.js';
import { resultsDir } from '../results-dir.js';
import { BOTTLENECKS, startDemoService, type Bottleneck, type DemoServiceOptions } from '../../demo/service.js';
import { parseDurationMs } from '../../plan/units.js';
import { DEMO_PROTOCOLS, type DemoProtocol } from '../../demo/protocols.js';
import type { SetExit } from './index.js';
import { addLiveOptions, startLive, type LiveFlags } from '../live.js';

interface DemoFlags extends LiveFlags {
  quick?: boolean;
  out?: string;
  bottleneck: string;
  protocol: string;
}

/**
 * `loadproof demo`: the demo service in a child process, the design, the experiment with live
 * progress and watchers, the reports. Exit code: 0 when the experiment ran and was reported — a
 * breakpoint run is *meant* to end on its stop rule and a refuted hypothesis is a finding, so
 * neither is a failure of the demo — 4 when the results are not valid (the generator itself was
 * saturated), 2 on a bad flag, 5 on an internal error.
 */
async function runDemo(flags: DemoFlags, io: Io): Promise<number> {
  if (!(BOTTLENECKS as readonly string[]).includes(flags.bottleneck)) {
    throw badFlag(`unknown bottleneck "${flags.bottleneck}"`, `use one of ${BOTTLENECKS.join(', ')}`, '--bottleneck');
  }
  const bottleneck = flags.bottleneck as Bottleneck;
  const protocol = demoProtocol(flags.protocol, bottleneck);
  const quick = Boolean(flags.quick);
  // the results folder is checked before the service starts: a bad --out is exit 2 at once
  const dir = prepareOutDir(resultsDir(`demo-${bottleneck}${protocol === 'http1' ? '' : `-${protocol}`}`, flags.out), flags.out !== undefined ? '--out' : 'the results folder');
  const service = await startDemoChild(demoServeArgs({ bottleneck, quick, protocol }));
  try {
    io.out(`Demo service (pid ${service.pid}) on ${service.url}: ${service.description}\n\n`);
    const grpcUrl = /gRPC demo\.Items on (http:\/\/\S+)/.exec(service.description)?.[1];
    const plan = demoPlan({ url: service.url, bottleneck, quick, protocol, ...(grpcUrl !== undefined ? { grpcUrl } : {}) });
    io.out(renderDesign(buildDesign(plan)));
    io.out('\n');
    const live = await startLive(flags, io);
    try {
      const out = await runSession({
        plan,
        io,
        json: false,
        out: dir,
        live: live?.feed,
        exitCodeOf: (r) => (r.verdict === 'invalid' ? ExitCode.invalid : ExitCode.ok),
      });
      io.out(`Open the HTML report: ${out.dir}/report.html
`);
      return out.exitCode;
    } finally {
      await live?.close();
    }
  } finally {
    await service.stop();
  }
}

/** `--protocol`: http1 (the default), h2, ws or grpc — the pool bottleneck's variants (src/demo/protocols.ts). */
function demoProtocol(value: string, bottleneck: Bottleneck): DemoProtocol {
  if (!(DEMO_PROTOCOLS as readonly string[]).includes(value)) throw badFlag(`unknown protocol "${value}"`, `use one of ${DEMO_PROTOCOLS.join(', ')}`, '--protocol');
  if (value !== 'http1' && bottleneck !== 'pool') throw badFlag(`--protocol ${value} runs the pool bottleneck only`, 'drop --bottleneck, or use --protocol http1', '--protocol');
  return value as DemoProtocol;
}

interface ServeFlags {
  protocol: string;
  port: string;
  host: string;
  bottleneck: string;
  poolSize?: string;
  hold?: string;
  queueTimeout?: string;
  cpu?: string;
  leakBytes?: string;
  cold?: string;
  coldExtra?: string;
  coldConcurrency?: string;
}

export function register(program: Command, io: Io, setExit: SetExit): void {
  const demo = addLiveOptions(program.command('demo'))
    .option('--quick', 'a ~20 s experiment instead of ~90 s')
    .option('--out <dir>', 'results folder')
    .option('--bottleneck <b>', 'pool | cpu | leak | cold | none', 'pool')
    .option('--protocol <p>', `${DEMO_PROTOCOLS.join(' | ')}: the protocol the load speaks (h2: cleartext HTTP/2; ws, grpc: the pool bottleneck over WebSocket messages or gRPC calls)`, 'http1')
    .description('start the bundled demo service on loopback and run a breakpoint experiment against it')
    // `demo` and `demo serve` share option names: each takes only the options written after it
    // (with enablePositionalOptions on the program too, in main.ts).
    .enablePositionalOptions()
    .addHelpText(
      'after',
      `
The service runs in its own process on a free loopback port; the results go to
loadproof-results/demo-<bottleneck>-<date-time>/ (or --out): result.json, report.md, report.html, run.ndjson.
Exit code: 0 when the experiment ran and was reported (a breakpoint run is meant to end on its stop rule),
4 when the results are not valid.

Examples:
  $ loadproof demo
  $ loadproof demo --quick
  $ loadproof demo --bottleneck cpu --out /tmp/demo-cpu
  $ loadproof demo --quick --protocol ws`,
    )
    .action(async (flags: DemoFlags) => {
      setExit(await runDemo(flags, io));
    });
  demo
    .command('serve')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '3000')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--bottleneck <b>', BOTTLENECKS.join(' | '), 'pool')
    .option('--protocol <p>', `${DEMO_PROTOCOLS.join(' | ')}: h2 serves cleartext HTTP/2 next to HTTP/1.1 on the same port; ws also serves /items/ws; grpc also serves gRPC on its own port`, 'http1')
    .option('--pool-size <n>', 'pool: connections (default 10)')
    .option('--hold <duration>', 'pool: how long each /items request holds a connection (default 20ms)')
    .option('--queue-timeout <duration>', 'pool: longest wait for a connection before 503 (default 2s)')
    .option('--cpu <duration>', 'cpu: CPU time per /items request (default 2ms)')
    .option('--leak-bytes <n>', 'leak: bytes retained per /items request (default 10240)')
    .option('--cold <duration>', 'cold: how long the cache stays cold after the first /items request (default 15s)')
    .option('--cold-extra <duration>', 'cold: extra latency of a miss (default 100ms)')
    .option('--cold-concurrency <n>', 'cold: misses served at once, more get 503 (default 8)')
    .description('start only the demo service (until Ctrl-C); prints "listening on http://HOST:PORT" first')
    .addHelpText(
      'after',
      `
API: POST /auth/login {"email":"test@example.com","password":"test_password"} -> {"token"};
     GET /items and POST /items with "Authorization: Bearer <token>"; GET /__loadproof/metrics.

Examples:
  $ loadproof demo serve
  $ loadproof demo serve --port 0 --bottleneck cpu --cpu 5ms`,
    )
    .action(async (flags: ServeFlags) => {
      const service = await startDemoService(serveOptions(flags));
      io.out(`listening on ${service.url}\n`);
      io.out(`bottleneck ${service.options.bottleneck}: ${service.describe()}\n`);
      // Serve until SIGINT/SIGTERM, then close cleanly and exit 0.
      await new Promise<void>((resolveStop) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolveStop();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await service.close();
      setExit(ExitCode.ok);
    });
}

function serveOptions(f: ServeFlags): DemoServiceOptions {
  const int = (flag: string, v: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw badFlag(`expected an integer from ${min} to ${max}, got "${v}"`, undefined, flag);
    return n;
  };
  const ms = (flag: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = parseDurationMs(v);
    if (n === undefined) throw badFlag(`"${v}" is not a duration`, 'write e.g. 20ms or 2s', flag);
    return n;
  };
  if (!(BOTTLENECKS as readonly string[]).includes(f.bottleneck)) {
    throw badFlag(`unknown bottleneck "${f.bottleneck}"`, `use one of ${BOTTLENECKS.join(', ')}`, '--bottleneck');
  }
  return {
    protocol: demoProtocol(f.protocol, f.protocol === 'http1' ? (f.bottleneck as Bottleneck) : 'pool'),
    port: int('--port', f.port, 0, 65535),
    host: f.host,
    bottleneck: f.bottleneck as Bottleneck,
    poolSize: int('--pool-size', f.poolSize, 1),
    holdMs: ms('--hold', f.hold),
    queueTimeoutMs: ms('--queue-timeout', f.queueTimeout),
    cpuMs: ms('--cpu', f.cpu),
    leakBytes: int('--leak-bytes', f.leakBytes, 0),
    coldMs: ms('--cold', f.cold),
    coldExtraMs: ms('--cold-extra', f.coldExtra),
    coldConcurrency: int('--cold-concurrency', f.coldConcurrency, 1),
  };
}
