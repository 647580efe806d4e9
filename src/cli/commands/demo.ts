import type { Command } from 'commander';
import type { Io } from '../io.js';
import { notAvailable } from '../io.js';
import { badFlag, ExitCode } from '../../errors.js';
import { BOTTLENECKS, startDemoService, type Bottleneck, type DemoServiceOptions } from '../../demo/service.js';
import { parseDurationMs } from '../../plan/units.js';
import type { SetExit } from './index.js';

interface ServeFlags {
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
  const demo = program
    .command('demo')
    .option('--quick', 'a ~20 s experiment instead of ~90 s')
    .option('--out <dir>', 'results folder')
    .option('--bottleneck <b>', 'pool | cpu | leak | cold | none', 'pool')
    .description('start the bundled demo service on loopback and run a breakpoint experiment against it')
    // `demo` and `demo serve` share option names: each takes only the options written after it
    // (with enablePositionalOptions on the program too, in main.ts).
    .enablePositionalOptions()
    .action(() => {
      throw notAvailable('demo');
    });
  demo
    .command('serve')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '3000')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--bottleneck <b>', BOTTLENECKS.join(' | '), 'pool')
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
