import type { V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastAppliedAnnotation } from '../../src/kube/cached-objects.ts';
import { watchDeployments, type DeploymentCache } from '../../src/kube/deployment-cache.ts';
import { createLogger } from '../../src/telemetry/log.ts';
import { createNamespace, deleteNamespace, kube, unreachableKube, waitFor } from '../support/stack.ts';

const clients = kube();
const log = createLogger({ test: 'deployment-cache' }, { level: 'error' });
const label = 'rollguard.test/cache';
let namespace: string;
let cache: DeploymentCache;

beforeAll(async () => {
  namespace = await createNamespace(clients, 'deployment-cache');
  cache = await watchDeployments(clients, { label, log });
});
afterAll(async () => {
  await cache.stop();
  await deleteNamespace(clients, namespace);
});

function deployment(name: string, labels: Record<string, string>, image = 'web:1', replicas = 1): V1Deployment {
  return {
    metadata: { name, labels, annotations: { [lastAppliedAnnotation]: '{"kind":"Deployment"}', team: 'shop' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

describe('the worker’s shared watch of rollguard Deployments', () => {
  it('sees a labelled Deployment appear, change and go, and wakes whoever waits on it', async () => {
    expect(cache.get(namespace, 'web')).toBeNull();
    const appeared = cache.changed(namespace, 'web', 30_000);
    await clients.apps.createNamespacedDeployment({ namespace, body: deployment('web', { [label]: 'web' }) });
    await appeared;
    expect(cache.get(namespace, 'web')?.spec?.replicas).toBe(1);

    const changed = cache.changed(namespace, 'web', 30_000);
    await clients.apps.replaceNamespacedDeployment({
      name: 'web',
      namespace,
      body: deployment('web', { [label]: 'web' }, 'web:2', 2),
    });
    await changed;
    await waitFor('the cache to hold 2 replicas', async () => cache.get(namespace, 'web')?.spec?.replicas === 2);

    // The controller-manager may still be writing web's status: a wakeup can be one of those
    // updates, so wait through wakeups (never by polling the cache) until one is the delete.
    const deadline = Date.now() + 30_000;
    let wakeups = cache.changed(namespace, 'web', 30_000);
    await clients.apps.deleteNamespacedDeployment({ name: 'web', namespace });
    while (cache.get(namespace, 'web') !== null && Date.now() < deadline) {
      await wakeups;
      wakeups = cache.changed(namespace, 'web', deadline - Date.now());
    }
    expect(cache.get(namespace, 'web')).toBeNull();
  });

  it('keeps what a rollout reads of a Deployment: its metadata, its count and its status, not its template', async () => {
    await clients.apps.createNamespacedDeployment({ namespace, body: deployment('kept', { [label]: 'kept' }) });
    const written = (): boolean => {
      const seen = cache.get(namespace, 'kept');
      const managers = seen?.metadata?.managedFields?.map((entry) => entry.manager) ?? [];
      return managers.includes('kube-controller-manager') && seen?.status?.observedGeneration !== undefined;
    };
    await waitFor('the controller-manager’s writes in the cache', async () => written());
    const kept = cache.get(namespace, 'kept')!;
    expect(kept.spec).toEqual({ replicas: 1 });
    expect(kept.status?.observedGeneration).toBe(1);
    expect(kept.metadata?.annotations?.team).toBe('shop');
    expect(kept.metadata?.annotations).not.toHaveProperty([lastAppliedAnnotation]);
    expect(kept.metadata?.labels).toEqual({ [label]: 'kept' });
    // The watch just delivered these changes: it is alive, and a rollout trusts it without a GET.
    expect(cache.heardWithin(namespace, 30_000)).toBe(true);
  });

  it('holds only Deployments with the label: anyone else’s are not its business', async () => {
    await clients.apps.createNamespacedDeployment({ namespace, body: deployment('theirs', { app: 'theirs' }) });
    await clients.apps.createNamespacedDeployment({ namespace, body: deployment('ours', { [label]: 'ours' }) });
    await waitFor('the labelled Deployment in the cache', async () => Boolean(cache.get(namespace, 'ours')));
    expect(cache.get(namespace, 'theirs')).toBeNull();
  });

  it('watches only the namespaces it is told to serve, and cannot say anything of the others', async () => {
    const served = await watchDeployments(clients, { label, log, namespaces: [namespace] });
    try {
      await clients.apps.createNamespacedDeployment({ namespace, body: deployment('served', { [label]: 'served' }) });
      await waitFor('the served Deployment in the cache', async () => Boolean(served.get(namespace, 'served')));
      expect(served.get('some-other-namespace', 'served')).toBeUndefined();
      expect(served.heardWithin('some-other-namespace', 30_000)).toBe(false);
    } finally {
      await served.stop();
    }
  });

  it('a wait with nothing changing ends at its timeout', async () => {
    const started = Date.now();
    await cache.changed(namespace, 'nothing-here', 200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('cannot say anything while its watch has never listed: readers ask the API server instead', async () => {
    const unreachable = await watchDeployments(unreachableKube(), { label, log });
    try {
      expect(unreachable.get(namespace, 'ours')).toBeUndefined();
    } finally {
      await unreachable.stop();
    }
  });
});
