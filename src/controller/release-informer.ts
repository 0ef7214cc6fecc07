import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClients } from '../kube/client.ts';
import { startInformer } from '../kube/informer.ts';
import { releasesPath } from '../kube/releases.ts';
import { perNamespace } from '../kube/scopes.ts';
import type { Logger } from '../telemetry/log.ts';

export interface ReleaseWatchHandlers {
  changed(object: KubernetesObject): void;
  deleted(object: KubernetesObject): void;
}

/** A list-watch cache of Releases: all namespaces, or one informer per configured namespace. */
export interface ReleaseInformer {
  get(namespace: string, name: string): KubernetesObject | undefined;
  list(): KubernetesObject[];
  stop(): Promise<void>;
}

export async function watchReleases(
  kube: KubeClients,
  { namespaces, log, handlers }: { namespaces: string[]; log: Logger; handlers: ReleaseWatchHandlers },
): Promise<ReleaseInformer> {
  const informers = await perNamespace(namespaces, (namespace) =>
    startInformer(kube, {
      what: 'releases',
      fields: { namespace: namespace ?? '(all namespaces)' },
      path: releasesPath(namespace),
      list: () => kube.releases.list(namespace),
      log,
      handlers,
    }),
  );
  return {
    get: (namespace, name) => informers.of(namespace)?.cache.get(name, namespace),
    list: () => informers.all.flatMap((informer) => [...informer.cache.list()]),
    async stop() {
      await Promise.all(informers.all.map((informer) => informer.stop()));
    },
  };
}
