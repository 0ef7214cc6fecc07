import { Watch, type KubernetesObject } from '@kubernetes/client-node';
import { releaseResource } from '../domain/api/index.ts';
import type { SelectorOwner } from '../domain/release/selectors.ts';
import type { KubeClients } from './client.ts';
import { apiMessage, apiStatus } from './errors.ts';
import { restartPolicy, retryDelay } from './informer.ts';
import { releasesPath } from './releases.ts';
import { perNamespace } from './scopes.ts';
import { Wakeups } from './wakeups.ts';
import type { Logger } from '../telemetry/log.ts';

/**
 * Every Release's selector as one watch of the whole cluster sees it, for the worker's admission
 * check (does a new spec select another Release's pods?): the check reads it here instead of listing
 * the namespace's Releases for every rollout, which costs the API server and the worker O(N) each.
 * Only what the check needs is kept (name, uid, creation time, matchLabels), not the objects.
 */
export interface ReleaseSelectors {
  /**
   * The Releases of a namespace, when the watch is current and has seen the Release `uid` (so every
   * Release created before it is seen too: a watch delivers objects in the order they were stored);
   * undefined otherwise, and the caller asks the API server.
   */
  owners(namespace: string, uid: string): SelectorOwner[] | undefined;
  /**
   * The same, after waiting up to `timeoutMs` for the watch to see the Release `uid` (and to be
   * current again, when it is restarting): a Release just created reaches its workflow before the
   * watch under load, and listing every Release of the namespace instead costs the API server far
   * more than the wait (docs/benchmarks.md). A watch that never listed is not waited for.
   */
  ownersSoon(namespace: string, uid: string, timeoutMs: number): Promise<SelectorOwner[] | undefined>;
  stop(): Promise<void>;
}

const pageSize = 500;

/** The client's inactivity timeout, which ends a watch that saw nothing for a while. */
const isTimeout = (err: unknown): boolean => (err as { name?: string } | null)?.name === 'TimeoutError';

/**
 * A Release as the index keeps it; undefined for an object without a selector of string labels.
 * Read field by field, not validated whole: the index sees every status write of every Release.
 */
export function selectorOwner(object: KubernetesObject): SelectorOwner | undefined {
  const { metadata } = object;
  const spec = (object as { spec?: { template?: { selector?: { matchLabels?: unknown } } } }).spec;
  const matchLabels = spec?.template?.selector?.matchLabels;
  if (!metadata?.name || !metadata.uid || !isLabels(matchLabels)) return undefined;
  const created = metadata.creationTimestamp as unknown;
  return {
    namespace: metadata.namespace ?? '',
    name: metadata.name,
    uid: metadata.uid,
    createdAt: created instanceof Date ? created.toISOString() : typeof created === 'string' ? created : '',
    matchLabels,
  };
}

const isLabels = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((v) => typeof v === 'string');

/**
 * Watches the Releases of the namespaces the worker serves (one watch each), or of all namespaces
 * when none are named.
 */
export async function watchReleaseSelectors(
  kube: KubeClients,
  { log, namespaces = [] }: { log: Logger; namespaces?: string[] },
): Promise<ReleaseSelectors> {
  const scopes = await perNamespace(namespaces, (namespace) => watchScope(kube, namespace, log));
  log.info('watching Release selectors', { namespaces: namespaces.length > 0 ? namespaces : 'all' });
  return {
    owners: (namespace, uid) => scopes.of(namespace)?.owners(namespace, uid),
    ownersSoon: async (namespace, uid, timeoutMs) => scopes.of(namespace)?.ownersSoon(namespace, uid, timeoutMs),
    async stop() {
      await Promise.all(scopes.all.map((scope) => scope.stop()));
    },
  };
}

/** Lists, then watches, the Releases of one namespace or all; relists after a 410 and restarts with backoff after any failure. */
async function watchScope(kube: KubeClients, scope: string | undefined, log: Logger): Promise<ReleaseSelectors> {
  const { group, version, plural } = releaseResource;
  const byNamespace = new Map<string, Map<string, SelectorOwner>>();
  const namespaceOf = (namespace: string): Map<string, SelectorOwner> => {
    const owners = byNamespace.get(namespace) ?? new Map<string, SelectorOwner>();
    byNamespace.set(namespace, owners);
    return owners;
  };
  // Who waits for a Release to be seen, by uid.
  const arrivals = new Wakeups();
  const remember = (object: KubernetesObject): void => {
    const namespace = object.metadata?.namespace ?? '';
    const owner = selectorOwner(object);
    if (owner) {
      namespaceOf(namespace).set(owner.uid, owner);
      arrivals.wake(owner.uid);
    }
    // A spec edited into something invalid keeps no selector (the admission check refuses it anyway).
    else if (object.metadata?.uid) byNamespace.get(namespace)?.delete(object.metadata.uid);
  };
  const forget = (object: KubernetesObject): void => {
    const namespace = object.metadata?.namespace ?? '';
    byNamespace.get(namespace)?.delete(object.metadata?.uid ?? '');
  };

  let stopped = false;
  let current = false;
  let resourceVersion: string | undefined;
  let abort: AbortController | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  // Each watch started has its own number: what an ended one still reports is ignored.
  let watches = 0;
  let watchedSince = 0;
  let everListed = false;

  async function list(): Promise<void> {
    byNamespace.clear();
    let next: string | undefined;
    do {
      const query = { group, version, plural, limit: pageSize, ...(next ? { _continue: next } : {}) };
      const page = (await (scope
        ? kube.custom.listNamespacedCustomObject({ ...query, namespace: scope })
        : kube.custom.listClusterCustomObject(query))) as {
        items: KubernetesObject[];
        metadata?: { resourceVersion?: string; _continue?: string };
      };
      for (const item of page.items) remember(item);
      next = page.metadata?._continue || undefined;
      resourceVersion = page.metadata?.resourceVersion;
    } while (next);
  }

  function restart(
    watch: number,
    err: unknown,
    { relist, failed = false }: { relist: boolean; failed?: boolean },
  ): void {
    if (watch !== watches) return;
    watches++;
    current = false;
    abort?.abort();
    abort = undefined;
    if (stopped) return;
    if (relist) resourceVersion = undefined;
    // Routine ends are watched again at once: the server ended the watch, the client's inactivity
    // timeout ended a quiet one, or its version is too old (410: listed again). Under load these
    // come often, and while the watch is down every admission check lists the namespace's Releases.
    // A watch that keeps ending within a second of its start, or fails otherwise, backs off.
    const routine = !failed && (!err || relist || isTimeout(err)) && Date.now() - watchedSince > 1_000;
    failures = routine ? 0 : failures + 1;
    const retryInMs = routine ? 0 : retryDelay(failures, restartPolicy);
    if (!routine)
      log.warn('watch of Release selectors stopped; restarting it', {
        namespace: scope ?? '(all namespaces)',
        retryInMs,
        error: apiMessage(err),
      });
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      void begin();
    }, retryInMs);
  }

  async function begin(): Promise<void> {
    if (stopped) return;
    const watch = ++watches;
    try {
      if (resourceVersion === undefined) await list();
      current = true;
      everListed = true;
      watchedSince = Date.now();
      const started = await new Watch(kube.config).watch(
        releasesPath(scope),
        { resourceVersion, allowWatchBookmarks: true },
        (phase, object: KubernetesObject) => {
          if (watch !== watches) return;
          if (object?.metadata?.resourceVersion) resourceVersion = object.metadata.resourceVersion;
          if (phase === 'ADDED' || phase === 'MODIFIED') remember(object);
          else if (phase === 'DELETED') forget(object);
          // An ERROR event is a Status: 410 Gone means the resourceVersion is too old to watch from.
          else if (phase === 'ERROR') {
            const { code, message } = object as { code?: number; message?: string };
            restart(watch, new Error(`${code ?? ''} ${message ?? 'the watch failed'}`.trim()), {
              relist: code === 410,
            });
          }
        },
        // The server ends a watch after a while (done without an error): watch again from where it was.
        (err: unknown) => restart(watch, err ?? null, { relist: apiStatus(err) === 410 }),
      );
      if (watch === watches) abort = started;
      else started.abort();
    } catch (err) {
      // The list, or the watch's start, failed: never routine.
      restart(watch, err, { relist: true, failed: true });
    }
  }

  await begin();
  function owners(namespace: string, uid: string): SelectorOwner[] | undefined {
    if (!current) return undefined;
    const known = byNamespace.get(namespace);
    if (!known?.has(uid)) return undefined;
    return [...known.values()];
  }
  return {
    owners,
    async ownersSoon(namespace, uid, timeoutMs) {
      // A watch that never listed (not allowed, or not reachable) cannot say: no waiting for it.
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = owners(namespace, uid);
        const left = deadline - Date.now();
        if (found || left <= 0 || stopped || !everListed) return found;
        await arrivals.next(uid, Math.min(250, left));
      }
    },
    async stop() {
      stopped = true;
      current = false;
      watches++;
      clearTimeout(restartTimer);
      abort?.abort();
      arrivals.wakeAll();
    },
  };
}
