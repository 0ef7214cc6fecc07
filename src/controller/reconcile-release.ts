import type { KubernetesObject } from '@kubernetes/client-node';
import { WorkflowNotFoundError } from '@temporalio/common';
import { parseRelease } from '../domain/api/index.ts';
import type { Logger } from '../telemetry/log.ts';
import { EventAction, EventReason } from '../domain/release/events.ts';
import { cleanupFinalizer, describeRef, type ReleaseRef } from '../domain/release/ref.ts';
import { foreignStatusWrite } from './foreign-status.ts';
import type { DeliveryLedger } from './ledger.ts';
import type { ListedWorkflows } from './listed-workflows.ts';
import { RunAgainLater } from './pending-work.ts';
import { planRelease, type Observation, type ReleaseMeta, type Work } from './plan.ts';
import type { ReleasePatches } from './release-patches.ts';
import type { ReleaseWorkflows } from './release-workflows.ts';
import type { ReleaseWorkload } from './release-workload.ts';

/**
 * How soon a deletion looks again at a workflow that is cleaning up, `waitedMs` after the delete
 * signal: soon at first (a cleanup takes a second or two), then less often, at most every 5 s, so that
 * a thousand Releases deleted at once cost the Temporal frontend a few hundred describes a second.
 */
export function deletionRecheckMs(waitedMs: number): number {
  return Math.min(5_000, Math.max(250, Math.round(waitedMs / 2)));
}

export interface ReconcileDeps {
  workflows: ReleaseWorkflows;
  patches: ReleasePatches;
  workload: ReleaseWorkload;
  ledger: DeliveryLedger;
  /** The running workflows as last listed, asked before each workflow is (ListedWorkflows). */
  listed?: ListedWorkflows;
  log: Logger;
  /** How long after the delete signal a workflow still running makes each look at it a warning. */
  deletionWaitMs: number;
}

/** The metadata of a Release object from the watch; undefined when it lacks a name, namespace or uid. */
export function releaseMeta(object: KubernetesObject | undefined): ReleaseMeta | undefined {
  const m = object?.metadata;
  if (!m?.name || !m.namespace || !m.uid) return undefined;
  return {
    namespace: m.namespace,
    name: m.name,
    uid: m.uid,
    ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
    finalizers: m.finalizers ?? [],
    annotations: m.annotations ?? {},
    deleting: Boolean(m.deletionTimestamp),
    deletionPolicy:
      (object as { spec?: { deletionPolicy?: unknown } }).spec?.deletionPolicy === 'Delete' ? 'Delete' : 'Orphan',
  };
}

const refOf = ({ namespace, name, uid }: ReleaseRef): ReleaseRef => ({ namespace, name, uid });

/** Turns the Release's current state into the messages and patches it calls for, and performs them. */
export async function reconcileRelease(object: KubernetesObject, deps: ReconcileDeps): Promise<void> {
  const meta = releaseMeta(object);
  if (!meta) return;
  await perform(await observe(object, meta, deps), meta, deps);
}

/** The Release left the cluster: make sure its workflow, if still running, is told. */
export async function reconcileGone(ref: ReleaseRef, deps: ReconcileDeps): Promise<void> {
  await perform({ state: 'gone', ref }, { ...ref, finalizers: [], annotations: {}, deleting: true }, deps);
}

async function observe(object: KubernetesObject, meta: ReleaseMeta, deps: ReconcileDeps): Promise<Observation> {
  const { ledger, log } = deps;
  if (meta.deleting) return { state: 'deleting', meta };
  const parsed = parseRelease(object);
  const generation = object.metadata?.generation ?? 1;
  if (!parsed.ok) {
    log.warn('release is invalid: its workflow records it as InvalidSpec', {
      release: describeRef(meta),
      error: parsed.error.message,
      issues: parsed.error.issues,
    });
    const delivered = await deliveredTo(meta, generation, deps);
    const problems = parsed.error.issues.map((issue) => `${issue.field}: ${issue.message}`);
    return { state: 'invalid', meta, generation, problems, delivered };
  }
  const delivered = await deliveredTo(meta, generation, deps);
  const foreign = foreignStatusWrite(object);
  const foreignStatus = foreign && ledger.restoreSent(meta.uid) !== foreign.key ? foreign : undefined;
  return {
    state: 'live',
    meta,
    release: parsed.release,
    delivered,
    rollbacks: ledger.rollbacks(meta.uid),
    strategyRequests: ledger.strategyRequests(meta.uid),
    ...(foreignStatus ? { foreignStatus } : {}),
  };
}

/** The generation the Release's workflow has seen: from the ledger, else the list of running workflows, else the workflow. */
async function deliveredTo(meta: ReleaseMeta, generation: number, deps: ReconcileDeps): Promise<number> {
  const { ledger, listed } = deps;
  const known = ledger.delivered(meta.uid);
  if (known !== undefined) return known;
  const seen = listed?.take(refOf(meta), generation);
  if (seen !== undefined) return ledger.observeWorkflow(meta.uid, { running: true, memoGeneration: seen });
  return await askWorkflow(meta, generation, deps);
}

/**
 * What the workflow has seen, when this controller does not know (it just started, took over, or is
 * resyncing): its memo, and only when that lags behind the Release, the spec signals in its history.
 */
async function askWorkflow(
  meta: ReleaseMeta,
  generation: number,
  { workflows, ledger, log }: ReconcileDeps,
): Promise<number> {
  const workflow = await workflows.describe(refOf(meta));
  if (workflow.state !== 'Running') return ledger.observeWorkflow(meta.uid, { running: false });
  if (workflow.taskQueue !== workflows.taskQueue) {
    // Typically an upgrade from the single queue "rollguard": the workflow waits for a worker that no longer polls it.
    log.warn('the workflow runs on a task queue this rollguard does not serve: no worker of it runs the workflow', {
      release: describeRef(meta),
      workflowTaskQueue: workflow.taskQueue,
      taskQueue: workflows.taskQueue,
      remedy: `run rollguard with --task-queue ${workflow.taskQueue} (or ROLLGUARD_TASK_QUEUE) until such workflows are done`,
    });
  }
  const seen = ledger.observeWorkflow(meta.uid, {
    running: true,
    ...(workflow.generation !== undefined ? { memoGeneration: workflow.generation } : {}),
  });
  if (seen >= generation) return seen;
  return ledger.observeWorkflow(meta.uid, {
    running: true,
    memoGeneration: await workflows.specInHistory(refOf(meta), workflow.runId),
  });
}

async function perform(observation: Observation, meta: ReleaseMeta, deps: ReconcileDeps): Promise<void> {
  let current: ReleaseMeta | undefined = meta;
  for (const work of planRelease(observation)) {
    if (!current) return;
    try {
      current = await (performers[work.kind] as Performer<Work>)(work, current, deps);
    } catch (err) {
      if (err instanceof RunAgainLater) throw err; // nothing failed: the work waits for the workflow
      // Whatever failed, the workflow may have closed meanwhile: ask it again on the retry.
      deps.ledger.unverify(meta.uid);
      throw new Error(`${describeRef(meta)}: ${work.kind} failed: ${(err as Error).message}`, { cause: err });
    }
  }
}

type Performer<W extends Work> = (work: W, meta: ReleaseMeta, deps: ReconcileDeps) => Promise<ReleaseMeta | undefined>;
type Performers = { [K in Work['kind']]: Performer<Extract<Work, { kind: K }>> };

const performers: Performers = {
  async addFinalizer(_work, meta, { patches, log }) {
    const patched = releaseMeta(await patches.addFinalizer(meta));
    log.info('finalizer added', { release: describeRef(meta), finalizer: cleanupFinalizer });
    return patched;
  },

  async invalidSpec({ message }, meta, { workflows, ledger, log }) {
    await workflows.sendInvalidSpec(refOf(meta), message);
    ledger.recordDelivered(meta.uid, message.generation);
    log.info('invalid spec sent', { release: describeRef(meta), generation: message.generation });
    return meta;
  },

  async restoreStatus({ writtenBy, key }, meta, { workflows, ledger, log }) {
    await workflows.sendRestoreStatus(refOf(meta), `written by ${writtenBy}`);
    ledger.recordRestoreSent(meta.uid, key);
    log.warn('status written by someone else: restore sent', { release: describeRef(meta), writtenBy });
    return meta;
  },

  async spec({ message, recovered }, meta, { workflows, ledger, log }) {
    await workflows.sendSpec(refOf(meta), message, recovered);
    ledger.recordDelivered(meta.uid, message.generation);
    log.info('spec sent', { release: describeRef(meta), generation: message.generation, recovered });
    return meta;
  },

  // The annotation is left in place: a GitOps tool would put it back. The request id makes the
  // workflow act on it once, and the status records it so it is not sent again.
  async rollback({ request }, meta, { workflows, ledger, log }) {
    await workflows.sendRollback(refOf(meta), request);
    ledger.recordRollbackSent(meta.uid, request.requestId);
    log.info('rollback sent', { release: describeRef(meta), ...request });
    return meta;
  },

  // As the rollback annotation: left in place, acted on once per value (the request id).
  async strategyRequest({ channel, signal, request }, meta, { workflows, ledger, log }) {
    await workflows.sendStrategyRequest(refOf(meta), signal, request);
    ledger.recordStrategyRequestSent(meta.uid, channel, request.requestId);
    log.info(`${signal} sent`, { release: describeRef(meta), requestId: request.requestId });
    return meta;
  },

  async refuseRollback({ why, key }, meta, { patches, ledger, log }) {
    log.warn('rollback annotation refused', { release: describeRef(meta), reason: why });
    await patches.warn(meta, { reason: EventReason.InvalidRollbackRequest, action: EventAction.Rollback, note: why });
    ledger.recordRollbackRefused(meta.uid, key);
    return meta;
  },

  /**
   * Deletion never holds the controller up: while the workflow cleans up, the Release is looked at
   * again later (deletionRecheckMs), and no run waits for it meanwhile, so deleting many Releases at
   * once, or Releases whose workflows cannot close (no worker polls), leaves every other Release's work
   * its turn. From deletionWaitMs after the delete signal on, each look that finds the workflow still
   * running fails, with a warning, and is retried with backoff. A workflow already closed or missing
   * lets the Release go at once. While Temporal is unreachable the finalizer stays: removing it would
   * leave a running workflow that nothing can tell to stop. Removing the finalizer by hand overrides.
   */
  async delete({ removeFinalizer }, meta, deps) {
    const { workflows, patches, ledger, log } = deps;
    const ref = refOf(meta);
    const workflow = await workflows.describe(ref);
    if (workflow.state === 'Running') {
      let signalledAt = ledger.deleteSignalledAt(meta.uid, workflow.runId);
      if (signalledAt === undefined) {
        await workflows.sendDelete(ref).catch((err: unknown) => {
          if (!(err instanceof WorkflowNotFoundError)) throw err; // closed meanwhile: nothing to tell
        });
        signalledAt = Date.now();
        ledger.recordDeleteSignalled(meta.uid, workflow.runId, signalledAt);
        log.info('delete sent', { release: describeRef(meta) });
      }
      // A Release already gone has no finalizer to hold; its workflow cleans up on its own time.
      if (removeFinalizer) {
        const waited = Date.now() - signalledAt;
        if (waited >= deps.deletionWaitMs)
          throw new Error(
            `its workflow is still running ${Math.round(waited / 1000)}s after the delete signal; the finalizer stays until ` +
              `it closes (to delete the Release without its cleanup, remove the ${cleanupFinalizer} finalizer by hand)`,
          );
        throw new RunAgainLater(deletionRecheckMs(waited), 'the workflow is cleaning up after the delete signal');
      }
    }
    if (removeFinalizer) {
      // Orphan (the default): the Deployment, and so the pods, outlive the Release. Only once the
      // workflow has closed, so no apply of its puts the ownerReference back. Delete leaves the
      // ownerReference, and the garbage collector deletes the Deployment once the Release is gone.
      if (meta.deletionPolicy !== 'Delete' && (await deps.workload.orphan(ref)))
        log.info('deployment orphaned: it stays when the Release goes (spec.deletionPolicy Orphan)', {
          release: describeRef(meta),
        });
      await patches.removeFinalizer(meta);
      log.info('finalizer removed', { release: describeRef(meta), workflow: workflow.state });
    }
    ledger.forget(meta.uid);
    return undefined;
  },
};
