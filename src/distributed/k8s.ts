/**
 * The Kubernetes objects of a distributed run (`loadproof k8s <plan> --generators N`): pure
 * construction, no I/O, no cluster.
 *
 *   ConfigMap   <name>-plan       the plan file, mounted read-only at /plan/<file>
 *   Job         <name>            completionMode Indexed, completions = parallelism = N: pod i runs
 *                                 `loadproof run /plan/<file> --segment i/N --start-at <T>
 *                                 --shard-to-stdout`, i read from the pod's completion-index
 *                                 annotation (JOB_COMPLETION_INDEX); its stdout is its shard, read
 *                                 back from the pod's log — no shared volume
 *   ServiceAccount, Role, RoleBinding  <name>-collector: what collecting needs (get/list/watch
 *                                 pods and jobs, get pods/log), for a collector running in the
 *                                 cluster (a CI runner pod); a user's own kubeconfig needs the same
 *
 * backoffLimit is 0 and restartPolicy Never: a generator restarted late would start its share of
 * the schedule at the wrong instant, so a failed generator stays failed and the merge names it
 * (validity `generator-failed`). Pods prefer distinct nodes (anti-affinity), so N generators are
 * N machines when the cluster has them. The generators keep their pods for an hour after the Job
 * ends (ttlSecondsAfterFinished) so their logs can be collected.
 */
import type { SegmentSpec } from '../engine/schedule/segment.js';

export interface K8sOptions {
  /** the plan's name, made into object names */
  planName: string;
  /** the plan file's text and base name */
  planText: string;
  planFile: string;
  generators: number;
  image: string;
  namespace: string;
  /** the instant every generator starts its share */
  startAt: Date;
  /** seed shared by all segments */
  seed: number;
  /** per-generator resource requests */
  cpu: string;
  memory: string;
  /** load worker threads per generator */
  workers?: number;
  /** how long the Job may run at most, s (plan length + start lead + grace) */
  activeDeadlineSec: number;
}

/** Kubernetes object names: DNS-1123 labels, at most 52 characters (Job names leave room for pod suffixes). */
export function k8sName(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `loadproof-${s || 'run'}`;
}

type Obj = Record<string, unknown>;

/** Every object, in apply order. */
export function k8sObjects(o: K8sOptions): Obj[] {
  const name = k8sName(o.planName);
  const labels = { 'app.kubernetes.io/name': 'loadproof', 'app.kubernetes.io/instance': name };
  const meta = (n: string): Obj => ({ name: n, namespace: o.namespace, labels });
  const collector = `${name}-collector`;
  const args = [
    'run',
    `/plan/${o.planFile}`,
    '--segment',
    `$(JOB_COMPLETION_INDEX)/${o.generators}`,
    '--start-at',
    o.startAt.toISOString(),
    '--seed',
    String(o.seed),
    '--shard-to-stdout',
    '--out',
    '/tmp/loadproof',
  ];
  if (o.workers !== undefined) args.push('--workers', String(o.workers));
  const configMap: Obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${name}-plan`), data: { [o.planFile]: o.planText } };
  const serviceAccount: Obj = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(collector) };
  const role: Obj = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta(collector),
    rules: [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch'] },
    ],
  };
  const roleBinding: Obj = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(collector),
    subjects: [{ kind: 'ServiceAccount', name: collector, namespace: o.namespace }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: collector },
  };
  const job: Obj = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(name),
    spec: {
      completionMode: 'Indexed',
      completions: o.generators,
      parallelism: o.generators,
      backoffLimit: 0,
      activeDeadlineSeconds: o.activeDeadlineSec,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: labels } } },
              ],
            },
          },
          containers: [
            {
              name: 'generator',
              image: o.image,
              args,
              env: [
                {
                  name: 'JOB_COMPLETION_INDEX',
                  valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } },
                },
              ],
              resources: { requests: { cpu: o.cpu, memory: o.memory }, limits: { memory: o.memory } },
              volumeMounts: [{ name: 'plan', mountPath: '/plan', readOnly: true }],
            },
          ],
          volumes: [{ name: 'plan', configMap: { name: `${name}-plan` } }],
        },
      },
    },
  };
  return [configMap, serviceAccount, role, roleBinding, job];
}

/** The Dockerfile of the generator image (built from a checkout of loadproof). */
export function dockerfile(): string {
  return `# loadproof generator image: docker build -t <registry>/loadproof:<tag> -f Dockerfile <loadproof checkout>
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY bin ./bin
COPY schema ./schema
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/bin ./bin
COPY --from=build /app/schema ./schema
USER node
ENTRYPOINT ["node", "/app/bin/loadproof.js"]
`;
}

/** The segment a pod ran, from its completion-index annotation. */
export function segmentOfPod(annotations: Record<string, string> | undefined, count: number): SegmentSpec | null {
  const v = annotations?.['batch.kubernetes.io/job-completion-index'];
  if (v === undefined || !/^\d+$/.test(v)) return null;
  return { index: Number(v), count };
}
