import { makeInformer, type Informer, type KubernetesObject, type ObjectCache } from '@kubernetes/client-node';
import type { KubeClients } from '../kube/client.ts';
import type { Logger } from '../telemetry/log.ts';
import { apiMessage } from '../kube/errors.ts';
import { releasesPath } from '../kube/releases.ts';
import { retryDelay, type RetryPolicy } from './pending-work.ts';

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

const restartPolicy: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 30_000 };

export async function watchReleases(
  kube: KubeClients,
  { namespaces, log, handlers }: { namespaces: string[]; log: Logger; handlers: ReleaseWatchHandlers },
): Promise<ReleaseInformer> {
  const scopes = namespaces.length > 0 ? namespaces : [undefined];
  const watches = await Promise.all(scopes.map((namespace) => watchScope(kube, namespace, log, handlers)));
  const cacheOf = (namespace: string) =>
    watches.find((w) => w.namespace === undefined || w.namespace === namespace)?.cache;
  return {
    get: (namespace, name) => cacheOf(namespace)?.get(name, namespace),
    list: () => watches.flatMap((w) => [...w.cache.list()]),
    async stop() {
      await Promise.all(watches.map((w) => w.stop()));
    },
  };
}

/**
 * One informer, restarted with backoff whenever it stops: client-node's informer gives up on any
 * error other than 410 Gone (an API server restart, a 403, a refused connection) and leaves the
 * restart to us. Its 30 s inactivity timeout and 410s it handles itself.
 */
async function watchScope(
  kube: KubeClients,
  namespace: string | undefined,
  log: Logger,
  handlers: ReleaseWatchHandlers,
) {
  const informer: Informer<KubernetesObject> & ObjectCache<KubernetesObject> = makeInformer(
    kube.config,
    releasesPath(namespace),
    () => kube.releases.list(namespace),
  );
  const scope = namespace ?? '(all namespaces)';
  let stopped = false;
  let failures = 0;
  let lastFailure = 0;
  let restartTimer: NodeJS.Timeout | undefined;

  informer.on('add', handlers.changed);
  informer.on('update', handlers.changed);
  informer.on('delete', handlers.deleted);
  const begin = (): Promise<void> => informer.start().catch(restart);
  function restart(err: unknown): void {
    if (stopped) return;
    // A watch that ran fine for a while starts its backoff over.
    failures = Date.now() - lastFailure > 2 * restartPolicy.maxDelayMs ? 1 : failures + 1;
    lastFailure = Date.now();
    const retryInMs = retryDelay(failures, restartPolicy);
    log.warn('watch of releases stopped; restarting it', {
      namespace: scope,
      attempt: failures,
      retryInMs,
      error: apiMessage(err),
    });
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (!stopped) void begin();
    }, retryInMs);
  }
  informer.on('error', restart);

  await begin();
  log.info('watching releases', { namespace: scope });
  return {
    namespace,
    cache: informer,
    async stop() {
      stopped = true;
      clearTimeout(restartTimer);
      await informer.stop();
    },
  };
}
