import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClients } from '../kube/client.ts';
import type { EventAction, EventReason } from '../domain/release/events.ts';
import { cleanupFinalizer } from '../domain/release/ref.ts';
import { apiMessage, isNotFound } from '../kube/errors.ts';
import { recordReleaseEvent } from '../kube/events.ts';
import type { PatchKind } from '../kube/patch.ts';
import type { ReleaseMeta } from './plan.ts';

/** The few writes the controller makes to a Release: its finalizer and a Warning Event (never its annotations). */
export interface ReleasePatches {
  /** Each returns the Release as patched (undefined once it is gone), so the next write carries its resourceVersion. */
  addFinalizer(meta: ReleaseMeta): Promise<KubernetesObject | undefined>;
  removeFinalizer(meta: ReleaseMeta): Promise<KubernetesObject | undefined>;
  warn(meta: ReleaseMeta, event: { reason: EventReason; action: EventAction; note: string }): Promise<void>;
}

export function releasePatches(kube: KubeClients, reportingInstance: string): ReleasePatches {
  async function patch(meta: ReleaseMeta, kind: PatchKind, body: object): Promise<KubernetesObject | undefined> {
    try {
      return await kube.releases.patch(meta, kind, body);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new Error(`the API server refused the patch: ${apiMessage(err)}`, { cause: err });
    }
  }

  // Every write is conditional, so a finalizer someone else wrote meanwhile is never overwritten: the
  // API server refuses it (409, or 422 for a failed test) and the work is retried on the newer object.
  // Adding the finalizer checks the whole object's resourceVersion (a new Release is rarely written by
  // others); removing it tests only the finalizers, so the workflow's status writes during a deletion
  // do not make it fail.
  return {
    addFinalizer: (meta) =>
      patch(meta, 'merge', {
        metadata: { resourceVersion: meta.resourceVersion, finalizers: [...meta.finalizers, cleanupFinalizer] },
      }),
    removeFinalizer: (meta) =>
      patch(meta, 'json', [
        { op: 'test', path: '/metadata/finalizers', value: meta.finalizers },
        { op: 'replace', path: '/metadata/finalizers', value: meta.finalizers.filter((f) => f !== cleanupFinalizer) },
      ]),
    warn: (meta, { reason, action, note }) =>
      recordReleaseEvent(kube, meta, { type: 'Warning', reason, action, message: note }, reportingInstance),
  };
}
