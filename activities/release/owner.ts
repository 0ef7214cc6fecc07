import type { V1OwnerReference } from '@kubernetes/client-node';
import { releaseResource } from '../../src/api/index.ts';
import type { ReleaseRef } from '../../src/release/ref.ts';

/** Owned objects (Deployment, ControllerRevisions) go away with their Release. */
export const ownerReference = (ref: ReleaseRef): V1OwnerReference => ({
  apiVersion: releaseResource.apiVersion,
  kind: releaseResource.kind,
  name: ref.name,
  uid: ref.uid,
  controller: true,
  blockOwnerDeletion: true,
});
