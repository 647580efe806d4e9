/**
 * The test target as its own process: `node dist/test/targets/app-main.js [--freeze-every-ms N
 * --freeze-ms M] [--port P]` starts it and prints the port on stdout.
 */
import { startTarget } from './app.js';

const arg = (name: string): number | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : undefined;
};
const t = await startTarget({ freezeEveryMs: arg('--freeze-every-ms'), freezeMs: arg('--freeze-ms'), port: arg('--port') });
process.stdout.write(`${t.port}\n`);
