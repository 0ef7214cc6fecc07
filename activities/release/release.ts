import { parseRelease, releaseResource, type ReleaseStatus } from '../../src/api/index.ts';
import type { KubeClients } from '../../src/kube/client.ts';
import { isNotFound } from '../../src/kube/errors.ts';
import type { ReleaseRef } from '../../src/release/ref.ts';
import type { Revision } from './revisions.ts';

export interface ObservedRelease {
  exists: boolean;
  generation?: number;
  status?: ReleaseStatus;
}

export function createReleaseActivities(kube: KubeClients) {
  /** The Release as the cluster has it now: a workflow started again picks up from its status. */
  async function observeRelease({ ref }: { ref: ReleaseRef }): Promise<ObservedRelease> {
    try {
      const object = await kube.custom.getNamespacedCustomObject({
        group: releaseResource.group,
        version: releaseResource.version,
        plural: releaseResource.plural,
        namespace: ref.namespace,
        name: ref.name,
      });
      const parsed = parseRelease(object);
      if (!parsed.ok || parsed.release.metadata.uid !== ref.uid) return { exists: false };
      const { generation } = parsed.release.metadata;
      return { exists: true, ...(generation !== undefined ? { generation } : {}), ...(parsed.release.status ? { status: parsed.release.status } : {}) };
    } catch (err) {
      if (isNotFound(err)) return { exists: false };
      throw err;
    }
  }

  /** IPs of the Ready pods that run a revision, for per-pod HTTP checks. */
  async function readyPodIps({ ref, revision }: { ref: ReleaseRef; revision: Revision }): Promise<string[]> {
    const labels = revision.template.selector.matchLabels;
    const pods = await kube.core.listNamespacedPod({
      namespace: ref.namespace,
      labelSelector: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(','),
    });
    const images = revision.images.join(',');
    return pods.items
      .filter((pod) => !pod.metadata?.deletionTimestamp)
      .filter((pod) => pod.spec?.containers.map((c) => c.image).join(',') === images)
      .filter((pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      .flatMap((pod) => (pod.status?.podIP ? [pod.status.podIP] : []));
  }

  return { observeRelease, readyPodIps };
}
