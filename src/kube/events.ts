import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { V1MicroTime } from '@kubernetes/client-node';
import { releaseResource } from '../domain/api/index.ts';
import type { KubeClients } from './client.ts';
import { shortHash } from '../domain/release/names.ts';
import { apiMessage, isConflict } from './errors.ts';
import type { ReleaseEvent } from '../domain/release/events.ts';

/** Names are unique without generateName, which the API server refuses for a prefix ending in ".". */
const eventName = (release: { name: string; uid: string }, key: string | undefined): string =>
  `${release.name.slice(0, 230)}.${key === undefined ? `${Date.now().toString(16)}${randomBytes(4).toString('hex')}` : `${shortHash(`${release.uid}/${key}`)}${shortHash(key)}`}`;

/**
 * Records a Kubernetes Event on a Release, shown by `kubectl describe release` and `kubectl events`:
 * the one place both the controller and the workflow's activities write Events.
 */
export async function recordReleaseEvent(
  kube: KubeClients,
  release: { namespace: string; name: string; uid: string },
  event: ReleaseEvent,
  reportingInstance = hostname(),
): Promise<void> {
  await kube.events
    .createNamespacedEvent({
      namespace: release.namespace,
      body: {
        metadata: { name: eventName(release, event.key), namespace: release.namespace },
        eventTime: new V1MicroTime(),
        reportingController: 'rollguard.dev/controller',
        reportingInstance,
        action: event.action,
        reason: event.reason,
        note: event.message.slice(0, 1024),
        type: event.type,
        regarding: { apiVersion: releaseResource.apiVersion, kind: releaseResource.kind, ...release },
      },
    })
    .catch((err: unknown) => {
      if (event.key !== undefined && isConflict(err)) return; // recorded by an earlier attempt
      throw new Error(`cannot record the ${event.reason} Event: ${apiMessage(err)}`, { cause: err });
    });
}
