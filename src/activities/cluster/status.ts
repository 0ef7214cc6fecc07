import { hostname } from 'node:os';
import type { ReleaseEvent } from '../../domain/release/events.ts';
import { recordReleaseEvent } from '../../kube/events.ts';
import type { ReleasePhase, ReleaseStatus } from '../../domain/api/index.ts';
import type { KubeClients } from '../../kube/client.ts';
import { apiStatus, isNotFound } from '../../kube/errors.ts';
import type { Logger } from '../../telemetry/log.ts';
import type { DeploymentCache } from '../../kube/deployment-cache.ts';
import { deploymentName } from '../../domain/release/names.ts';
import { phaseTransitions, rollbacks } from '../../telemetry/metrics.ts';
import { type ReleaseRef, statusManager } from '../../domain/release/ref.ts';

export interface TransitionInput {
  ref: ReleaseRef;
  from: ReleasePhase;
  to: ReleasePhase;
  status: ReleaseStatus;
  event: ReleaseEvent;
}

const instance = hostname();

export function createStatusActivities(kube: KubeClients, log: Logger, deployments?: DeploymentCache) {
  /** The Deployment's pods as the worker's watch last saw them; left out when the watch cannot say. */
  const podsOf = (ref: ReleaseRef): { replicas?: number } => {
    const seen = deployments?.get(ref.namespace, deploymentName(ref.name));
    return seen ? { replicas: seen.status?.replicas ?? 0 } : {};
  };

  /**
   * Writes the Release's status through the /status subresource, in one request: the patch tests the
   * uid, so a Release deleted and created again under the same name is never given this one's status.
   * The whole status is replaced, so a field someone else wrote there does not outlive rollguard's
   * write. Returns false when the Release no longer exists (or is another one).
   */
  async function writeStatus({ ref, status }: { ref: ReleaseRef; status: ReleaseStatus }): Promise<boolean> {
    const body = [
      { op: 'test', path: '/metadata/uid', value: ref.uid },
      { op: 'add', path: '/status', value: { ...status, ...podsOf(ref) } },
    ];
    try {
      await kube.releases.patchStatus(ref, 'json', body, { fieldManager: statusManager });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      // A failed test is a 422 that does not say which operation failed: a Release of another uid
      // answers it. Any other 422 (a status the schema refuses) is a bug to see in the UI, retried by
      // the activity's policy.
      if (apiStatus(err) === 422 && !(await isSameRelease(ref))) return false;
      throw err;
    }
  }

  async function isSameRelease(ref: ReleaseRef): Promise<boolean> {
    try {
      const current = (await kube.releases.get(ref)) as { metadata: { uid: string } };
      return current.metadata.uid === ref.uid;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
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
    // Both at once: the Event names the Release's uid, so one about a Release deleted meanwhile is
    // never shown on another of the same name. Events are for people reading `kubectl describe`;
    // failing to write one must not hold up a rollout.
    const [exists] = await Promise.all([
      writeStatus({ ref, status }),
      recordEvent({ ref, event }).catch((err: unknown) =>
        log.warn('could not record an Event', { release: `${ref.namespace}/${ref.name}`, err }),
      ),
    ]);
    log.info('release phase changed', {
      release: `${ref.namespace}/${ref.name}`,
      from,
      to,
      reason: event.reason,
      message: event.message,
      revision: status.currentRevision,
      stableRevision: status.stableRevision,
    });
    // Counted by the worker that ran the step; the phase each Release is in is the controller's to export.
    phaseTransitions.inc({ namespace: ref.namespace, from, to });
    if (to === 'RollingBack' && status.lastRollback) {
      rollbacks.inc({ namespace: ref.namespace, trigger: status.lastRollback.trigger });
    }
    return exists;
  }

  return { writeStatus, recordEvent, recordTransition };
}
