import type { V1Deployment } from '@kubernetes/client-node';
import type { KubeClients } from './client.ts';
import { startInformer } from './informer.ts';
import { perNamespace } from './scopes.ts';
import { Wakeups } from './wakeups.ts';
import type { Logger } from '../telemetry/log.ts';

/**
 * rollguard's Deployments as one watch of the whole cluster sees them, shared by every rollout the
 * worker runs: a rollout looks here instead of asking the API server twice a second, and wakes up when
 * its Deployment changes instead of at its next poll.
 */
export interface DeploymentCache {
  /**
   * The Deployment as last seen; null when it does not exist; undefined when the cache cannot say
   * (its watch is down or has not listed yet), and the caller asks the API server.
   */
  get(namespace: string, name: string): V1Deployment | null | undefined;
  /** Resolves when the Deployment next changes (or goes), or after `timeoutMs`, whichever is first. */
  changed(namespace: string, name: string, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Watches the Deployments that carry `label` in the namespaces named (one watch each), or in every
 * namespace when none are; resolves once they are listed.
 */
export async function watchDeployments(
  kube: KubeClients,
  { label, log, namespaces = [] }: { label: string; log: Logger; namespaces?: string[] },
): Promise<DeploymentCache> {
  const changes = new Wakeups();
  const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;
  const wake = (d: V1Deployment): void => changes.wake(keyOf(d.metadata?.namespace ?? '', d.metadata?.name ?? ''));
  const informers = await perNamespace(namespaces, (namespace) =>
    startInformer<V1Deployment>(kube, {
      what: 'rollguard Deployments',
      resource: 'deployments',
      fields: { labelSelector: label, namespace: namespace ?? '(all namespaces)' },
      path: namespace ? `/apis/apps/v1/namespaces/${namespace}/deployments` : '/apis/apps/v1/deployments',
      list: () =>
        namespace
          ? kube.apps.listNamespacedDeployment({ namespace, labelSelector: label })
          : kube.apps.listDeploymentForAllNamespaces({ labelSelector: label }),
      labelSelector: label,
      log,
      handlers: { changed: wake, deleted: wake },
    }),
  );

  return {
    get(namespace, name) {
      const informer = informers.of(namespace);
      if (!informer?.current()) return undefined;
      return informer.cache.get(name, namespace) ?? null;
    },
    changed: (namespace, name, timeoutMs) => changes.next(keyOf(namespace, name), timeoutMs),
    async stop() {
      await Promise.all(informers.all.map((informer) => informer.stop()));
      changes.wakeAll();
    },
  };
}
