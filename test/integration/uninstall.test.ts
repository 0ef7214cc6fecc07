import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolPath } from '../../dev/stack/tools.ts';
import { cleanupFinalizer, releaseWorkflowId } from '../../src/domain/release/ref.ts';
import { isNotFound } from '../../src/kube/errors.ts';
import { ownerReference } from '../../src/activities/cluster/owner.ts';
import { installCrd, sampleRelease } from '../support/crd.ts';
import { installTools, runTool, succeed } from '../support/install-tools.ts';
import { createNamespace, deleteNamespace, kube, stackEnv, waitFor } from '../support/stack.ts';

const clients = kube();
let kubectl: string;
let temporal: string;
let namespace: string;

const temporalCli = (args: string[]) => succeed(temporal, [...args, '--address', stackEnv.TEMPORAL_ADDRESS]);

beforeAll(async () => {
  ({ kubectl } = await installTools());
  temporal = await toolPath('temporal', 'temporal');
  await installCrd(clients.config);
  namespace = await createNamespace(clients, 'uninstall');
});
afterAll(() => deleteNamespace(clients, namespace));

describe('removing the Releases of a namespace (docs/uninstall.md, step 1)', () => {
  it('deletes them all, and kubectl wait returns once they are gone', async () => {
    await clients.releases.create(namespace, sampleRelease('first'));
    await clients.releases.create(namespace, sampleRelease('second'));
    await succeed(kubectl, ['delete', 'releases', '--all', '-n', namespace]);
    await succeed(kubectl, ['wait', '--for=delete', 'releases', '--all', '-n', namespace, '--timeout=5m']);
    expect((await clients.releases.list(namespace)).items).toEqual([]);
  });
});

describe('removing the CRD and the Temporal namespace (docs/uninstall.md, steps 3 and 4)', () => {
  it('the API server would delete the CRD (run as a server-side dry run: other tests share the cluster)', async () => {
    const out = await succeed(kubectl, ['delete', 'crd', 'releases.rollguard.dev', '--dry-run=server']);
    expect(out).toContain('customresourcedefinition.apiextensions.k8s.io "releases.rollguard.dev" deleted');
  });

  it('a Temporal namespace of its own is deleted with the temporal CLI', async () => {
    const own = `uninstall-${namespace}`;
    await temporalCli(['operator', 'namespace', 'create', '--namespace', own, '--retention', '72h']);
    await temporalCli(['operator', 'namespace', 'delete', '--namespace', own, '--yes']);
  });
});

describe('a Release deleted after rollguard was removed (docs/uninstall.md)', () => {
  it('waits on its finalizer; removing it by hand lets it go, and its workflow is ended with the temporal CLI', async () => {
    // Given a Release rollguard had taken on (its finalizer, its running workflow), and no rollguard any more.
    const created = (await clients.releases.create(namespace, {
      ...sampleRelease('web'),
      metadata: { name: 'web', finalizers: [cleanupFinalizer] },
    })) as { metadata: { uid: string } };
    const workflowId = releaseWorkflowId({ namespace, name: 'web', uid: created.metadata.uid });
    await temporalCli([
      'workflow',
      'start',
      '--type',
      'release',
      '--task-queue',
      `uninstall-${namespace}`,
      '--workflow-id',
      workflowId,
      '--search-attribute',
      `ReleaseNamespace="${namespace}"`,
      '--search-attribute',
      'ReleaseName="web"',
    ]);

    // ... with the Deployment rollguard made for it.
    await clients.apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: {
          name: 'web',
          ownerReferences: [ownerReference({ namespace, name: 'web', uid: created.metadata.uid })],
        },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'example/web:v1' }] },
          },
        },
      },
    });

    // When it is deleted, it stays, marked for deletion, held by rollguard's finalizer.
    await succeed(kubectl, ['delete', 'release', 'web', '-n', namespace, '--wait=false']);
    const held = (await clients.releases.get({ namespace, name: 'web' })) as {
      metadata: { deletionTimestamp?: unknown; finalizers?: string[] };
    };
    expect(held.metadata.deletionTimestamp).toBeDefined();
    expect(held.metadata.finalizers).toEqual([cleanupFinalizer]);

    // Then the way out of docs/uninstall.md: keep the Deployment (the garbage collector orphans it even
    // while the finalizer holds the Release), remove the finalizer, and the Release is gone ...
    await succeed(kubectl, ['delete', 'release', 'web', '-n', namespace, '--cascade=orphan', '--wait=false']);
    await waitFor('the garbage collector to orphan the Deployment', async () => {
      const deployment = await clients.apps.readNamespacedDeployment({ namespace, name: 'web' });
      return (deployment.metadata?.ownerReferences ?? []).length === 0;
    });
    await succeed(kubectl, [
      'patch',
      'release',
      'web',
      '-n',
      namespace,
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/metadata/finalizers"}]',
    ]);
    await waitFor('the Release to be gone', () =>
      clients.releases.get({ namespace, name: 'web' }).then(
        () => false,
        (err: unknown) => isNotFound(err),
      ),
    );
    const kept = await clients.apps.readNamespacedDeployment({ namespace, name: 'web' });
    expect(kept.metadata?.deletionTimestamp).toBeUndefined();

    // ... and its workflow, which no worker would ever end now, is terminated by the query the doc gives.
    const terminated = async () => {
      const described = await runTool(temporal, [
        'workflow',
        'describe',
        '--workflow-id',
        workflowId,
        '--output',
        'json',
        '--address',
        stackEnv.TEMPORAL_ADDRESS,
      ]);
      return described.stdout.includes('WORKFLOW_EXECUTION_STATUS_TERMINATED');
    };
    await waitFor(
      'the workflow to be terminated',
      async () => {
        if (await terminated()) return true;
        // A batch terminate acts on what visibility lists at that moment: repeat it until the workflow is listed.
        await temporalCli([
          'workflow',
          'terminate',
          '--query',
          `ReleaseNamespace = '${namespace}'`,
          '--reason',
          'rollguard uninstalled',
          '--yes',
        ]);
        return await terminated();
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
  });
});
