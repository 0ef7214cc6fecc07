import { readFile } from 'node:fs/promises';
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseResource } from '../../src/domain/api/index.ts';
import { leaseName } from '../../src/controller/lease.ts';
import { cleanupFinalizer, rollbackAnnotation } from '../../src/domain/release/ref.ts';
import { EventReason } from '../../src/domain/release/events.ts';
import { controllerHarness, type ControllerHarness } from '../support/controller.ts';
import { waitFor } from '../support/stack.ts';
import { specGenerations } from '../support/temporal.ts';
import { NativeConnection } from '@temporalio/worker';
import { kubeClients } from '../../src/kube/client.ts';
import { createHeaderResolver, kubeSecretReader } from '../../src/activities/checks/secret-headers.ts';
import { createLogger } from '../../src/telemetry/log.ts';
import { resolveTaskQueue } from '../../src/temporal/task-queue.ts';
import { createReleaseWorker } from '../../src/server/worker.ts';
import { workflowBundle } from '../support/releases.ts';
import { stackEnv } from '../support/stack.ts';

const rbacFile = new URL('../../deploy/rbac/rbac.yaml', import.meta.url);
const secretReaderExample = new URL('../../deploy/rbac/examples/check-secret-reader.yaml', import.meta.url);
const serviceAccount = { name: 'rollguard', namespace: 'rollguard-system' };

let h: ControllerHarness;
let asRollguard: KubeConfig;

/** Server-side applies deploy/rbac as a user would `kubectl apply -f deploy/rbac/`. */
async function applyRbac(): Promise<void> {
  const documents = parseAllDocuments(await readFile(rbacFile, 'utf8')).map((d) => d.toJS() as KubernetesObject);
  for (const object of documents) await serverSideApply(object);
}

const serverSideApply = (object: KubernetesObject) =>
  h.admin.objects.patch(object, undefined, undefined, 'rollguard-tests', true, PatchStrategy.ServerSideApply);

/** The example grant for one check Secret, as a namespace owner would apply it to their namespace. */
async function applySecretReaderExample(namespace: string): Promise<void> {
  const documents = parseAllDocuments(await readFile(secretReaderExample, 'utf8')).map(
    (d) => d.toJS() as KubernetesObject,
  );
  for (const object of documents) await serverSideApply({ ...object, metadata: { ...object.metadata, namespace } });
}

/** A kubeconfig for the rollguard ServiceAccount: the stack's server and CA, and a token from the TokenRequest API. */
async function serviceAccountConfig(): Promise<KubeConfig> {
  const { status } = await h.admin.core.createNamespacedServiceAccountToken({
    ...serviceAccount,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = h.admin.config.getCurrentCluster();
  if (!cluster || !status?.token)
    throw new Error('the stack has no current cluster, or the TokenRequest returned no token');
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ ...cluster, name: 'stack' }],
    users: [{ name: 'rollguard', token: status.token }],
    contexts: [{ name: 'rollguard', cluster: 'stack', user: 'rollguard' }],
    currentContext: 'rollguard',
  });
  return config;
}

beforeAll(async () => {
  h = await controllerHarness('rbac');
  await applyRbac();
  asRollguard = await serviceAccountConfig();
});
afterAll(() => h?.cleanup());

describe('the rollguard ServiceAccount (deploy/rbac)', () => {
  it('is enough for the controller: finalizer, workflow, Warning Event, Lease', async () => {
    const controller = await h.startController({ kubeConfig: asRollguard, leaseNamespace: serviceAccount.namespace });
    await waitFor('the controller to hold its Lease in rollguard-system', async () => controller.isLeader(), {
      timeoutMs: 30_000,
      hint: `is another rollguard controller holding ${serviceAccount.namespace}/${leaseName}?`,
    });

    const release = await h.create('web');
    await waitFor('the finalizer', async () => (await h.get('web'))?.metadata.finalizers?.includes(cleanupFinalizer));
    await waitFor('the spec signal', async () => (await specGenerations(h.client, h.workflowId(release))).includes(1));

    await h.patch('web', { metadata: { annotations: { [rollbackAnnotation]: 'soon' } } });
    await waitFor('the Warning Event', async () =>
      (await h.admin.events.listNamespacedEvent({ namespace: h.namespace })).items.some(
        (e) => e.reason === EventReason.InvalidRollbackRequest,
      ),
    );
    await controller.stop();

    // rollguard run names its task queue after the cluster, from the kube-system Namespace.
    await expect(resolveTaskQueue(asRollguard.makeApiClient(CoreV1Api), { env: {} })).resolves.toMatchObject({
      taskQueue: expect.stringMatching(/^rollguard-[0-9a-f]{8}$/),
    });

    // A controller serving every namespace lists Releases cluster-wide.
    const { group, version, plural } = releaseResource;
    await expect(
      asRollguard.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group, version, plural }),
    ).resolves.toBeDefined();
  });

  it('is enough for the worker: a Release rolled out by activities running as rollguard becomes Ready', async () => {
    const connection = await NativeConnection.connect({ address: stackEnv.TEMPORAL_ADDRESS });
    const worker = await createReleaseWorker({
      connection,
      namespace: stackEnv.TEMPORAL_NAMESPACE,
      taskQueue: h.taskQueue,
      kube: kubeClients(asRollguard),
      log: createLogger({ test: 'rbac' }, { level: 'warn' }),
      workflowBundle: await workflowBundle(),
    });
    const running = worker.run();
    try {
      await h.startController({ kubeConfig: asRollguard, leaseNamespace: serviceAccount.namespace });
      await h.create('api', (r) => {
        r.spec.healthChecks = {};
        r.spec.analysis = { window: '1s' };
      });
      await waitFor(
        'api to be Ready with revision 1',
        async () => {
          const status = (await h.get('api'))?.status as { phase?: string; currentRevision?: number } | undefined;
          return status?.phase === 'Ready' && status.currentRevision === 1;
        },
        { timeoutMs: 90_000 },
      );
      const deployment = await h.admin.apps.readNamespacedDeployment({ name: 'api', namespace: h.namespace });
      expect(deployment.metadata?.managedFields?.map((f) => f.manager)).toContain('rollguard');
    } finally {
      worker.shutdown();
      await running;
      await connection.close();
    }
  });

  it('reads exactly the check Secret a namespace owner grants it with the example Role, and no other', async () => {
    const core = asRollguard.makeApiClient(CoreV1Api);
    for (const name of ['api-token', 'db-password']) {
      await h.admin.core.createNamespacedSecret({
        namespace: h.namespace,
        body: { metadata: { name }, stringData: { token: `${name}-value` } },
      });
    }
    const readable = createHeaderResolver(kubeSecretReader(kubeClients(asRollguard)));
    const refs = (name: string) => [
      {
        field: 'spec.healthChecks.http[0].headers[0].valueFrom.secretKeyRef',
        ref: { namespace: h.namespace, name, key: 'token' },
      },
    ];
    // Given no grant, a check's Secret is refused, and the message says how to grant it.
    await expect(core.readNamespacedSecret({ name: 'api-token', namespace: h.namespace })).rejects.toMatchObject({
      code: 403,
    });
    const refused = await readable.unreadable(refs('api-token'));
    expect(refused.problems).toEqual([
      expect.stringContaining(
        `rollguard may not read Secret "api-token" in namespace ${h.namespace}: grant its ServiceAccount get on this Secret`,
      ),
    ]);

    await applySecretReaderExample(h.namespace);
    await waitFor('the example Role to let rollguard get api-token', async () =>
      core.readNamespacedSecret({ name: 'api-token', namespace: h.namespace }).then(
        () => true,
        () => false,
      ),
    );
    await expect(readable.unreadable(refs('api-token'))).resolves.toEqual({ problems: [], transient: [] });
    await expect(core.readNamespacedSecret({ name: 'db-password', namespace: h.namespace })).rejects.toMatchObject({
      code: 403,
    });
    await expect(core.listNamespacedSecret({ namespace: h.namespace })).rejects.toMatchObject({ code: 403 });
    await expect(core.listSecretForAllNamespaces()).rejects.toMatchObject({ code: 403 });
    await expect(core.readNamespacedSecret({ name: 'api-token', namespace: 'default' })).rejects.toMatchObject({
      code: 403,
    });
  });

  it('is refused anything outside its role', async () => {
    const core = asRollguard.makeApiClient(CoreV1Api);
    const coordination = asRollguard.makeApiClient(CoordinationV1Api);
    const { group, version, plural } = releaseResource;
    const forbidden = { code: 403 };

    await expect(core.listNamespacedSecret({ namespace: h.namespace })).rejects.toMatchObject(forbidden);
    await expect(core.deleteNamespace({ name: h.namespace })).rejects.toMatchObject(forbidden);
    await expect(core.readNamespace({ name: h.namespace })).rejects.toMatchObject(forbidden);
    await expect(core.listNamespacedConfigMap({ namespace: h.namespace })).rejects.toMatchObject(forbidden);
    const releases = asRollguard.makeApiClient(CustomObjectsApi);
    await expect(
      releases.deleteNamespacedCustomObject({ group, version, plural, namespace: h.namespace, name: 'web' }),
    ).rejects.toMatchObject(forbidden);
    // Leases only in its own namespace.
    await expect(coordination.readNamespacedLease({ name: leaseName, namespace: h.namespace })).rejects.toMatchObject(
      forbidden,
    );
  });
});
