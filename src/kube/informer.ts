import {
  makeInformer,
  type Informer,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';
import type { KubeClients } from './client.ts';
import { apiMessage } from './errors.ts';
import { trimForCache } from './cached-objects.ts';
import type { Logger } from '../telemetry/log.ts';
import { exportWatch, watchEvents, watchRestarts } from '../telemetry/metrics.ts';

export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Exponential backoff: base, 2×base, 4×base... up to max. */
export const retryDelay = (attempt: number, { baseDelayMs, maxDelayMs }: RetryPolicy): number =>
  Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));

/** How a watch that stopped is started again: after 1 s, then twice as long each time, up to 30 s. */
export const restartPolicy: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 30_000 };

export interface InformerHandlers<T extends KubernetesObject> {
  changed?(object: T): void;
  deleted?(object: T): void;
}

export interface RunningInformer<T extends KubernetesObject> {
  cache: ObjectCache<T>;
  /** Listed, and watching since: false from a failure until the restarted informer has listed again. */
  current(): boolean;
  /** When the watch last delivered an event or (re)connected, epoch ms: a watch that does is alive. */
  lastActivity(): number;
  stop(): Promise<void>;
}

/**
 * A list-watch cache, restarted with backoff whenever it stops: client-node's informer gives up on
 * any error other than 410 Gone (an API server restart, a 403, a refused connection) and leaves the
 * restart to us. Its 30 s inactivity timeout and 410s it handles itself. Resolves once the first list
 * is in the cache; a first list that fails is retried the same way, and current() says so meanwhile.
 * The cache keeps of each object what `keep` leaves of it: by default all but the copies of it that
 * rollguard never reads (trimForCache).
 */
export async function startInformer<T extends KubernetesObject>(
  kube: KubeClients,
  {
    what,
    resource = what,
    fields = {},
    path,
    list,
    labelSelector,
    log,
    handlers = {},
    keep = trimForCache,
  }: {
    /** Named in the log: "releases". */
    what: string;
    /** The resource label of its metrics (default: what). */
    resource?: string;
    /** Logged with each line: which namespace, for one. */
    fields?: Record<string, unknown>;
    path: string;
    list: () => Promise<KubernetesListObject<T>>;
    labelSelector?: string;
    log: Logger;
    handlers?: InformerHandlers<T>;
    /** Cuts an object down, in place, to what the cache keeps of it, before any handler sees it. */
    keep?: (object: T) => void;
  },
): Promise<RunningInformer<T>> {
  const informer: Informer<T> & ObjectCache<T> = makeInformer(kube.config, path, list, labelSelector);
  let stopped = false;
  let listed = false;
  let failures = 0;
  let lastFailure = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let lastActivity = Date.now();

  // Registered first, so every handler and every later read sees the object as the cache keeps it:
  // the cache has stored the very object it hands to its handlers.
  informer.on('add', keep);
  informer.on('update', keep);
  if (handlers.changed) {
    informer.on('add', handlers.changed);
    informer.on('update', handlers.changed);
  }
  if (handlers.deleted) informer.on('delete', handlers.deleted);
  for (const type of ['add', 'update', 'delete'] as const) {
    informer.on(type, () => {
      lastActivity = Date.now();
      watchEvents.inc({ resource, type });
    });
  }
  informer.on('connect', () => void (lastActivity = Date.now()));
  // start() resolves also when its list failed (the failure goes to the 'error' handlers): the cache
  // is listed only when no failure came in between.
  let failuresSeen = 0;
  const begin = (): Promise<void> => {
    const before = failuresSeen;
    return informer.start().then(() => {
      listed = !stopped && failuresSeen === before;
      if (listed) lastActivity = Date.now();
    }, restart);
  };
  function restart(err: unknown): void {
    failuresSeen++;
    listed = false;
    if (stopped || restartTimer) return;
    // A watch that ran fine for a while starts its backoff over.
    failures = Date.now() - lastFailure > 2 * restartPolicy.maxDelayMs ? 1 : failures + 1;
    lastFailure = Date.now();
    const retryInMs = retryDelay(failures, restartPolicy);
    watchRestarts.inc({ resource });
    log.warn(`watch of ${what} stopped; restarting it`, {
      ...fields,
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
  log.info(`watching ${what}`, fields);
  const unexport = exportWatch({ resource, current: () => listed, lastActivity: () => lastActivity });
  return {
    cache: informer,
    current: () => listed,
    lastActivity: () => lastActivity,
    async stop() {
      unexport();
      stopped = true;
      listed = false;
      clearTimeout(restartTimer);
      await informer.stop();
    },
  };
}
