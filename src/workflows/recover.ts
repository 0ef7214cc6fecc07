import { log } from '@temporalio/workflow';
import type { ReleaseState } from '../domain/release/state.ts';
import { kube } from './proxies.ts';
import type { ReleaseWorkflowInput } from '../domain/release/records.ts';

/**
 * A workflow started for a Release that already has a status (its earlier workflow was lost, or the
 * Release was restored) takes up where that status left off: revisions, stable revision, phase. A
 * settled phase also keeps its generation, so the same spec is not rolled out a second time.
 */
export async function recover(state: ReleaseState, input: ReleaseWorkflowInput): Promise<void> {
  const observed = await kube.observeRelease({ ref: input.ref });
  const status = observed.status;
  if (!observed.exists || !status?.phase) return;
  const revisions = await kube.listRevisions(input.ref);
  const d = state.data;
  d.revisions = revisions.map((r) => ({ revision: r.revision, images: r.images, createdAt: r.createdAt }));
  const kept = (n: number | undefined): n is number => n !== undefined && revisions.some((r) => r.revision === n);
  if (kept(status.currentRevision)) d.currentRevision = status.currentRevision;
  if (kept(status.stableRevision)) state.markStable(status.stableRevision);
  d.conditions = status.conditions ?? [];
  if (status.lastVerdict) d.lastVerdict = status.lastVerdict;
  if (status.lastRollback) d.lastRollback = status.lastRollback;
  const settled = status.phase === 'Ready' || status.phase === 'Failed';
  d.phase = settled ? status.phase : status.phase === 'Pending' ? 'Pending' : 'Progressing';
  if (settled) d.generation = status.observedGeneration ?? 0;
  log.info('workflow recovered the Release from its status', {
    phase: d.phase,
    generation: d.generation,
    currentRevision: d.currentRevision,
  });
}
