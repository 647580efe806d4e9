import fc from 'fast-check';
import { surfaces, inputs, check } from '../dist/test/fuzz/surfaces.js';
const name = process.argv[2]; const runs = Number(process.argv[3] ?? 50); const seed = Number(process.argv[4] ?? 42);
const s = surfaces().find((x) => x.name === name);
const samples = fc.sample(inputs(s), { numRuns: runs, seed });
let i = 0;
for (const input of samples) {
  const t0 = Date.now();
  const p = await check(s, input);
  const ms = Date.now() - t0;
  if (p || ms > 300) { console.log(`#${i} ${ms}ms ${p ?? ''}`.slice(0, 300)); if (process.argv[5]) (await import('node:fs')).writeFileSync(`/tmp/fz-${i}.txt`, input); }
  i++;
}
console.log(`${name}: done ${i}`);
