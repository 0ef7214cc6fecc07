import type { V1Deployment } from '@kubernetes/client-node';
import { PatchStrategy } from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import type { KubeClients } from '../../src/kube/client.ts';
import { isNotFound } from '../../src/kube/errors.ts';
import { fieldManager, type ReleaseRef, releaseLabel, revisionAnnotation } from '../../src/release/ref.ts';
import type { RolloutProgress } from '../../workflows/messages.ts';
import { ownerReference } from './owner.ts';
import type { Revision } from './revisions.ts';

export interface RolloutResult {
  complete: boolean;
  progress: RolloutProgress;
  /** Why the rollout is not complete: the Deployment's own words when it has some. */
  reason?: string;
}

/** The owned Deployment for a revision, as rollguard server-side-applies it. */
export function deploymentFor(ref: ReleaseRef, revision: Revision): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: ref.name,
      namespace: ref.namespace,
      labels: { [releaseLabel]: ref.name },
      annotations: { [revisionAnnotation]: String(revision.revision) },
      ownerReferences: [ownerReference(ref)],
    },
    spec: revision.template as V1Deployment['spec'],
  };
}

/** How far a Deployment has rolled out the revision it was given. */
export function rolloutState(deployment: V1Deployment, revision: number): RolloutResult {
  const spec = deployment.spec;
  const s = deployment.status ?? {};
  const desired = spec?.replicas ?? 1;
  const progress = {
    desired,
    updated: s.updatedReplicas ?? 0,
    ready: s.readyReplicas ?? 0,
    available: s.availableReplicas ?? 0,
  };
  const onRevision = deployment.metadata?.annotations?.[revisionAnnotation] === String(revision);
  const observed = (s.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 1);
  const complete =
    onRevision && observed &&
    progress.updated === desired && progress.available === desired && progress.ready === desired &&
    (s.replicas ?? 0) === desired;
  const stalled = s.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
  const reason = complete
    ? undefined
    : (stalled?.message ??
      `${progress.updated}/${desired} pods updated to revision ${revision}; ${progress.ready} Ready counting the old pods still serving`);
  return { complete, progress, ...(reason ? { reason } : {}) };
}

export function createDeploymentActivities(kube: KubeClients, { pollMs = 500 } = {}) {
  /** Server-side applies the revision to the Release's Deployment (idempotent). */
  async function applyRevision({ ref, revision }: { ref: ReleaseRef; revision: Revision }): Promise<void> {
    await kube.objects.patch(deploymentFor(ref, revision), undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
  }

  const read = (ref: ReleaseRef): Promise<V1Deployment> =>
    kube.apps.readNamespacedDeployment({ name: ref.name, namespace: ref.namespace });

  /**
   * Watches the Deployment until the revision is fully rolled out and available, or the deadline
   * (epoch ms, fixed by the workflow) passes. Heartbeats progress, so the workflow can show it and
   * a retry after a worker crash carries on against the same deadline.
   */
  async function awaitRollout({ ref, revision, deadline }: { ref: ReleaseRef; revision: number; deadline: number }): Promise<RolloutResult> {
    const ctx = Context.current();
    for (;;) {
      let state: RolloutResult;
      try {
        state = rolloutState(await read(ref), revision);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        state = { complete: false, progress: { desired: 0, updated: 0, ready: 0, available: 0 }, reason: 'the Deployment does not exist' };
      }
      ctx.heartbeat(state.progress);
      if (state.complete || Date.now() >= deadline) return state;
      await ctx.sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
    }
  }

  return { applyRevision, awaitRollout };
}
