import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { releaseResource } from '../../domain/api/index.ts';
import type { ReleaseRef } from '../../domain/release/ref.ts';

/** Owned objects (Deployment, ControllerRevisions) go away with their Release. */
export const ownerReference = (ref: ReleaseRef): V1OwnerReference => ({
  apiVersion: releaseResource.apiVersion,
  kind: releaseResource.kind,
  name: ref.name,
  uid: ref.uid,
  controller: true,
  blockOwnerDeletion: true,
});

const controllerOf = (object: { metadata?: V1ObjectMeta }): V1OwnerReference | undefined =>
  object.metadata?.ownerReferences?.find((owner) => owner.controller);

/** Whether this Release controls the object (its controller ownerReference carries the Release's uid). */
export const isOwnedBy = (object: { metadata?: V1ObjectMeta }, ref: ReleaseRef): boolean =>
  controllerOf(object)?.uid === ref.uid;

/** An object's controller for a message, e.g. `ReplicaSet web-1 (uid 1234...)`, or who manages its fields. */
export function describeOwner(object: { metadata?: V1ObjectMeta }): string {
  const owner = controllerOf(object);
  if (owner) return `${owner.kind} ${owner.name} (uid ${owner.uid})`;
  const managers = [...new Set((object.metadata?.managedFields ?? []).map((f) => f.manager).filter(Boolean))];
  return managers.length > 0 ? `no controller; its fields are managed by ${managers.join(', ')}` : 'no controller';
}

/** A controller ownerReference to an earlier Release of the same name: its garbage collection is pending. */
export const isEarlierRelease = (object: { metadata?: V1ObjectMeta }, ref: ReleaseRef): boolean => {
  const owner = controllerOf(object);
  return (
    owner !== undefined &&
    owner.kind === releaseResource.kind &&
    owner.apiVersion === releaseResource.apiVersion &&
    owner.name === ref.name &&
    owner.uid !== ref.uid
  );
};
