import type { V1ControllerRevision } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import type { DeploymentTemplate } from '../../src/api/index.ts';
import type { KubeClients } from '../../src/kube/client.ts';
import { isConflict, isNotFound } from '../../src/kube/errors.ts';
import { type ReleaseRef, releaseLabel } from '../../src/release/ref.ts';
import { ownerReference } from './owner.ts';

const hashLabel = 'rollguard.dev/template-hash';

/** One snapshot of what a Release rolled out, kept as a ControllerRevision it owns. */
export interface Revision {
  revision: number;
  hash: string;
  images: string[];
  createdAt: string;
  template: DeploymentTemplate;
}

/** A stable hash of a template: key order does not matter, any value change does. */
export function templateHash(template: DeploymentTemplate): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]))
        : value;
  return createHash('sha256').update(JSON.stringify(canonical(template))).digest('hex').slice(0, 10);
}

const imagesOf = (template: DeploymentTemplate): string[] => template.template.spec.containers.map((c) => c.image);

function toRevision(object: V1ControllerRevision): Revision {
  const template = (object.data as { template: DeploymentTemplate }).template;
  return {
    revision: object.revision,
    hash: object.metadata?.labels?.[hashLabel] ?? '',
    images: imagesOf(template),
    createdAt: new Date(object.metadata?.creationTimestamp ?? 0).toISOString(),
    template,
  };
}

export function createRevisionActivities(kube: KubeClients) {
  async function listRevisions(ref: ReleaseRef): Promise<Revision[]> {
    const list = await kube.apps.listNamespacedControllerRevision({
      namespace: ref.namespace,
      labelSelector: `${releaseLabel}=${ref.name}`,
    });
    return list.items
      .filter((item) => item.metadata?.ownerReferences?.some((owner) => owner.uid === ref.uid))
      .map(toRevision)
      .sort((a, b) => a.revision - b.revision);
  }

  /** Records a template as a revision; the same template again returns the revision it already has. */
  async function snapshotRevision({ ref, template }: { ref: ReleaseRef; template: DeploymentTemplate }): Promise<Revision> {
    const hash = templateHash(template);
    for (;;) {
      const existing = await listRevisions(ref);
      const same = existing.find((r) => r.hash === hash);
      if (same) return same;
      const revision = (existing.at(-1)?.revision ?? 0) + 1;
      try {
        const created = await kube.apps.createNamespacedControllerRevision({
          namespace: ref.namespace,
          body: {
            metadata: {
              // Named by number: two workers racing on the same revision collide here instead of both creating one.
              name: `${ref.name}-${revision}`,
              labels: { [releaseLabel]: ref.name, [hashLabel]: hash },
              ownerReferences: [ownerReference(ref)],
            },
            revision,
            data: { template },
          },
        });
        return toRevision(created);
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
  }

  async function readRevision({ ref, revision }: { ref: ReleaseRef; revision: number }): Promise<Revision> {
    const found = (await listRevisions(ref)).find((r) => r.revision === revision);
    if (!found) throw new Error(`revision ${revision} of ${ref.namespace}/${ref.name} does not exist`);
    return found;
  }

  /** Deletes the oldest revisions beyond `keep`, never one listed in `protect`; returns the deleted numbers. */
  async function pruneRevisions({ ref, keep, protect }: { ref: ReleaseRef; keep: number; protect: number[] }): Promise<number[]> {
    const all = await listRevisions(ref);
    const deletable = all.filter((r) => !protect.includes(r.revision));
    const excess = all.length - keep;
    const doomed = excess > 0 ? deletable.slice(0, excess) : [];
    for (const r of doomed) {
      await kube.apps
        .deleteNamespacedControllerRevision({ namespace: ref.namespace, name: `${ref.name}-${r.revision}` })
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
    }
    return doomed.map((r) => r.revision);
  }

  return { listRevisions, snapshotRevision, readRevision, pruneRevisions };
}
