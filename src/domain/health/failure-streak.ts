import type { CheckResult } from './types.ts';

/**
 * One check's running state across analysis rounds. Plain data, because it travels in activity
 * heartbeats so a retried analysis resumes with its counters instead of starting the window again.
 */
export interface FailureStreak {
  consecutiveFailures: number;
  /** The last round's result. */
  last?: CheckResult;
  /** The round that reached the failure threshold: once failing, a check stays failing for the window. */
  failed?: CheckResult | undefined;
}

export const newStreak = (): FailureStreak => ({ consecutiveFailures: 0 });

/**
 * Folds one round into the streak. A failing round adds to the streak, a passing one clears it, and an
 * inconclusive one leaves it alone: not knowing is no evidence either way. A permanent failure fails
 * the check at once.
 */
export function recordRound(streak: FailureStreak, round: CheckResult, failureThreshold: number): FailureStreak {
  const threshold = Math.max(1, Math.floor(failureThreshold));
  if (round.outcome === 'Pass') return { ...streak, consecutiveFailures: 0, last: round };
  if (round.outcome === 'Inconclusive') return { ...streak, last: round };

  const consecutiveFailures = streak.consecutiveFailures + 1;
  // A permanent failure is not tolerated: waiting for the threshold would only let the window pass.
  const reached = (round.permanent === true || consecutiveFailures >= threshold) && streak.failed === undefined;
  const counted = round.permanent ? '' : ` (failed ${consecutiveFailures} rounds in a row, threshold ${threshold})`;
  const failed = reached ? { ...round, consecutiveFailures, reason: `${round.reason}${counted}` } : streak.failed;
  return { consecutiveFailures, last: round, failed };
}

/**
 * What the check reports: the latched failure if it reached its threshold, otherwise the last round;
 * a failing round still below the threshold reports Pass and says the failure was tolerated.
 */
export function streakResult(streak: FailureStreak, failureThreshold: number): CheckResult | undefined {
  if (streak.failed) return streak.failed;
  const last = streak.last;
  if (!last) return undefined;
  const consecutiveFailures = streak.consecutiveFailures;
  if (last.outcome !== 'Fail') return { ...last, consecutiveFailures };
  const tolerated = `tolerated: ${consecutiveFailures} failing round(s) in a row, the check fails at ${failureThreshold}`;
  return { ...last, outcome: 'Pass', consecutiveFailures, reason: `${tolerated}; ${last.reason}` };
}
