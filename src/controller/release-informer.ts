import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClients } from '../kube/client.ts';
import { startInformer } from '../kube/informer.ts';
import { releasesPath } from '../kube/releases.ts';
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
  const scopes = namespaces.length > 0 ? namespaces : [undefined];
  const watches = await Promise.all(
    scopes.map(async (namespace) => ({
      namespace,
      informer: await startInformer(kube, {
        what: 'releases',
        fields: { namespace: namespace ?? '(all namespaces)' },
        path: releasesPath(namespace),
        list: () => kube.releases.list(namespace),
        log,
        handlers,
      }),
    })),
  );
  const cacheOf = (namespace: string) =>
    watches.find((w) => w.namespace === undefined || w.namespace === namespace)?.informer.cache;
  return {
    get: (namespace, name) => cacheOf(namespace)?.get(name, namespace),
    list: () => watches.flatMap((w) => [...w.informer.cache.list()]),
    async stop() {
      await Promise.all(watches.map((w) => w.informer.stop()));
    },
  };
}
