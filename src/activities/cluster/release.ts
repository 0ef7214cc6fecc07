import { parseRelease, type ReleaseStatus } from '../../domain/api/index.ts';
import { type ReleaseSelectors, selectorOwner } from '../../kube/release-selectors.ts';
import { type KubeClients, labelSelector } from '../../kube/client.ts';
import { isNotFound } from '../../kube/errors.ts';
import type { ReleaseRef } from '../../domain/release/ref.ts';
import { olderOverlapping, type SelectorOwner } from '../../domain/release/selectors.ts';
import { classifyApiError, refusedOr } from './refusals.ts';
import type { Revision } from '../../domain/release/records.ts';

export interface ObservedRelease {
  exists: boolean;
  generation?: number;
  status?: ReleaseStatus;
}

export function createReleaseActivities(
  kube: KubeClients,
  { selectors }: { selectors?: ReleaseSelectors | undefined } = {},
) {
  /** The Release as the cluster has it now: a workflow started again picks up from its status. */
  async function observeRelease({ ref }: { ref: ReleaseRef }): Promise<ObservedRelease> {
    try {
      const object = await kube.releases.get(ref);
      const parsed = parseRelease(object);
      if (!parsed.ok || parsed.release.metadata.uid !== ref.uid) return { exists: false };
      const { generation } = parsed.release.metadata;
      return {
        exists: true,
        ...(generation !== undefined ? { generation } : {}),
        ...(parsed.release.status ? { status: parsed.release.status } : {}),
      };
    } catch (err) {
      if (isNotFound(err)) return { exists: false };
      throw classifyApiError(err, `read Release ${ref.namespace}/${ref.name}`);
    }
  }

  /** How long the check waits for the watch to see a Release before it lists (a local activity's attempt has 10 s). */
  const seenWithinMs = 3_000;

  /**
   * Problems with the Release's selector: an older Release in the namespace selects pods it would
   * select too (they would count, probe and scale each other's pods). The newer one is refused. An
   * older Release counts even while its own spec is refused: fixing it must not find its pods taken.
   */
  async function selectorConflicts({
    ref,
    matchLabels,
  }: {
    ref: ReleaseRef;
    matchLabels: Record<string, string>;
  }): Promise<string[]> {
    const owners =
      (await selectors?.ownersSoon(ref.namespace, ref.uid, seenWithinMs)) ?? (await listOwners(ref.namespace));
    const stored = owners.find((o) => o.uid === ref.uid);
    if (!stored) return [];
    return olderOverlapping({ ...stored, matchLabels }, owners).map(
      (other) =>
        `spec.template.selector.matchLabels: selects the pods of the older Release ${other.name} too (its selector is ` +
        `${JSON.stringify(other.matchLabels)}); give this Release a label of its own so the two cannot select the same pods`,
    );
  }

  /** The namespace's Releases as the API server has them, when the worker's watch cannot say. */
  async function listOwners(namespace: string): Promise<SelectorOwner[]> {
    const list = await kube.releases.list(namespace).catch((err: unknown) => {
      throw classifyApiError(err, `list the Releases of namespace ${namespace}`);
    });
    return (list.items ?? []).flatMap((item) => selectorOwner(item) ?? []);
  }

  /** IPs of the Ready pods that run a revision, for per-pod HTTP checks. */
  async function readyPodIps({ ref, revision }: { ref: ReleaseRef; revision: Revision }): Promise<string[]> {
    const labels = revision.template.selector.matchLabels;
    const pods = await refusedOr(`list the pods of ${ref.namespace}/${ref.name}`, () =>
      kube.core.listNamespacedPod({
        namespace: ref.namespace,
        labelSelector: labelSelector(labels),
      }),
    );
    const images = revision.images.join(',');
    return pods.items
      .filter((pod) => !pod.metadata?.deletionTimestamp)
      .filter((pod) => pod.spec?.containers.map((c) => c.image).join(',') === images)
      .filter((pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      .flatMap((pod) => (pod.status?.podIP ? [pod.status.podIP] : []));
  }

  return { observeRelease, selectorConflicts, readyPodIps };
}
