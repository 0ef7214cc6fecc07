import type { V1Deployment, V1DeploymentSpec } from '@kubernetes/client-node';
import { trimForCache } from './cached-objects.ts';
import type { KubeClients } from './client.ts';
import { startInformer } from './informer.ts';
import { perNamespace } from './scopes.ts';
import { Wakeups } from './wakeups.ts';
import type { Logger } from '../telemetry/log.ts';

/**
 * What the worker reads of a Deployment while it rolls one out: who owns it and its count
 * (metadata, managedFields), the revision it runs (an annotation), and how far its pods are (status).
 * A Deployment read from the API server is one too.
 */
export type DeploymentState = Pick<V1Deployment, 'metadata' | 'status'> & {
  spec?: Pick<V1DeploymentSpec, 'replicas'>;
};

/**
 * Cuts a Deployment, in place, to the DeploymentState the watch keeps: the pod template, most of a
 * Deployment (and of its managedFields), is the revision's, which the worker has in the workflow.
 */
export function keepState(deployment: DeploymentState): void {
  trimForCache(deployment);
  const replicas = deployment.spec?.replicas;
  deployment.spec = replicas === undefined ? {} : { replicas };
}

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
  get(namespace: string, name: string): DeploymentState | null | undefined;
  /**
   * Whether the watch of the namespace is current and delivered an event (of any Deployment) or
   * reconnected within `ms`: a watch that does is not stalled, and what it holds is as fresh as a GET.
   */
  heardWithin(namespace: string, ms: number): boolean;
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
  const wake = (d: DeploymentState): void => changes.wake(keyOf(d.metadata?.namespace ?? '', d.metadata?.name ?? ''));
  const informers = await perNamespace(namespaces, (namespace) =>
    startInformer<DeploymentState>(kube, {
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
      keep: keepState,
    }),
  );

  return {
    get(namespace, name) {
      const informer = informers.of(namespace);
      if (!informer?.current()) return undefined;
      return informer.cache.get(name, namespace) ?? null;
    },
    heardWithin(namespace, ms) {
      const informer = informers.of(namespace);
      return informer !== undefined && informer.current() && Date.now() - informer.lastActivity() < ms;
    },
    changed: (namespace, name, timeoutMs) => changes.next(keyOf(namespace, name), timeoutMs),
    async stop() {
      await Promise.all(informers.all.map((informer) => informer.stop()));
      changes.wakeAll();
    },
  };
}
