/**
 * `loadproof k8s … --apply`: submits the objects of k8s.ts through the official JavaScript client
 * (@kubernetes/client-node) with the user's kubeconfig, waits for the Indexed Job, and reads each
 * generator's shard back from its pod's log (the pod writes its NDJSON log to stdout with
 * `--shard-to-stdout`; stderr lines in the same log are dropped by `shardLines`).
 *
 * Not exercised against a cluster (none was reachable where this was written): the code path that
 * needs no cluster — no kubeconfig → one clear error, exit 2 — is tested; the rest is written
 * against the client's typed API and is untested. docs/distributed.md says so.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LoadproofError } from '../errors.js';
import { segmentOfPod } from './k8s.js';

/** A collected shard: the pod it came from, its segment and its log text. */
export interface PodShard {
  pod: string;
  segment: number | null;
  /** pod phase at collection (Succeeded, Failed, …) */
  phase: string;
  text: string;
}

/** The kubeconfig file the client would load, or null when there is none (and not in a cluster). */
export function kubeconfigPath(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.KUBECONFIG) {
    const first = env.KUBECONFIG.split(':').find((p) => p !== '' && existsSync(p));
    if (first) return first;
  }
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return home;
  if (env.KUBERNETES_SERVICE_HOST && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')) return '(in-cluster)';
  return null;
}

export interface ApplyOptions {
  namespace: string;
  jobName: string;
  generators: number;
  /** objects in apply order (ConfigMap, ServiceAccount, Role, RoleBinding, Job) */
  objects: Array<Record<string, unknown>>;
  /** give up waiting after this long, ms */
  timeoutMs: number;
  /** progress lines */
  say: (line: string) => void;
}

/** Submits, waits for the Job to finish, and collects every pod's shard. */
export async function applyAndCollect(o: ApplyOptions): Promise<PodShard[]> {
  if (kubeconfigPath() === null) {
    throw new LoadproofError('LP_BAD_FLAG', 'no kubeconfig: --apply needs a cluster to submit to', {
      where: '--apply',
      hint: 'set KUBECONFIG or create ~/.kube/config; without --apply the manifests are written for kubectl apply -f',
    });
  }
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const namespace = o.namespace;
  for (const obj of o.objects) {
    const kind = obj.kind as string;
    const body = obj as never;
    o.say(`creating ${kind} ${(obj.metadata as { name: string }).name}`);
    if (kind === 'ConfigMap') await core.createNamespacedConfigMap({ namespace, body });
    else if (kind === 'ServiceAccount') await core.createNamespacedServiceAccount({ namespace, body });
    else if (kind === 'Role') await rbac.createNamespacedRole({ namespace, body });
    else if (kind === 'RoleBinding') await rbac.createNamespacedRoleBinding({ namespace, body });
    else if (kind === 'Job') await batch.createNamespacedJob({ namespace, body });
  }
  const until = Date.now() + o.timeoutMs;
  for (;;) {
    const job = await batch.readNamespacedJob({ name: o.jobName, namespace });
    const done = (job.status?.succeeded ?? 0) + (job.status?.failed ?? 0);
    const finished = job.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    if (finished || done >= o.generators) break;
    if (Date.now() > until) {
      throw new LoadproofError('LP_INTERNAL', `job ${o.jobName} did not finish within ${Math.round(o.timeoutMs / 1000)} s`, {
        hint: `collect later with kubectl logs, then loadproof merge`,
      });
    }
    await new Promise((r) => setTimeout(r, 5000));
  }
  const pods = await core.listNamespacedPod({ namespace, labelSelector: `job-name=${o.jobName}` });
  const out: PodShard[] = [];
  for (const p of pods.items) {
    const name = p.metadata?.name ?? '?';
    const seg = segmentOfPod(p.metadata?.annotations, o.generators);
    let text = '';
    try {
      text = await core.readNamespacedPodLog({ name, namespace, container: 'generator' });
    } catch (err) {
      o.say(`pod ${name}: its log could not be read (${(err as Error).message}): its segment will be missing`);
      continue;
    }
    out.push({ pod: name, segment: seg?.index ?? null, phase: p.status?.phase ?? 'Unknown', text });
  }
  return out;
}
