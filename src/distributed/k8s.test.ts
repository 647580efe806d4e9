import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { parseAllDocuments, stringify } from 'yaml';
import { k8sName, k8sObjects, dockerfile, segmentOfPod, type K8sOptions } from './k8s.js';
import { kubeconfigPath } from './k8s-apply.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const opts: K8sOptions = {
  planName: 'Items API: capacity!',
  planText: 'name: x\n',
  planFile: 'plan.yaml',
  generators: 4,
  image: 'registry.example.com/loadproof:0.1.0',
  namespace: 'perf',
  startAt: new Date('2026-12-07T02:00:00.000Z'),
  seed: 7,
  cpu: '1',
  memory: '512Mi',
  activeDeadlineSec: 900,
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const MODELS: Record<string, new (data: any) => { validate(): void }> = { ConfigMap, ServiceAccount, Role, RoleBinding, Job };

test('every generated object validates against the Kubernetes OpenAPI schema (kubernetes-models)', () => {
  for (const generators of [1, 4, 50]) {
    const objs = k8sObjects({ ...opts, generators, workers: generators === 50 ? 2 : undefined });
    assert.deepEqual(objs.map((o) => o.kind), ['ConfigMap', 'ServiceAccount', 'Role', 'RoleBinding', 'Job']);
    for (const o of objs) {
      const Model = MODELS[o.kind as string]!;
      // through YAML and back, as kubectl would read manifests.yaml
      const doc = parseAllDocuments(stringify(o, { aliasDuplicateObjects: false }))[0]!.toJS();
      assert.doesNotThrow(() => new Model(doc).validate(), `${o.kind} (${generators} generators)`);
    }
  }
  // the validator has teeth: a wrong type is refused
  const job = k8sObjects(opts).find((o) => o.kind === 'Job')!;
  const bad = JSON.parse(JSON.stringify(job));
  bad.spec.completions = 'four';
  assert.throws(() => new Job(bad).validate());
});

test('the Job is Indexed, N pods at once, each running its segment from the completion index, starting together', () => {
  const job = k8sObjects(opts).find((o) => o.kind === 'Job') as { metadata: { name: string; namespace: string }; spec: Record<string, unknown> };
  const spec = job.spec as {
    completionMode: string;
    completions: number;
    parallelism: number;
    backoffLimit: number;
    template: { spec: { restartPolicy: string; containers: Array<{ args: string[]; env: Array<{ name: string; valueFrom: { fieldRef: { fieldPath: string } } }>; resources: unknown; image: string }>; volumes: Array<{ configMap: { name: string } }> } };
  };
  assert.equal(job.metadata.name, 'loadproof-items-api-capacity');
  assert.equal(job.metadata.namespace, 'perf');
  assert.equal(spec.completionMode, 'Indexed');
  assert.equal(spec.completions, 4);
  assert.equal(spec.parallelism, 4);
  assert.equal(spec.backoffLimit, 0);
  assert.equal(spec.template.spec.restartPolicy, 'Never');
  const c = spec.template.spec.containers[0]!;
  assert.equal(c.image, opts.image);
  assert.deepEqual(c.args, ['run', '/plan/plan.yaml', '--segment', '$(JOB_COMPLETION_INDEX)/4', '--start-at', '2026-12-07T02:00:00.000Z', '--seed', '7', '--shard-to-stdout', '--out', '/tmp/loadproof']);
  assert.equal(c.env[0]!.name, 'JOB_COMPLETION_INDEX');
  assert.equal(c.env[0]!.valueFrom.fieldRef.fieldPath, "metadata.annotations['batch.kubernetes.io/job-completion-index']");
  assert.deepEqual(c.resources, { requests: { cpu: '1', memory: '512Mi' }, limits: { memory: '512Mi' } });
  assert.equal(spec.template.spec.volumes[0]!.configMap.name, 'loadproof-items-api-capacity-plan');
});

test('RBAC grants what collecting needs: pods get/list/watch, pods/log get, jobs get', () => {
  const role = k8sObjects(opts).find((o) => o.kind === 'Role') as { rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> };
  const can = (group: string, resource: string, verb: string): boolean => role.rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
  assert.ok(can('', 'pods/log', 'get'));
  assert.ok(can('', 'pods', 'list'));
  assert.ok(can('batch', 'jobs', 'get'));
  assert.ok(!can('', 'pods', 'delete'));
});

test('names, pod segments, Dockerfile, kubeconfig discovery', () => {
  assert.equal(k8sName('---'), 'loadproof-run');
  assert.ok(k8sName('x'.repeat(100)).length <= 52);
  assert.deepEqual(segmentOfPod({ 'batch.kubernetes.io/job-completion-index': '3' }, 4), { index: 3, count: 4 });
  assert.equal(segmentOfPod({}, 4), null);
  assert.match(dockerfile(), /ENTRYPOINT \["node", "\/app\/bin\/loadproof\.js"\]/);
  const dir = mkdtempSync(join(tmpdir(), 'lp-kube-'));
  try {
    const cfg = join(dir, 'config');
    writeFileSync(cfg, 'apiVersion: v1\n');
    // the first existing file of a KUBECONFIG list is the one
    assert.equal(kubeconfigPath({ KUBECONFIG: `${join(dir, 'missing')}:${cfg}` }), cfg);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
