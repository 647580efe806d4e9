/**
 * `loadproof k8s <plan> --generators N [--image I] [--namespace NS] [--out DIR] [--apply]`: the
 * Kubernetes objects that run the plan from N generators as one experiment (distributed/k8s.ts),
 * written as `manifests.yaml` (for `kubectl apply -f`) with the generator image's `Dockerfile`.
 * With `--apply` they are submitted through @kubernetes/client-node (a kubeconfig is needed), the
 * Job is awaited, each pod's shard is read from its log and saved under DIR/shards/, and the
 * shards are merged, analysed and reported locally like `loadproof merge` (exit code: the merged
 * verdict's).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadPlan } from '../../plan/parse.js';
import { assertRunnable } from '../../plan/runnable.js';
import { resolveLoad } from '../../plan/patterns.js';
import { parseDurationMs } from '../../plan/units.js';
import { badFlag } from '../../errors.js';
import { dockerfile, k8sName, k8sObjects } from '../../distributed/k8s.js';
import { applyAndCollect } from '../../distributed/k8s-apply.js';
import { parseLog } from '../../metrics/log.js';
import { exitCodeFor } from '../../result/verdict.js';
import { VERSION } from '../../version.js';
import { parseSeedFlag, parseStartAtFlag, parseWorkersFlag } from '../engine-flags.js';
import { SEGMENT_DEFAULT_SEED } from './run.js';
import { mergeAndReport, shardLines } from './merge.js';
import type { Io } from '../io.js';
import type { SetExit } from './index.js';

interface K8sFlags {
  generators?: string;
  image: string;
  namespace: string;
  out?: string;
  startIn: string;
  startAt?: string;
  seed?: string;
  cpu: string;
  memory: string;
  workers?: string;
  apply?: boolean;
  json?: boolean;
}

export function register(program: Command, io: Io, setExit: SetExit): void {
  program
    .command('k8s')
    .argument('<plan>', 'plan file (YAML or JSON)')
    .option('--generators <n>', 'number of generator pods (default: the plan\'s distributed.segments)')
    .option('--image <image>', 'generator image (build it with the Dockerfile written beside the manifests)', `loadproof:${VERSION}`)
    .option('--namespace <ns>', 'namespace of every object', 'default')
    .option('--out <dir>', 'where manifests.yaml, Dockerfile (and with --apply the shards and reports) go (default: loadproof-k8s/<plan>)')
    .option('--start-in <duration>', 'the generators start together this long after the manifests are made (image pulls, scheduling)', '2m')
    .option('--start-at <iso>', 'the generators start at this instant instead')
    .option('--seed <n>', 'seed shared by all generators', String(SEGMENT_DEFAULT_SEED))
    .option('--cpu <q>', 'CPU request of each generator', '1')
    .option('--memory <q>', 'memory request and limit of each generator', '512Mi')
    .option('--workers <n>', 'load worker threads per generator')
    .option('--apply', 'submit with the kubeconfig, wait, collect the shards from the pods\' logs, merge and report here')
    .option('--json', 'with --apply: print the merged result document on stdout')
    .description('write (and with --apply run) the Kubernetes Indexed Job that runs a plan from N generators')
    .addHelpText('after', `\nExamples:\n  $ loadproof k8s plan.yaml --generators 4 --image registry.example.com/loadproof:0.1.0\n  $ kubectl apply -f loadproof-k8s/<plan>/manifests.yaml\n  $ loadproof k8s plan.yaml --generators 8 --namespace perf --apply\n`)
    .action(async (file: string, flags: K8sFlags) => {
      const plan = loadPlan(file);
      assertRunnable(plan, file);
      const n = flags.generators !== undefined ? Number(flags.generators) : plan.distributed?.segments;
      if (n === undefined) throw badFlag('how many generators? the plan has no distributed.segments', 'add --generators N', '--generators');
      if (!Number.isInteger(n) || n < 1 || n > 1000) throw badFlag(`--generators ${flags.generators} is not a whole number from 1 to 1000`, 'write e.g. --generators 4', '--generators');
      if (plan.distributed?.segments !== undefined && plan.distributed.segments !== n) {
        throw badFlag(`--generators ${n} differs from the plan's distributed.segments: ${plan.distributed.segments}`, 'drop --generators or change the plan', '--generators');
      }
      const leadMs = parseDurationMs(flags.startIn);
      if (leadMs === undefined) throw badFlag(`--start-in ${flags.startIn} is not a duration`, 'write e.g. --start-in 2m', '--start-in');
      const startAt = parseStartAtFlag(flags.startAt) ?? new Date(Date.now() + leadMs);
      const seed = parseSeedFlag(flags.seed) ?? SEGMENT_DEFAULT_SEED;
      const workers = parseWorkersFlag(flags.workers);
      const load = resolveLoad(plan);
      const waitSec = Math.ceil((Math.max(0, startAt.getTime() - Date.now()) + load.totalMs + (plan.load?.gracefulStopMs ?? 30_000)) / 1000) + 300;
      const objects = k8sObjects({
        planName: plan.name,
        planText: readFileSync(file, 'utf8'),
        planFile: basename(file),
        generators: n,
        image: flags.image,
        namespace: flags.namespace,
        startAt,
        seed,
        cpu: flags.cpu,
        memory: flags.memory,
        workers,
        activeDeadlineSec: waitSec,
      });
      const dir = resolve(flags.out ?? join('loadproof-k8s', k8sName(plan.name)));
      mkdirSync(dir, { recursive: true });
      const manifests = join(dir, 'manifests.yaml');
      writeFileSync(manifests, objects.map((o) => stringify(o, { aliasDuplicateObjects: false })).join('---\n'));
      writeFileSync(join(dir, 'Dockerfile'), dockerfile());
      const say = flags.json ? io.err : io.out;
      say(`loadproof: ${n} generators start at ${startAt.toISOString()}\n  ${manifests}\n  ${join(dir, 'Dockerfile')}\n`);
      if (!flags.apply) {
        say(`Apply with: kubectl apply -f ${manifests}\nThen collect: kubectl logs -n ${flags.namespace} -l job-name=${k8sName(plan.name)} … and loadproof merge (docs/distributed.md).\n`);
        setExit(0);
        return;
      }
      const pods = await applyAndCollect({
        namespace: flags.namespace,
        jobName: k8sName(plan.name),
        generators: n,
        objects,
        timeoutMs: waitSec * 1000,
        say: (l) => io.err(`loadproof: ${l}\n`),
      });
      const shardDir = join(dir, 'shards');
      mkdirSync(shardDir, { recursive: true });
      const shards = pods.map((p) => {
        const f = join(shardDir, `${p.segment ?? p.pod}.ndjson`);
        const text = shardLines(p.text);
        writeFileSync(f, text);
        return { file: f, log: parseLog(text, f) };
      });
      const { result, summary } = await mergeAndReport(shards, join(dir, 'merged'));
      if (flags.json) {
        io.out(`${JSON.stringify(result, null, 2)}\n`);
        io.err(summary);
      } else io.out(summary);
      setExit(exitCodeFor(result.verdict));
    });
}
