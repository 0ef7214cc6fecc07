import type { V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, deleteNamespace, kube, waitFor } from '../support/stack.ts';

const clients = kube();
let namespace: string;

beforeAll(async () => {
  namespace = await createNamespace(clients, 'stack-rollout');
});
afterAll(async () => deleteNamespace(clients, namespace));

function deployment(name: string, image: string): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas: 3,
      progressDeadlineSeconds: 10,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image }] },
      },
    },
  };
}

const read = (name: string) => clients.apps.readNamespacedDeployment({ name, namespace });
const condition = (d: V1Deployment, type: string) => d.status?.conditions?.find((c) => c.type === type);

async function readyPods(app: string): Promise<{ image: string | undefined; ready: boolean }[]> {
  const pods = await clients.core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
  return pods.items
    .filter((p) => !p.metadata?.deletionTimestamp)
    .map((p) => ({
      image: p.spec?.containers[0]?.image,
      ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    }));
}

async function rolledOut(name: string, image: string): Promise<boolean> {
  const d = await read(name);
  const s = d.status ?? {};
  return (
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
    s.updatedReplicas === 3 &&
    s.availableReplicas === 3 &&
    s.replicas === 3 &&
    condition(d, 'Available')?.status === 'True' &&
    (await readyPods(name)).every((p) => p.ready && p.image === image)
  );
}

const setImage = (name: string, image: string) =>
  clients.apps.replaceNamespacedDeployment({
    name,
    namespace,
    body: { ...deployment(name, image), metadata: { name, namespace } },
  });

describe('the local Kubernetes cluster', () => {
  it('has at least 3 Ready fake nodes', async () => {
    const nodes = await clients.core.listNode();
    const ready = nodes.items.filter((n) =>
      n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    expect(ready.length).toBeGreaterThanOrEqual(3);
  });

  it('rolls a 3-replica Deployment out until it is Available', async () => {
    await clients.apps.createNamespacedDeployment({ namespace, body: deployment('web', 'example/web:v1') });
    await waitFor('web to be Available', () => rolledOut('web', 'example/web:v1'), { timeoutMs: 60_000 });
    const pods = await readyPods('web');
    expect(pods).toHaveLength(3);
  });

  it('rolls an image update out through a new ReplicaSet', async () => {
    await clients.apps.createNamespacedDeployment({ namespace, body: deployment('api', 'example/api:v1') });
    await waitFor('api v1', () => rolledOut('api', 'example/api:v1'), { timeoutMs: 60_000 });
    await setImage('api', 'example/api:v2');
    await waitFor('api v2', () => rolledOut('api', 'example/api:v2'), { timeoutMs: 60_000 });

    const sets = await clients.apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=api' });
    const byImage = Object.fromEntries(
      sets.items.map((rs) => [rs.spec?.template?.spec?.containers[0]?.image, rs.status?.replicas ?? 0]),
    );
    expect(byImage).toEqual({ 'example/api:v1': 0, 'example/api:v2': 3 });
  });

  it('stalls an image marked broken at ProgressDeadlineExceeded while the old pods keep serving', async () => {
    await clients.apps.createNamespacedDeployment({ namespace, body: deployment('shop', 'example/shop:v1') });
    await waitFor('shop v1', () => rolledOut('shop', 'example/shop:v1'), { timeoutMs: 60_000 });
    await setImage('shop', 'example/shop:v2-broken');

    await waitFor(
      'shop to report ProgressDeadlineExceeded',
      async () => condition(await read('shop'), 'Progressing')?.reason === 'ProgressDeadlineExceeded',
      { timeoutMs: 90_000 },
    );
    const pods = await readyPods('shop');
    expect(pods.filter((p) => p.image === 'example/shop:v1' && p.ready)).toHaveLength(3);
    const broken = pods.filter((p) => p.image === 'example/shop:v2-broken');
    expect(broken.length).toBeGreaterThan(0);
    expect(broken.every((p) => !p.ready)).toBe(true);
    expect(condition(await read('shop'), 'Available')?.status).toBe('True');
  });
});
