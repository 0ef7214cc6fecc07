import type { Release } from '../../domain/api/index.ts';
import { releaseLabel } from '../../domain/release/ref.ts';
import type { RevisionSummary } from '../../domain/release/records.ts';
import { renderHistory, revisionEntries, rollbackEntries, type ReleaseHistory } from '../format/history.ts';
import { querySnapshot } from '../release-view.ts';
import { readRelease, refOf, workflowIdOf } from '../releases.ts';
import type { Session } from '../session.ts';

export interface HistoryOptions {
  release: string;
}

interface StoredTemplate {
  template?: { template?: { spec?: { containers?: { image?: string }[] } } };
}

/** The revisions kept as ControllerRevisions: what is left to read when the workflow does not answer. */
async function storedRevisions(session: Session, release: Release): Promise<RevisionSummary[]> {
  const ref = refOf(release);
  const list = await session
    .kube()
    .apps.listNamespacedControllerRevision({ namespace: ref.namespace, labelSelector: `${releaseLabel}=${ref.name}` });
  return list.items
    .filter((item) => item.metadata?.ownerReferences?.some((owner) => owner.uid === ref.uid))
    .map((item) => ({
      revision: item.revision,
      images: ((item.data as StoredTemplate | undefined)?.template?.template?.spec?.containers ?? []).map(
        (c) => c.image ?? '',
      ),
      createdAt: new Date(item.metadata?.creationTimestamp ?? 0).toISOString(),
    }))
    .sort((a, b) => a.revision - b.revision);
}

/** `rollguard history RELEASE`: each revision with its images and outcome, and each rollback. */
export async function history(options: HistoryOptions, session: Session): Promise<number> {
  const release = await readRelease(session, options.release);
  const { snapshot, unanswered } = await querySnapshot(session, workflowIdOf(release), 3000);
  const status = release.status ?? {};
  const current = snapshot?.currentRevision ?? status.currentRevision;
  const stable = snapshot?.stableRevision ?? status.stableRevision;
  const result: ReleaseHistory = {
    namespace: refOf(release).namespace,
    name: release.metadata.name,
    source: snapshot ? 'workflow' : 'controllerrevisions',
    ...(unanswered ? { unanswered } : {}),
    revisions: revisionEntries(snapshot?.revisions ?? (await storedRevisions(session, release)), current, stable),
    rollbacks: rollbackEntries(snapshot?.history ?? [], snapshot?.lastRollback ?? status.lastRollback),
  };
  if (session.out.format !== 'text') {
    session.out.data(result);
    return 0;
  }
  session.out.line(...renderHistory(result, session.out.style));
  return 0;
}
