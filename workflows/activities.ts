import { patched, proxyActivities, proxyLocalActivities, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ConditionReason, ReleasePhase } from '../src/api/index.ts';
import type { ReleaseState } from '../src/release/state.ts';
import { releasePhase, releaseRevision } from '../src/temporal/search-attributes.ts';

const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' };

/** Short calls to the Kubernetes API: retried with backoff until the API server answers. */
export const kube = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry });

/** Long waits (a rollout, an analysis window) that heartbeat, so a dead worker is noticed in seconds. */
export const waits = proxyActivities<Activities>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '20 seconds',
  retry,
});

export const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '5 seconds' });

/** Writes the state's status to the Release (no phase change). */
export async function writeStatus(state: ReleaseState): Promise<void> {
  await kube.writeStatus({ ref: state.data.ref, status: state.status() });
}

/**
 * Moves the Release to another phase and records it everywhere: status, an Event, a log line, a
 * metric (one activity), and the workflow's search attributes for the Temporal UI.
 */
export async function enter(
  state: ReleaseState,
  to: ReleasePhase,
  reason: ConditionReason,
  message: string,
  { warning = false, action = 'Rollout' } = {},
): Promise<void> {
  const { from } = state.moveTo(to, reason, message, new Date());
  upsertSearchAttributes([
    { key: releasePhase, value: to },
    ...(state.data.currentRevision !== undefined ? [{ key: releaseRevision, value: state.data.currentRevision }] : []),
  ]);
  // The memo is what the Temporal UI shows of a workflow at a glance. Patched in, so workflows that
  // started before it replay as they ran.
  if (patched('release-memo')) {
    upsertMemo({
      generation: state.data.generation,
      phase: to,
      message,
      ...(state.data.currentRevision !== undefined ? { currentRevision: state.data.currentRevision } : {}),
      ...(state.data.stableRevision !== undefined ? { stableRevision: state.data.stableRevision } : {}),
    });
  }
  await kube.recordTransition({
    ref: state.data.ref,
    from,
    to,
    status: state.status(),
    event: { type: warning ? 'Warning' : 'Normal', reason, message, action },
  });
}
