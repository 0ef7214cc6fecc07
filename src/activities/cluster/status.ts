import { hostname } from 'node:os';
import type { ReleaseEvent } from '../../domain/release/events.ts';
import { recordReleaseEvent } from '../../kube/events.ts';
import type { ReleasePhase, ReleaseStatus } from '../../domain/api/index.ts';
import type { KubeClients } from '../../kube/client.ts';
import { apiStatus, isConflict, isNotFound } from '../../kube/errors.ts';
import type { Logger } from '../../telemetry/log.ts';
import { phaseTransitions, releasePhase, rollbacks } from '../../telemetry/metrics.ts';
import { releasePhases } from '../../domain/api/index.ts';
import { type ReleaseRef, statusManager } from '../../domain/release/ref.ts';

export interface TransitionInput {
  ref: ReleaseRef;
  from: ReleasePhase;
  to: ReleasePhase;
  status: ReleaseStatus;
  event: ReleaseEvent;
}

const instance = hostname();

export function createStatusActivities(kube: KubeClients, log: Logger) {
  /**
   * Writes the Release's status through the /status subresource. The patch carries the
   * resourceVersion just read, so a concurrent write makes it fail with a conflict and it is tried
   * again on the fresh object. Returns false when the Release no longer exists (or is another one).
   */
  async function writeStatus({ ref, status }: { ref: ReleaseRef; status: ReleaseStatus }): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        const current = (await kube.releases.get(ref)) as { metadata: { uid: string; resourceVersion: string } };
        if (current.metadata.uid !== ref.uid) return false;
        // The whole status is replaced, so a field someone else wrote there does not outlive rollguard's write.
        const body = [
          { op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion },
          { op: 'add', path: '/status', value: status },
        ];
        await kube.releases.patchStatus(ref, 'json', body, { fieldManager: statusManager });
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        // A failed test (422) is a concurrent write too: read again and retry. Past that, the
        // activity's retry policy takes over (a status rollguard cannot write is a bug to see in the UI).
        if (!(isConflict(err) || apiStatus(err) === 422) || attempt >= 5) throw err;
      }
    }
  }

  /**
   * Records an Event. One the API server refuses (no permission, the namespace being deleted) is
   * logged and given up: an Event is for people, and must never hold up a rollout by retrying for ever.
   */
  async function recordEvent({ ref, event }: { ref: ReleaseRef; event: ReleaseEvent }): Promise<void> {
    try {
      await recordReleaseEvent(kube, ref, event, instance);
    } catch (err) {
      const code = apiStatus((err as Error).cause);
      if (code === undefined || code >= 500 || code === 429) throw err;
      log.warn('the API server refused an Event; it is not recorded', {
        release: `${ref.namespace}/${ref.name}`,
        reason: event.reason,
        err,
      });
    }
  }

  /** One phase transition, everywhere it is observed: status, an Event, a log line and a metric. */
  async function recordTransition({ ref, from, to, status, event }: TransitionInput): Promise<boolean> {
    const exists = await writeStatus({ ref, status });
    // Events are for people reading `kubectl describe`; failing to write one must not hold up a rollout.
    if (exists)
      await recordEvent({ ref, event }).catch((err: unknown) =>
        log.warn('could not record an Event', { release: `${ref.namespace}/${ref.name}`, err }),
      );
    log.info('release phase changed', {
      release: `${ref.namespace}/${ref.name}`,
      from,
      to,
      reason: event.reason,
      message: event.message,
      revision: status.currentRevision,
      stableRevision: status.stableRevision,
    });
    phaseTransitions.inc({ namespace: ref.namespace, release: ref.name, from, to });
    if (to === 'RollingBack' && status.lastRollback) {
      rollbacks.inc({ namespace: ref.namespace, release: ref.name, trigger: status.lastRollback.trigger });
    }
    for (const phase of releasePhases)
      releasePhase.set({ namespace: ref.namespace, release: ref.name, phase }, phase === to ? 1 : 0);
    return exists;
  }

  return { writeStatus, recordEvent, recordTransition };
}
