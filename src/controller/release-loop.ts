import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClients } from '../kube/client.ts';
import type { Logger } from '../telemetry/log.ts';
import { DeliveryLedger } from './ledger.ts';
import { ListedWorkflows } from './listed-workflows.ts';
import { PendingWork, RunAgainLater } from './pending-work.ts';
import type { RetryPolicy } from '../kube/informer.ts';
import { reconcileGone, reconcileRelease, releaseMeta, type ReconcileDeps } from './reconcile-release.ts';
import { controllerView } from './foreign-status.ts';
import { releaseMetrics } from './release-metrics.ts';
import { exportQueue, reconcileDuration, reconciles } from '../telemetry/metrics.ts';
import { withLogContext } from '../telemetry/log-context.ts';
import { describeRef, releaseWorkflowId } from '../domain/release/ref.ts';
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
  /**
   * Checks every Release's workflow again (self-healing), after listing the running ones; normally run
   * every resync period.
   */
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
  // Listed while the watch lists the Releases: the first run of each Release reads it.
  const listed = new ListedWorkflows(workflows, log);
  const firstList = listed.refresh();
  const deps: ReconcileDeps = {
    workflows,
    patches,
    workload,
    ledger,
    listed,
    log,
    deletionWaitMs,
  };

  const metrics = releaseMetrics();
  const pending = new PendingWork(
    async (ref) => {
      // Work runs on the newest cached object, whatever event queued it.
      const [cache] = await Promise.all([informer, firstList]);
      const object = cache.get(ref.namespace, ref.name);
      const timer = reconcileDuration.startTimer();
      try {
        // Every line of this run names the Release and its workflow.
        await withLogContext({ release: describeRef(ref), workflowId: releaseWorkflowId(ref) }, () =>
          object?.metadata?.uid === ref.uid ? reconcileRelease(object, deps) : reconcileGone(ref, deps),
        );
        reconciles.inc({ result: 'success' });
      } catch (err) {
        reconciles.inc({ result: err instanceof RunAgainLater ? 'later' : 'error' });
        throw err;
      } finally {
        timer();
      }
    },
    { log, ...(retry ? { retry } : {}) },
  );
  const unexportQueue = exportQueue(pending);
  const queue = (object: KubernetesObject): void => {
    const meta = releaseMeta(object);
    if (meta) pending.add(meta);
    else log.warn('ignoring a release without a name, namespace or uid', { object: object.metadata });
  };

  // What the controller last queued each Release (by uid) for: a change of the workflow's own status
  // writes alone runs nothing (controllerView). The resync queues every Release regardless.
  const queuedFor = new Map<string, string>();
  const informer: Promise<ReleaseInformer> = watchReleases(kube, {
    namespaces,
    log,
    handlers: {
      changed: (object) => {
        metrics.changed(object);
        const uid = object.metadata?.uid;
        const view = controllerView(object);
        if (uid !== undefined && queuedFor.get(uid) === view) return;
        if (uid !== undefined) queuedFor.set(uid, view);
        queue(object);
      },
      deleted: (object) => {
        metrics.deleted(object);
        if (object.metadata?.uid) queuedFor.delete(object.metadata.uid);
        queue(object);
      },
    },
  });
  const cache = await informer;
  metrics.start(cache);

  const resync = (): void => {
    ledger.unverifyAll();
    void listed.refresh().then(() => {
      if (abort.signal.aborted) return;
      const releases = cache.list();
      log.info('resync: checking every release against its workflow', { releases: releases.length });
      releases.forEach(queue);
    });
  };
  const timer = setInterval(resync, resyncPeriodMs);

  return {
    resync,
    async stop() {
      clearInterval(timer);
      metrics.stop();
      queuedFor.clear();
      unexportQueue();
      abort.abort();
      await cache.stop();
      await pending.stop();
    },
  };
}
