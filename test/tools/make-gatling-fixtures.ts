/**
 * Writes the Gatling 2.x fixtures from the 3.x tab-separated fixture (src/formats/gatling/fixtures/
 * simulation.log, the same 600 requests), in the layouts of Gatling 2.2's and 2.1's
 * `LogFileDataWriter` (see src/formats/gatling/import.ts). Gatling 2 is not installed here: these
 * files are constructed, not written by Gatling. Usage: node dist/test/tools/make-gatling-fixtures.js
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';

const dir = join(REPO_ROOT, 'src/formats/gatling/fixtures');
const rows = readFileSync(join(dir, 'simulation.log'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
const v22: string[] = [];
const v21: string[] = [];
// users get ids in START order; each request is attributed round-robin to the users (the 3.x log has no ids)
let nextUser = 0;
const userStart = new Map<number, string>();
let req = 0;
for (const c of rows) {
  switch (c[0]) {
    case 'RUN': {
      const [, sim, id, start, desc] = c;
      v22.push(['RUN', sim, '', id, start, desc, '2.0'].join('\t'));
      v21.push([sim, id, 'RUN', start, desc, '2.0'].join('\t'));
      break;
    }
    case 'USER': {
      const [, scen, ev, ts] = c;
      const id = ev === 'START' ? ++nextUser : [...userStart.keys()].find((k) => !v21.some((l) => l.startsWith(`${scen}\t${k}\tUSER\tEND`)))!;
      if (ev === 'START') userStart.set(id, ts!);
      v22.push(['USER', scen, id, ev, userStart.get(id), ts].join('\t'));
      v21.push([scen, id, 'USER', ev, userStart.get(id), ev === 'START' ? '0' : ts].join('\t'));
      break;
    }
    case 'REQUEST': {
      const [, groups, name, start, end, status, message] = c;
      const id = (req++ % Math.max(1, nextUser)) + 1;
      v22.push(['REQUEST', 'items', id, groups, name, start, end, status, message].join('\t'));
      // 2.1: request start/end and response start/end; the request is sent within the first ms
      v21.push(['items', id, 'REQUEST', groups, name, start, start, start, end, status, message].join('\t'));
      break;
    }
  }
}
writeFileSync(join(dir, 'simulation-2.2.log'), v22.join('\n') + '\n');
writeFileSync(join(dir, 'simulation-2.1.log'), v21.join('\n') + '\n');
