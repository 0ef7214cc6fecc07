import type { V1Deployment } from '@kubernetes/client-node';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldManager } from '../../src/domain/release/ref.ts';
import { rollbackUpdate } from '../../src/workflows/messages.ts';
import { installTools, succeed } from '../support/install-tools.ts';
import { appRelease } from '../support/release-specs.ts';
import { ReleaseHarness } from '../support/releases.ts';
import { waitFor } from '../support/stack.ts';
import { rollguard } from './cli-process.ts';

// The kwok cluster's kube-controller-manager runs the HPA controller (every 15 s). There is no metrics
// server, so an HPA only ever moves a count into its [minReplicas, maxReplicas] range: enough to see
// who writes the count and whether anyone takes it back.
const h = new ReleaseHarness();
let kubectl: string;
beforeAll(async () => {
  ({ kubectl } = await installTools());
  await h.start('autoscaling', { controller: true });
}, 120_000);
afterAll(() => h.stop());

const kubectlIn = (...args: string[]) => succeed(kubectl, [...args, '-n', h.namespace]);

function hpa(name: string, target: { apiVersion: string; kind: string; name: string }, min: number, max = 6): string {
  return JSON.stringify({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: h.namespace },
    spec: {
      scaleTargetRef: target,
      minReplicas: min,
      maxReplicas: max,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      ],
    },
  });
}

/** Who owns the Deployment's spec.replicas, by field manager. */
function replicaOwners(deployment: V1Deployment): string[] {
  return (deployment.metadata?.managedFields ?? [])
    .filter((entry) => (entry.fieldsV1 as { 'f:spec'?: Record<string, unknown> })?.['f:spec']?.['f:replicas'])
    .map((entry) => entry.manager ?? '');
}

const replicasOf = async (name: string) => (await h.deployment(name)).spec?.replicas;

const revisionNumbers = async (name: string) =>
  (
    await h.clients.apps.listNamespacedControllerRevision({
      namespace: h.namespace,
      labelSelector: `rollguard.dev/release=${name}`,
    })
  ).items.map((r) => r.revision);

describe.concurrent('an HPA that scales the Deployment', () => {
  it('owns the replica count: rollguard hands it over, then rolls out new revisions without reverting it', async () => {
    // Given a Release at revision 1 whose Deployment rollguard created with 3 replicas (so it owns the count)
    await h.apply(appRelease('web', { image: 'example/web:v1', replicas: 3 }));
    await h.waitForStatus('web', 'Ready', (r) => r.status?.currentRevision === 1);
    expect(replicaOwners(await h.deployment('web'))).toEqual([fieldManager]);

    // When an HPA targets the Deployment (3 is in its range: it has nothing to change)
    await succeed(kubectl, ['apply', '-f', '-'], {
      input: hpa('web', { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, 2),
    });
    // ... and a new revision rolls out, from a spec that still says 1 replica
    await h.apply(appRelease('web', { image: 'example/web:v2', replicas: 1 }));
    await h.waitForStatus('web', 'Ready', (r) => r.status?.currentRevision === 2);

    // Then rollguard's apply no longer carries the count, and the count did not fall back to the default
    const handedOver = await h.deployment('web');
    expect(handedOver.spec?.replicas).toBe(3);
    expect(replicaOwners(handedOver)).not.toContain(fieldManager);

    // When someone scales the Deployment by hand, within the HPA's range, and another revision rolls out
    await kubectlIn('scale', 'deployment', 'web', '--replicas=4');
    await h.apply(appRelease('web', { image: 'example/web:v3', replicas: 1 }));
    await h.waitForStatus('web', 'Ready', (r) => r.status?.currentRevision === 3);

    // Then the revision runs on the 4 pods asked for, and the count is the one kubectl set
    const deployment = await h.deployment('web');
    expect(deployment.spec?.replicas).toBe(4);
    expect(await h.readyImages('web')).toEqual(Array(4).fill('example/web:v3'));
    expect(replicaOwners(deployment)).toContainEqual(expect.stringMatching(/^kubectl/));
    expect(replicaOwners(deployment)).not.toContain(fieldManager);
  });
});

describe.concurrent('the replica count of a Release', () => {
  it('kubectl scale of the Release scales its Deployment without a rollout, and a rollback keeps the count', async () => {
    // Given a Release at revision 1 with 2 replicas, and revision 2 at 2 replicas
    await h.apply(appRelease('api', { image: 'example/api:v1', replicas: 2 }));
    await h.waitForStatus('api', 'Ready', (r) => r.status?.currentRevision === 1);
    const v2 = await h.apply(appRelease('api', { image: 'example/api:v2', replicas: 2 }));
    await h.waitForStatus('api', 'Ready', (r) => r.status?.currentRevision === 2);

    // When the Release is scaled through its /scale subresource
    await kubectlIn('scale', 'release', 'api', '--replicas=3');

    // Then the Deployment runs 3 pods of revision 2, with no new revision and no rollout
    const scaled = await h.waitForStatus('api', 'Ready', (r) => r.status?.observedGeneration === 3);
    await waitFor('3 Ready pods', async () => (await h.readyImages('api')).length === 3);
    expect(await h.readyImages('api')).toEqual(Array(3).fill('example/api:v2'));
    expect(scaled.status).toMatchObject({ currentRevision: 2, stableRevision: 2, selector: 'app=api' });
    expect(await revisionNumbers('api')).toEqual([1, 2]);
    expect((await h.snapshot('api')).history.map((t) => t.to)).toEqual([
      'Progressing',
      'Ready',
      'Progressing',
      'Ready',
    ]);
    const events = await kubectlIn('get', 'events', '--field-selector', 'reason=Scaled', '-o', 'name');
    expect(events.trim()).not.toBe('');

    // And a rollback to revision 1 (recorded at 2 replicas) keeps the Release's 3
    await h.handle(h.ref(v2)).executeUpdate(rollbackUpdate, { args: [{ toRevision: 1, reason: 'test' }] });
    await h.waitForStatus('api', 'Ready', (r) => r.status?.currentRevision === 1);
    expect(await replicasOf('api')).toBe(3);
    await waitFor('3 Ready pods of v1', async () => (await h.readyImages('api')).every((i) => i === 'example/api:v1'));
    expect(await h.readyImages('api')).toHaveLength(3);
  });

  it('an HPA targeting the Release scales it through /scale, and rollguard follows without a rollout', async () => {
    await h.apply(appRelease('shop', { image: 'example/shop:v1', replicas: 1 }));
    await h.waitForStatus('shop', 'Ready', (r) => r.status?.currentRevision === 1);

    await succeed(kubectl, ['apply', '-f', '-'], {
      input: hpa('shop', { apiVersion: 'rollguard.dev/v1alpha1', kind: 'Release', name: 'shop' }, 2),
    });
    const scaled = await h.waitForStatus('shop', 'Ready', (r) => r.status?.observedGeneration === 2, 45_000);
    expect(scaled.spec.template.replicas).toBe(2);
    await waitFor('the Deployment at 2 pods', async () => (await h.readyImages('shop')).length === 2);
    expect(await revisionNumbers('shop')).toEqual([1]);
    const able = JSON.parse(await kubectlIn('get', 'hpa', 'shop', '-o', 'json')) as {
      status: { conditions?: { type: string; status: string }[] };
    };
    expect(able.status.conditions?.find((c) => c.type === 'AbleToScale')?.status).toBe('True');

    // A file that still sets the count is not applied over the HPA's without --force-conflicts.
    const file = join(await mkdtemp(join(tmpdir(), 'rollguard-hpa-')), 'shop.yaml');
    await writeFile(file, JSON.stringify(appRelease('shop', { image: 'example/shop:v1', replicas: 1 })));
    const deploy = await rollguard(['deploy', '-f', file, '-n', h.namespace]);
    expect(deploy.code).toBe(1);
    expect(deploy.stderr).toContain('.spec.template.replicas is owned by the field manager "kube-controller-manager"');
    await rm(dirname(file), { recursive: true, force: true });
  });
});
