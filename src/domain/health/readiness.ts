import type { CheckResult } from './types.ts';

/** What the rollout wait saw of the new revision's pods when it ended. */
export interface ReadinessObservation {
  ready: number;
  desired: number;
  /** True when the readiness deadline passed before every pod was Ready. */
  deadlineExceeded: boolean;
  deadlineSeconds: number;
  weight: number;
}

/**
 * The readiness check of §4.2 ("Pod Ready=False, 30 s timeout, weight 3") as a CheckResult: the caller
 * observes the pods, this only words the outcome. Not yet ready within the deadline is not a failure.
 */
export function readinessResult(seen: ReadinessObservation): CheckResult {
  const base = { name: 'readiness', kind: 'Readiness', value: seen.ready, weight: seen.weight } as const;
  const counts = `${seen.ready}/${seen.desired} pods Ready`;
  if (seen.ready >= seen.desired) return { ...base, outcome: 'Pass', reason: counts };
  if (seen.deadlineExceeded) {
    return { ...base, outcome: 'Fail', reason: `${counts} after the ${seen.deadlineSeconds}s readiness deadline` };
  }
  return {
    ...base,
    outcome: 'Inconclusive',
    reason: `${counts}; the ${seen.deadlineSeconds}s deadline has not passed yet`,
  };
}

/**
 * The time a readiness deadline has used after one more look at the Deployment: the time since the
 * last look, but at most two poll intervals of it. A worker too busy to look on time, a task that waited
 * in the queue, or an outage between attempts is rollguard's delay, and never the revision's.
 */
export function watchedTime({
  watchedMs,
  lastLook,
  now,
  pollMs,
}: {
  watchedMs: number;
  lastLook: number | undefined;
  now: number;
  pollMs: number;
}): number {
  return lastLook === undefined ? watchedMs : watchedMs + Math.max(0, Math.min(now - lastLook, 2 * pollMs));
}
