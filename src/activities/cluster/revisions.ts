import type { V1ControllerRevision } from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import type { DeploymentTemplate } from '../../domain/api/index.ts';
import type { KubeClients } from '../../kube/client.ts';
import { isConflict, isNotFound } from '../../kube/errors.ts';
import { releaseLabelValue, revisionObjectName } from '../../domain/release/names.ts';
import { canonicalJson, revisionTemplate, type RevisionTemplate } from '../../domain/release/replicas.ts';
import { type ReleaseRef, releaseLabel } from '../../domain/release/ref.ts';
import type { Revision } from '../../domain/release/records.ts';
import { describeOwner, isOwnedBy, ownerReference } from './owner.ts';
import { classifyApiError, foreignObject, notThere, refusedOr } from './refusals.ts';

const hashLabel = 'rollguard.dev/template-hash';

/**
 * A stable hash of what a revision is: the template without its replica count (key order does not
 * matter, any other value change does). Scaling is not a new revision.
 */
export function templateHash(template: DeploymentTemplate | RevisionTemplate): string {
  return createHash('sha256')
    .update(canonicalJson(revisionTemplate(template)))
    .digest('hex')
    .slice(0, 10);
}

const imagesOf = (template: RevisionTemplate): string[] => template.template.spec.containers.map((c) => c.image);

/**
 * A kept revision. Revisions recorded before replicas were left out of them still hold a count: it is
 * dropped here, and their hash is computed again, so the same template finds them.
 */
function toRevision(object: V1ControllerRevision): Revision {
  const template = revisionTemplate((object.data as { template: DeploymentTemplate }).template);
  return {
    revision: object.revision,
    hash: templateHash(template),
    images: imagesOf(template),
    createdAt: new Date(object.metadata?.creationTimestamp ?? 0).toISOString(),
    template,
    ...(object.metadata?.name ? { name: object.metadata.name } : {}),
  };
}

/** Attempts of one snapshot against racing writers before the activity gives the retry policy a turn. */
const snapshotAttempts = 5;

export function createRevisionActivities(kube: KubeClients) {
  async function listRevisions(ref: ReleaseRef): Promise<Revision[]> {
    const list = await refusedOr('list the ControllerRevisions', () =>
      kube.apps.listNamespacedControllerRevision({
        namespace: ref.namespace,
        labelSelector: `${releaseLabel}=${releaseLabelValue(ref.name)}`,
      }),
    );
    return list.items
      .filter((item) => isOwnedBy(item, ref))
      .map(toRevision)
      .sort((a, b) => a.revision - b.revision);
  }

  /**
   * Records a template as a revision; the same template again returns the revision it already has.
   * Two workers racing on one revision number collide on its name, and the loser lists again. A
   * ControllerRevision of that name that is not this Release's is someone else's: refused, not taken.
   */
  async function snapshotRevision({
    ref,
    template,
  }: {
    ref: ReleaseRef;
    template: DeploymentTemplate;
  }): Promise<Revision> {
    const hash = templateHash(template);
    const ctx = activityContext();
    for (let attempt = 1; ; attempt++) {
      const existing = await listRevisions(ref);
      const same = existing.find((r) => r.hash === hash);
      if (same) return same;
      const revision = (existing.at(-1)?.revision ?? 0) + 1;
      const name = revisionObjectName(ref.name, revision);
      try {
        const created = await kube.apps.createNamespacedControllerRevision({
          namespace: ref.namespace,
          body: {
            metadata: {
              name,
              labels: { [releaseLabel]: releaseLabelValue(ref.name), [hashLabel]: hash },
              ownerReferences: [ownerReference(ref)],
            },
            revision,
            data: { template: revisionTemplate(template) },
          },
        });
        return toRevision(created);
      } catch (err) {
        if (!isConflict(err)) throw classifyApiError(err, `create ControllerRevision ${ref.namespace}/${name}`);
      }
      const holder = await kube.apps
        .readNamespacedControllerRevision({ namespace: ref.namespace, name })
        .catch((err: unknown) => {
          if (isNotFound(err)) return undefined; // deleted meanwhile: try again
          throw classifyApiError(err, `read ControllerRevision ${ref.namespace}/${name}`);
        });
      if (holder && !isOwnedBy(holder, ref)) {
        throw foreignObject(
          `ControllerRevision ${ref.namespace}/${name} already exists and belongs to ${describeOwner(holder)}; ` +
            'rollguard does not take objects it does not own: delete or rename it to let this Release record its revision',
        );
      }
      if (attempt >= snapshotAttempts)
        throw new Error(
          `revision ${revision} of ${ref.namespace}/${ref.name} was taken ${attempt} times in a row by a racing writer`,
        );
      // Someone of ours created it meanwhile: back off a little, then list again.
      await ctx.sleep(100 * attempt);
    }
  }

  async function readRevision({ ref, revision }: { ref: ReleaseRef; revision: number }): Promise<Revision> {
    // By its name first: one object, where the list reads every revision of the Release.
    const name = revisionObjectName(ref.name, revision);
    const named = await kube.apps
      .readNamespacedControllerRevision({ namespace: ref.namespace, name })
      .catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw classifyApiError(err, `read ControllerRevision ${ref.namespace}/${name}`);
      });
    if (named && isOwnedBy(named, ref) && named.revision === revision) return toRevision(named);
    const found = (await listRevisions(ref)).find((r) => r.revision === revision);
    if (!found)
      throw notThere(`revision ${revision} of ${ref.namespace}/${ref.name} does not exist (it was pruned or deleted)`);
    return found;
  }

  /** Deletes the oldest revisions beyond `keep`, never one listed in `protect`; returns the deleted numbers. */
  async function pruneRevisions({
    ref,
    keep,
    protect,
  }: {
    ref: ReleaseRef;
    keep: number;
    protect: number[];
  }): Promise<number[]> {
    const all = await listRevisions(ref);
    const deletable = all.filter((r) => !protect.includes(r.revision));
    const excess = all.length - keep;
    const doomed = excess > 0 ? deletable.slice(0, excess) : [];
    for (const r of doomed) {
      const name = r.name ?? revisionObjectName(ref.name, r.revision);
      await kube.apps.deleteNamespacedControllerRevision({ namespace: ref.namespace, name }).catch((err: unknown) => {
        if (!isNotFound(err)) throw classifyApiError(err, `delete ControllerRevision ${ref.namespace}/${name}`);
      });
    }
    return doomed.map((r) => r.revision);
  }

  return { listRevisions, snapshotRevision, readRevision, pruneRevisions };
}

/** The running activity's sleep (cancelled with it), or a plain timer outside an activity (unit tests). */
function activityContext(): { sleep(ms: number): Promise<void> } {
  try {
    return Context.current();
  } catch {
    return { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
  }
}
