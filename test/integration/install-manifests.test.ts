import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, RbacAuthorizationV1Api, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { releaseCrdFile } from '../../src/domain/api/crd.ts';
import { isNotFound } from '../../src/kube/errors.ts';
import { rollguardPermissions } from '../../src/cli/install/permissions.ts';
import { readOperatorSinks } from '../../src/server/notification-settings.ts';
import { installCrd } from '../support/crd.ts';
import {
  chartDir,
  installTools,
  keyOf,
  manifests,
  runTool,
  succeed,
  userOverlay,
  type Manifest,
} from '../support/install-tools.ts';
import { kube, waitFor } from '../support/stack.ts';
import { exampleRelease, rollguard, RollguardProcess, stackShell } from './cli-process.ts';

/** Each install choice: its kustomize overlay and the chart values that make the same objects. */
const choices = [
  { choice: 'the defaults', overlay: 'deploy/base', values: [] },
  { choice: 'a namespaced install', overlay: 'deploy/overlays/namespaced', values: ['--set', 'namespaced=true'] },
  {
    choice: 'mTLS to Temporal',
    overlay: 'deploy/overlays/temporal-tls',
    values: ['--set', 'temporal.tls.clientCertSecret=rollguard-temporal-tls'],
  },
  {
    choice: 'an API key to Temporal',
    overlay: 'deploy/overlays/temporal-api-key',
    values: ['--set', 'temporal.apiKey.secretName=rollguard-temporal-api-key'],
  },
];

let helm: string;
let kubectl: string;
const clients = kube();
const suffix = randomBytes(3).toString('hex');
// Names of their own, apart from each other and from deploy/rbac as the rbac test applies it.
const kz = { namespace: `install-kz-${suffix}`, namePrefix: `install-kz-${suffix}-` };
const chart = { release: `install-helm-${suffix}`, namespace: `install-helm-${suffix}` };
const kzServiceAccount = `system:serviceaccount:${kz.namespace}:${kz.namePrefix}rollguard`;
const chartServiceAccount = `system:serviceaccount:${chart.namespace}:${chart.release}-rollguard`;
let kzObjects: Manifest[] = [];

/** What both renderings must agree on: the objects, without the labels and selectors each tool adds its own way. */
function comparable(m: Manifest): unknown {
  const { labels: _labels, annotations: _annotations, ...metadata } = m.metadata;
  const copy = structuredClone({ ...m, metadata }) as Manifest & {
    spec?: { selector?: unknown; template?: { metadata?: unknown } };
  };
  if (copy.spec && m.kind !== 'CustomResourceDefinition') {
    delete copy.spec.selector;
    delete copy.spec.template?.metadata;
  }
  return JSON.parse(JSON.stringify(copy), (key, value: unknown) =>
    // Kubernetes keys these lists by name; kustomize puts a patch's new items first, Helm where they are written.
    ['env', 'volumes', 'volumeMounts'].includes(key) && Array.isArray(value) ? sortByName(value) : value,
  ) as unknown;
}

const sortByName = (list: { name: string }[]) => list.toSorted((a, b) => a.name.localeCompare(b.name));

const byKey = (list: Manifest[]) => Object.fromEntries(list.map((m) => [keyOf(m), comparable(m)]));

type Permission = (typeof rollguardPermissions)[number];

/** `kubectl auth can-i` as the ServiceAccount, for one verb of a permission rollguard needs. */
const canI = async (as: string, verb: string, resource: string, where: string[]): Promise<boolean> => {
  const result = await runTool(kubectl, ['auth', 'can-i', verb, ...resource.split(' '), `--as=${as}`, ...where]);
  return result.stdout.trim() === 'yes';
};

/** The permission as kubectl's arguments: `releases.rollguard.dev --subresource=status`, `leases.coordination.k8s.io/NAME`. */
function resourceArg(p: Permission): string {
  const resource = `${p.resource}${p.group ? `.${p.group}` : ''}${p.name ? `/${p.name}` : ''}`;
  return p.subresource ? `${resource} --subresource=${p.subresource}` : resource;
}

/** Each verb of each permission the ServiceAccount lacks (an empty list when it has them all). */
async function lacking(as: string, permissions: Permission[], where: (p: Permission) => string[]): Promise<string[]> {
  const denied: string[] = [];
  for (const p of permissions)
    for (const verb of p.verbs)
      if (!(await canI(as, verb, resourceArg(p), where(p)))) denied.push(`${verb} ${resourceArg(p)}`);
  return denied;
}

/** The ClusterRoleBindings that name the ServiceAccount `system:serviceaccount:NS:NAME` as a subject. */
async function clusterBindingsOf(as: string): Promise<string[]> {
  const [, , namespace, name] = as.split(':');
  const bindings = await clients.config.makeApiClient(RbacAuthorizationV1Api).listClusterRoleBinding();
  return bindings.items
    .filter((b) => b.subjects?.some((s) => s.kind === 'ServiceAccount' && s.namespace === namespace && s.name === name))
    .map((b) => b.metadata?.name ?? '');
}

/** A kubeconfig file for the ServiceAccount, with a token from the TokenRequest API, as its pod would have. */
async function serviceAccountKubeconfig(as: string): Promise<{ file: string; remove: () => Promise<void> }> {
  const [, , namespace = '', name = ''] = as.split(':');
  const { status } = await clients.core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = clients.config.getCurrentCluster();
  if (!cluster || !status?.token) throw new Error('the stack has no current cluster, or no token was issued');
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ ...cluster, name: 'stack' }],
    users: [{ name, token: status.token }],
    contexts: [{ name, cluster: 'stack', user: name, namespace }],
    currentContext: name,
  });
  const dir = await mkdtemp(join(tmpdir(), 'rollguard-sa-'));
  await writeFile(join(dir, 'kubeconfig'), config.exportConfig());
  return { file: join(dir, 'kubeconfig'), remove: () => rm(dir, { recursive: true, force: true }) };
}

beforeAll(async () => {
  ({ helm, kubectl } = await installTools());
  await installCrd(clients.config);
});

afterAll(async () => {
  await runTool(helm, ['uninstall', chart.release, '-n', chart.namespace, '--wait']);
  const withoutCrd = kzObjects.filter((m) => m.kind !== 'CustomResourceDefinition');
  if (withoutCrd.length > 0)
    await runTool(kubectl, ['delete', '--ignore-not-found', '--wait=false', '-f', '-'], {
      input: withoutCrd.map((m) => JSON.stringify(m)).join('\n'),
    });
  await runTool(kubectl, ['delete', 'namespace', '--ignore-not-found', '--wait=false', chart.namespace, kz.namespace]);
});

describe('the Helm chart and the kustomize base', () => {
  it('pass helm lint with the default values and with each choice', async () => {
    for (const { values } of choices) {
      const out = await succeed(helm, ['lint', '--strict', chartDir, ...values]);
      expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
    }
  });

  it.each(choices)('render the same objects for $choice', async ({ overlay, values }) => {
    const fromChart = manifests(
      await succeed(helm, ['template', 'rollguard', chartDir, '-n', 'rollguard-system', '--include-crds', ...values]),
    );
    // The chart leaves the Namespace to `helm install --create-namespace`.
    const fromKustomize = manifests(await succeed(kubectl, ['kustomize', overlay])).filter(
      (m) => m.kind !== 'Namespace',
    );
    expect(Object.keys(byKey(fromChart)).sort()).toEqual(Object.keys(byKey(fromKustomize)).sort());
    expect(byKey(fromChart)).toEqual(byKey(fromKustomize));
  });

  it('make nothing cluster-wide for a namespaced install but the CRD, also under an overlay with a name prefix', async () => {
    const overlay = await userOverlay('deploy/overlays/namespaced', {
      namespace: 'team-a',
      namePrefix: 'team-a-',
      image: { name: 'registry.example/rollguard', tag: '0.1.0' },
    });
    try {
      const renderings = [
        await succeed(kubectl, ['kustomize', overlay.dir]),
        await succeed(helm, [
          'template',
          'rollguard',
          chartDir,
          '-n',
          'team-a',
          '--include-crds',
          '--set',
          'namespaced=true',
        ]),
      ];
      for (const rendering of renderings) {
        const kinds = manifests(rendering).map((m) => m.kind);
        expect(kinds).toContain('Role');
        expect(kinds.filter((k) => k.startsWith('Cluster'))).toEqual([]);
      }
    } finally {
      await overlay.remove();
    }
  });

  it('renders operator-wide notification sinks: the file `rollguard run` reads, and get on exactly their Secrets', async () => {
    const sink = [
      '--set',
      'notifications.sinks[0].name=platform',
      '--set',
      'notifications.sinks[0].type=Slack',
      '--set',
      'notifications.sinks[0].urlFrom.secretKeyRef.name=rollguard-notify',
      '--set',
      'notifications.sinks[0].urlFrom.secretKeyRef.key=slack-url',
    ];
    expect(await succeed(helm, ['lint', '--strict', chartDir, ...sink])).toContain('0 chart(s) failed');
    const rendered = manifests(await succeed(helm, ['template', 'rollguard', chartDir, '-n', 'ops', ...sink]));
    const config = rendered.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'rollguard-notifications');
    const file = join(await mkdtemp(join(tmpdir(), 'rollguard-notify-')), 'notifications.yaml');
    await writeFile(file, (config?.data as Record<string, string>)['notifications.yaml'] ?? '');
    expect(await readOperatorSinks(file)).toMatchObject([
      {
        name: 'platform',
        type: 'Slack',
        secretNamespace: 'ops',
        urlFrom: { secretKeyRef: { name: 'rollguard-notify' } },
      },
    ]);
    const role = rendered.find((m) => m.kind === 'Role' && m.metadata.name === 'rollguard-notification-secrets');
    expect(role?.rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['rollguard-notify'], verbs: ['get'] },
    ]);
    const deployment = rendered.find((m) => m.kind === 'Deployment') as unknown as V1Deployment;
    expect(deployment.spec?.template.spec?.containers[0]?.env).toContainEqual({
      name: 'ROLLGUARD_NOTIFICATIONS',
      value: '/etc/rollguard/notifications.yaml',
    });
  });

  it("refuses a bad value, naming it, before rendering anything (the chart's values.schema.json)", async () => {
    const result = await runTool(helm, ['template', 'rollguard', chartDir, '--set', 'logLevel=loud']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/logLevel.*debug.*info.*warn.*error/);
  });
});

describe('installed with kustomize (the base, in a namespace and with a name prefix of its own)', () => {
  it('applies with --dry-run=server, then for real, and its Deployment rolls out hardened', async () => {
    const overlay = await userOverlay('deploy/base', {
      ...kz,
      image: { name: 'registry.example/rollguard', tag: '0.1.0' },
    });
    try {
      kzObjects = manifests(await succeed(kubectl, ['kustomize', overlay.dir]));
    } finally {
      await overlay.remove();
    }
    // The CRD is cluster-wide and shared: the one the base installs is the committed one, already installed.
    const crd = kzObjects.find((m) => m.kind === 'CustomResourceDefinition');
    expect(crd).toEqual(parse(await readFile(releaseCrdFile, 'utf8')));
    // A server-side dry run cannot create the namespace its objects go to: it is made first, as docs/install.md says.
    await succeed(kubectl, ['create', 'namespace', kz.namespace]);
    const input = kzObjects.map((m) => JSON.stringify(m)).join('\n');
    const apply = ['apply', '--server-side', '--field-manager', 'rollguard-tests', '-f', '-'];
    const dryRun = await succeed(kubectl, [...apply, '--dry-run=server'], { input });
    expect(dryRun).toContain(`deployment.apps/${kz.namePrefix}rollguard serverside-applied (server dry run)`);
    await expect(
      clients.apps.readNamespacedDeployment({ name: `${kz.namePrefix}rollguard`, namespace: kz.namespace }),
    ).rejects.toThrow();

    await succeed(kubectl, apply, { input });
    await succeed(kubectl, [
      'rollout',
      'status',
      `deployment/${kz.namePrefix}rollguard`,
      '-n',
      kz.namespace,
      '--timeout=120s',
    ]);
    const deployment = await clients.apps.readNamespacedDeployment({
      name: `${kz.namePrefix}rollguard`,
      namespace: kz.namespace,
    });
    expectHardened(deployment);
    // The overlay's image and Temporal took the place of the base's placeholders.
    expect(deployment.spec?.template.spec?.containers[0]?.image).toBe('registry.example/rollguard:0.1.0');
    const config = await clients.core.readNamespacedConfigMap({
      name: `${kz.namePrefix}rollguard`,
      namespace: kz.namespace,
    });
    expect(config.data).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal.example.com:7233',
      TEMPORAL_NAMESPACE: 'rollguard',
    });
  });

  it("gives rollguard's ServiceAccount every permission rollguard uses, cluster-wide, and no Secrets", async () => {
    const where = (p: Permission) => (p.scope === 'lease' ? ['-n', kz.namespace] : p.name ? [] : ['-A']);
    expect(await lacking(kzServiceAccount, rollguardPermissions, where)).toEqual([]);
    expect(await canI(kzServiceAccount, 'get', 'secrets', ['-n', kz.namespace])).toBe(false);
    expect(await canI(kzServiceAccount, 'delete', 'deployments.apps', ['-A'])).toBe(false);
  });

  it('passes `rollguard install --check --as` its ServiceAccount', async () => {
    const result = await rollguard(['install', '--check', '--as', kzServiceAccount, '--lease-namespace', kz.namespace]);
    expect(result.stdout).toContain('rollguard can run here');
    expect(result.code).toBe(0);
  });

  it('is removed by `kubectl delete -k` of the overlay, the CRD included (docs/uninstall.md; a server-side dry run: the CRD is shared)', async () => {
    const overlay = await userOverlay('deploy/base', {
      ...kz,
      image: { name: 'registry.example/rollguard', tag: '0.1.0' },
    });
    try {
      const deleted = await succeed(kubectl, ['delete', '-k', overlay.dir, '--dry-run=server']);
      // Every object the overlay applied, each named as it would go.
      for (const m of kzObjects)
        expect(deleted).toMatch(new RegExp(`"${m.metadata.name}" deleted .*\\(server dry run\\)`));
      expect(deleted).toContain('customresourcedefinition.apiextensions.k8s.io "releases.rollguard.dev" deleted');
    } finally {
      await overlay.remove();
    }
    // A dry run: the install is still there.
    await clients.apps.readNamespacedDeployment({ name: `${kz.namePrefix}rollguard`, namespace: kz.namespace });
  });
});

describe('installed with Helm (namespaced, with a check Secret)', () => {
  const values = [
    '--set',
    'namespaced=true',
    '--set',
    `checkSecrets[0].namespace=${chart.namespace}`,
    '--set',
    'checkSecrets[0].names[0]=api-token',
  ];
  const install = ['install', chart.release, chartDir, '-n', chart.namespace, '--create-namespace', ...values];

  it('installs with --dry-run=server, then for real, and its Deployment rolls out hardened', async () => {
    const dryRun = await succeed(helm, [...install, '--dry-run=server']);
    expect(dryRun).toContain(`kind: Deployment`);
    await expect(clients.core.readNamespace({ name: chart.namespace })).rejects.toThrow();

    const out = await succeed(helm, [...install, '--wait', '--timeout', '120s']);
    // NOTES.txt tells what to do next: the check of this namespaced installation, as the next test runs it.
    expect(out).toContain(`rollguard install --check`);
    expect(out).toContain(
      `--as ${chartServiceAccount} --lease-namespace ${chart.namespace} \\\n` +
        `    --watch-namespace ${chart.namespace} --task-queue rollguard-${chart.namespace}\n`,
    );
    expectHardened(
      await clients.apps.readNamespacedDeployment({ name: `${chart.release}-rollguard`, namespace: chart.namespace }),
    );
  });

  it("lets rollguard's ServiceAccount serve its own namespace only, with no cluster-wide grant, and get the one Secret named", async () => {
    const own = ['-n', chart.namespace];
    const namespaced = rollguardPermissions.filter((p) => p.scope !== 'cluster');
    expect(await lacking(chartServiceAccount, namespaced, () => own)).toEqual([]);
    for (const elsewhere of [['-n', 'default'], ['-A']]) {
      expect(await canI(chartServiceAccount, 'list', 'releases.rollguard.dev', elsewhere)).toBe(false);
      expect(await canI(chartServiceAccount, 'list', 'deployments.apps', elsewhere)).toBe(false);
      expect(await canI(chartServiceAccount, 'watch', 'deployments.apps', elsewhere)).toBe(false);
      expect(await canI(chartServiceAccount, 'create', 'deployments.apps', elsewhere)).toBe(false);
    }
    expect(await canI(chartServiceAccount, 'get', 'namespaces/kube-system', [])).toBe(false);
    expect(await clusterBindingsOf(chartServiceAccount)).toEqual([]);
    expect(await canI(chartServiceAccount, 'get', 'secrets/api-token', own)).toBe(true);
    expect(await canI(chartServiceAccount, 'get', 'secrets/other', own)).toBe(false);
    expect(await canI(chartServiceAccount, 'list', 'secrets', own)).toBe(false);
  });

  it('passes `rollguard install --check` for its namespace, and fails naming the fix for all namespaces', async () => {
    const base = ['install', '--check', '--as', chartServiceAccount, '--lease-namespace', chart.namespace];
    const own = await rollguard([
      ...base,
      '--watch-namespace',
      chart.namespace,
      '--task-queue',
      `rollguard-${chart.namespace}`,
    ]);
    expect(own.stdout).toContain('rollguard can run here');
    expect(own.code).toBe(0);
    // It asked about its own namespace only: nothing of all namespaces, nor the kube-system read.
    const asked = own.stdout.split('\n').filter((line) => line.startsWith('ok    may '));
    expect(asked.length).toBeGreaterThan(5);
    for (const line of asked) expect(line).toContain(`in the namespace ${chart.namespace}`);

    // Without the named task queue, rollguard run would read kube-system, which a namespaced install may not.
    const unnamed = await rollguard([...base, '--watch-namespace', chart.namespace], {
      env: { ...stackShell(), ROLLGUARD_TASK_QUEUE: '' },
    });
    expect(unnamed.stdout.split('\n').filter((line) => line.startsWith('FAIL'))).toEqual([
      expect.stringContaining(
        `FAIL  ${chartServiceAccount} may not get namespaces "kube-system" (its uid names the cluster's task queue, unless --task-queue`,
      ),
    ]);
    expect(unnamed.code).toBe(1);

    const all = await rollguard(base);
    expect(all.code).toBe(1);
    expect(all.stdout).toContain(
      `FAIL  ${chartServiceAccount} may not get, list, watch, patch, update releases.rollguard.dev in all namespaces`,
    );
  });

  it('is all `rollguard run --watch-namespace` needs: as its ServiceAccount, it rolls out a Release of its namespace to Ready', async () => {
    const kubeconfig = await serviceAccountKubeconfig(chartServiceAccount);
    const run = new RollguardProcess();
    try {
      await run.start(chart.namespace, [], { env: { ...stackShell(), KUBECONFIG: kubeconfig.file } });
      const deploy = await rollguard(['deploy', '-f', exampleRelease, '-n', chart.namespace, '--wait']);
      expect(deploy.code, deploy.stderr).toBe(0);
      expect(deploy.stdout).toContain(`release ${chart.namespace}/web is Ready at revision 1`);
      // Deleted, it goes: rollguard's finalizer is taken off.
      await clients.releases.delete({ namespace: chart.namespace, name: 'web' });
      await waitFor('the Release web to be gone', async () =>
        clients.releases.get({ namespace: chart.namespace, name: 'web' }).then(
          () => false,
          (err: unknown) => {
            if (isNotFound(err)) return true;
            throw err;
          },
        ),
      );
    } finally {
      const code = await run.stop();
      await kubeconfig.remove();
      expect(code, run.output.slice(-2000)).toBe(0);
    }
    // Its watches kept to its namespace: the API server refused it nothing.
    expect(run.output).not.toMatch(/forbidden/i);
  });

  it('uninstalls, leaving no cluster-wide object behind but the CRD', async () => {
    await succeed(helm, ['uninstall', chart.release, '-n', chart.namespace, '--wait']);
    const roles = await clients.config.makeApiClient(RbacAuthorizationV1Api).listClusterRole();
    expect(roles.items.map((r) => r.metadata?.name).filter((n) => n?.startsWith(chart.release))).toEqual([]);
    const crd = await runTool(kubectl, ['get', 'crd', 'releases.rollguard.dev']);
    expect(crd.code).toBe(0);
  });
});

/** What a user checks of the Deployment: non-root, no privileges, read-only root, seccomp, resources, probes. */
function expectHardened(deployment: V1Deployment): void {
  const pod = deployment.spec?.template.spec;
  const container = pod?.containers[0];
  expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  expect(container?.securityContext).toMatchObject({
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  });
  expect(container?.resources?.requests).toMatchObject({ cpu: '100m', memory: '256Mi' });
  expect(container?.resources?.limits).toMatchObject({ memory: '1Gi' });
  for (const probe of [container?.startupProbe, container?.readinessProbe, container?.livenessProbe])
    expect(probe?.httpGet).toMatchObject({ path: '/healthz', port: 'metrics' });
  expect(deployment.status?.availableReplicas ?? 0).toBeGreaterThanOrEqual(1);
}
