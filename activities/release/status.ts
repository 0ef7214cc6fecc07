import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { PatchStrategy, setHeaderOptions, V1MicroTime } from '@kubernetes/client-node';
import { releaseResource, type ReleasePhase, type ReleaseStatus } from '../../src/api/index.ts';
import type { KubeClients } from '../../src/kube/client.ts';
import { isConflict, isNotFound } from '../../src/kube/errors.ts';
import type { Logger } from '../../src/log.ts';
import { phaseTransitions, releasePhase, rollbacks } from '../../src/metrics.ts';
import { releasePhases } from '../../src/api/index.ts';
import type { ReleaseRef } from '../../src/release/ref.ts';

export interface ReleaseEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** What rollguard did, e.g. "Rollout", "Rollback" (the Event's action). */
  action: string;
}

export interface TransitionInput {
  ref: ReleaseRef;
  from: ReleasePhase;
  to: ReleasePhase;
  status: ReleaseStatus;
  event: ReleaseEvent;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const instance = hostname();

export function createStatusActivities(kube: KubeClients, log: Logger) {
  const target = (ref: ReleaseRef) => ({
    group: releaseResource.group,
    version: releaseResource.version,
    plural: releaseResource.plural,
    namespace: ref.namespace,
    name: ref.name,
  });

  /**
   * Writes the Release's status through the /status subresource. The patch carries the
   * resourceVersion just read, so a concurrent write makes it fail with a conflict and it is tried
   * again on the fresh object. Returns false when the Release no longer exists (or is another one).
   */
  async function writeStatus({ ref, status }: { ref: ReleaseRef; status: ReleaseStatus }): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        const current = (await kube.custom.getNamespacedCustomObject(target(ref))) as { metadata: { uid: string; resourceVersion: string } };
        if (current.metadata.uid !== ref.uid) return false;
        const body = { metadata: { resourceVersion: current.metadata.resourceVersion }, status };
        await kube.custom.patchNamespacedCustomObjectStatus({ ...target(ref), body }, mergePatch);
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        if (!isConflict(err) || attempt >= 5) throw err;
      }
    }
  }

  /** A Kubernetes Event on the Release, shown by `kubectl describe release` and `kubectl events`. */
  async function recordEvent({ ref, event }: { ref: ReleaseRef; event: ReleaseEvent }): Promise<void> {
    await kube.events.createNamespacedEvent({
      namespace: ref.namespace,
      body: {
        metadata: { name: `${ref.name}.${Date.now().toString(16)}${randomBytes(4).toString('hex')}`, namespace: ref.namespace },
        eventTime: new V1MicroTime(),
        reportingController: 'rollguard.dev/controller',
        reportingInstance: instance,
        action: event.action,
        reason: event.reason,
        note: event.message.slice(0, 1024),
        type: event.type,
        regarding: { apiVersion: releaseResource.apiVersion, kind: releaseResource.kind, namespace: ref.namespace, name: ref.name, uid: ref.uid },
      },
    });
  }

  /** One phase transition, everywhere it is observed: status, an Event, a log line and a metric. */
  async function recordTransition({ ref, from, to, status, event }: TransitionInput): Promise<boolean> {
    const exists = await writeStatus({ ref, status });
    // Events are for people reading `kubectl describe`; failing to write one must not hold up a rollout.
    if (exists) await recordEvent({ ref, event }).catch((err: unknown) => log.warn('could not record an Event', { release: `${ref.namespace}/${ref.name}`, err }));
    log.info('release phase changed', {
      release: `${ref.namespace}/${ref.name}`, from, to, reason: event.reason, message: event.message,
      revision: status.currentRevision, stableRevision: status.stableRevision,
    });
    phaseTransitions.inc({ namespace: ref.namespace, release: ref.name, from, to });
    if (to === 'RollingBack' && status.lastRollback) {
      rollbacks.inc({ namespace: ref.namespace, release: ref.name, trigger: status.lastRollback.trigger });
    }
    for (const phase of releasePhases) releasePhase.set({ namespace: ref.namespace, release: ref.name, phase }, phase === to ? 1 : 0);
    return exists;
  }

  return { writeStatus, recordEvent, recordTransition };
}
