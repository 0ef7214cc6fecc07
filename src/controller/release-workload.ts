import type { V1OwnerReference } from '@kubernetes/client-node';
import type { KubeClients } from '../kube/client.ts';
import { apiMessage, isNotFound } from '../kube/errors.ts';
import { deploymentName } from '../domain/release/names.ts';
import type { ReleaseRef } from '../domain/release/ref.ts';

/** What the controller does to a Release's workload when the Release goes: only ever let it go. */
export interface ReleaseWorkload {
  /**
   * Removes the Release's ownerReference from its Deployment, so the garbage collector leaves it
   * running when the Release is gone (spec.deletionPolicy Orphan). True when there was one to remove.
   */
  orphan(ref: ReleaseRef): Promise<boolean>;
}

export function releaseWorkload(kube: KubeClients): ReleaseWorkload {
  return {
    async orphan(ref) {
      const name = deploymentName(ref.name);
      let owners: V1OwnerReference[];
      try {
        const deployment = await kube.apps.readNamespacedDeployment({ name, namespace: ref.namespace });
        owners = deployment.metadata?.ownerReferences ?? [];
      } catch (err) {
        if (isNotFound(err)) return false;
        throw new Error(`could not read Deployment ${ref.namespace}/${name}: ${apiMessage(err)}`, { cause: err });
      }
      const kept = owners.filter((owner) => owner.uid !== ref.uid);
      if (kept.length === owners.length) return false;
      try {
        // The test makes the write conditional on the owners read: another writer's change is retried, not lost.
        await kube.apps.patchNamespacedDeployment({
          name,
          namespace: ref.namespace,
          body: [
            { op: 'test', path: '/metadata/ownerReferences', value: owners },
            { op: 'replace', path: '/metadata/ownerReferences', value: kept },
          ],
        });
      } catch (err) {
        if (isNotFound(err)) return false;
        throw new Error(`could not orphan Deployment ${ref.namespace}/${name}: ${apiMessage(err)}`, { cause: err });
      }
      return true;
    },
  };
}
