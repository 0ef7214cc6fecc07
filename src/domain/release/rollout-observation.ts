/**
 * What a change of a Release's status tells about its rollouts, for metrics: read from the status
 * alone (its phase, the Progressing condition's time, the last verdict), so a restarted controller
 * that lists Releases mid-rollout still measures them, and never measures one twice.
 */

/** The part of a Release's status this reads. */
export interface ObservedStatus {
  phase?: string;
  conditions?: { type: string; status: string; lastTransitionTime: string }[];
  lastVerdict?: { time: string; healthy: boolean; failingWeight: number; threshold: number };
}

/** What was seen of one Release the last time. */
export interface SeenRelease {
  phase?: string | undefined;
  /** Epoch ms the rollout in progress started (the Progressing condition turned True). */
  rolloutStartedAt?: number | undefined;
  verdictTime?: string | undefined;
}

export type RolloutOutcome = 'Ready' | 'Failed' | 'RolledBack';
export type VerdictOutcome = 'Healthy' | 'Unhealthy' | 'Inconclusive';

export interface StatusObservation {
  seen: SeenRelease;
  /** A rollout that ended with this change: how it ended and how long it took. */
  rollout?: { outcome: RolloutOutcome; seconds: number };
  /** A verdict reached since the last change: its outcome and failing weight over the threshold. */
  verdict?: { verdict: VerdictOutcome; failingWeightRatio: number };
}

const endings: Record<string, RolloutOutcome> = { Ready: 'Ready', Failed: 'Failed', RollingBack: 'RolledBack' };

const timeOf = (text: string | undefined): number | undefined => {
  const ms = text === undefined ? NaN : Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
};

export function verdictOutcome(v: NonNullable<ObservedStatus['lastVerdict']>): VerdictOutcome {
  if (v.healthy) return 'Healthy';
  return v.failingWeight >= v.threshold ? 'Unhealthy' : 'Inconclusive';
}

/**
 * Compares a Release's status with what was seen of it before (undefined: first seen, e.g. in the
 * first list after a start, when nothing is measured) at `now` (epoch ms).
 */
export function observeStatus(
  before: SeenRelease | undefined,
  status: ObservedStatus | undefined,
  now: number,
): StatusObservation {
  const phase = status?.phase;
  const progressing = status?.conditions?.find((c) => c.type === 'Progressing');
  const changedAt = timeOf(progressing?.lastTransitionTime);
  const verdictTime = status?.lastVerdict?.time;
  const observation: StatusObservation = { seen: { phase, verdictTime } };

  if (phase === 'Progressing') {
    observation.seen.rolloutStartedAt =
      progressing?.status === 'True' && changedAt !== undefined ? changedAt : before?.rolloutStartedAt;
  } else if (before?.phase === 'Progressing' && before.rolloutStartedAt !== undefined && phase && endings[phase]) {
    const endedAt = progressing?.status === 'False' && changedAt !== undefined ? changedAt : now;
    observation.rollout = {
      outcome: endings[phase],
      seconds: Math.max(0, (endedAt - before.rolloutStartedAt) / 1000),
    };
  }
  if (before !== undefined && status?.lastVerdict && verdictTime !== before.verdictTime) {
    const v = status.lastVerdict;
    observation.verdict = {
      verdict: verdictOutcome(v),
      failingWeightRatio: v.failingWeight / Math.max(1, v.threshold),
    };
  }
  return observation;
}
