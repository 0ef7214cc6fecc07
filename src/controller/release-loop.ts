import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClients } from '../kube/client.ts';
import type { Logger } from '../telemetry/log.ts';
import { DeliveryLedger } from './ledger.ts';
import { PendingWork } from './pending-work.ts';
import type { RetryPolicy } from '../kube/informer.ts';
import { reconcileGone, reconcileRelease, releaseMeta, type ReconcileDeps } from './reconcile-release.ts';
import { watchReleases, type ReleaseInformer } from './release-informer.ts';
import type { ReleasePatches } from './release-patches.ts';
import { releaseWorkload } from './release-workload.ts';
import type { ReleaseWorkflows } from './release-workflows.ts';

export interface ReleaseLoopOptions {
  kube: KubeClients;
  workflows: ReleaseWorkflows;
  patches: ReleasePatches;
  /** Namespaces to watch; empty for all. */
  namespaces: string[];
  resyncPeriodMs: number;
  deletionWaitMs: number;
  log: Logger;
  retry?: RetryPolicy;
}

export interface ReleaseLoop {
  /** Checks every Release's workflow again (self-healing); normally run every resync period. */
  resync(): void;
  stop(): Promise<void>;
}

/**
 * What the active controller runs: the Release watch feeding per-Release pending work, and the
 * periodic resync. Its ledger starts empty, so taking over from another controller sends nothing the
 * workflows have already seen.
 */
export async function startReleaseLoop(options: ReleaseLoopOptions): Promise<ReleaseLoop> {
  const { kube, workflows, patches, namespaces, resyncPeriodMs, deletionWaitMs, log, retry } = options;
  const ledger = new DeliveryLedger();
  const abort = new AbortController();
  const workload = releaseWorkload(kube);
  const deps: ReconcileDeps = { workflows, patches, workload, ledger, log, deletionWaitMs, abort: abort.signal };

  const pending = new PendingWork(
    async (ref) => {
      // Work runs on the newest cached object, whatever event queued it.
      const cache = await informer;
      const object = cache.get(ref.namespace, ref.name);
      if (object?.metadata?.uid === ref.uid) await reconcileRelease(object, deps);
      else await reconcileGone(ref, deps);
    },
    { log, ...(retry ? { retry } : {}) },
  );
  const queue = (object: KubernetesObject): void => {
    const meta = releaseMeta(object);
    if (meta) pending.add(meta);
    else log.warn('ignoring a release without a name, namespace or uid', { object: object.metadata });
  };

  const informer: Promise<ReleaseInformer> = watchReleases(kube, {
    namespaces,
    log,
    handlers: { changed: queue, deleted: queue },
  });
  const cache = await informer;

  const resync = (): void => {
    ledger.unverifyAll();
    const releases = cache.list();
    log.info('resync: checking every release against its workflow', { releases: releases.length });
    releases.forEach(queue);
  };
  const timer = setInterval(resync, resyncPeriodMs);

  return {
    resync,
    async stop() {
      clearInterval(timer);
      abort.abort();
      await cache.stop();
      await pending.stop();
    },
  };
}
