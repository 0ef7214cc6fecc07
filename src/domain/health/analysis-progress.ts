import type { FailureStreak } from './failure-streak.ts';

/**
 * How far an analysis got: heartbeated after every round, so a retried attempt continues the same
 * window (same start, same counters) instead of giving a bad revision a fresh one.
 */
export interface AnalysisProgress {
  /** Epoch ms when round 0 was due. */
  startedAt: number;
  /** Counts the times the analysis measured: -1 before the first, then 0, 1, … */
  lastRound: number;
  /** Times the analysis measured (rounds missed while no worker ran are skipped, not made up). */
  roundsMeasured: number;
  /** Per check, keyed `http/0`, `prometheus/1` (kind and position in the input). */
  streaks: Record<string, FailureStreak>;
  /**
   * Per check, the index of the last of its own rounds measured (round n is due n × its interval after
   * startedAt). Absent in details heartbeated before checks had their own interval: every check was
   * then measured at every round of the one interval, up to lastRound.
   */
  checkRounds?: Record<string, number>;
}

export const checkKey = (kind: string, index: number): string => `${kind}/${index}`;

/** Rounds are due at 0, interval, 2×interval … up to the end of the window, both ends included. */
export function roundCount(windowMs: number, intervalMs: number): number {
  if (!(intervalMs > 0) || !(windowMs > 0)) return 1;
  return Math.floor(windowMs / intervalMs) + 1;
}

/**
 * The next round to measure after `lastRound`, or undefined when the window is done. Rounds whose time
 * has passed are skipped (the window's end stays where it was), but the last round is always measured.
 */
export function nextRoundAfter(
  lastRound: number,
  startedAt: number,
  now: number,
  windowMs: number,
  intervalMs: number,
): number | undefined {
  const total = roundCount(windowMs, intervalMs);
  const following = lastRound + 1;
  if (following >= total) return undefined;
  const due = intervalMs > 0 ? Math.floor((now - startedAt) / intervalMs) : following;
  return Math.min(Math.max(following, due), total - 1);
}

/** The next round when every check shares one interval. */
export const nextRound = (
  progress: AnalysisProgress,
  now: number,
  windowMs: number,
  intervalMs: number,
): number | undefined => nextRoundAfter(progress.lastRound, progress.startedAt, now, windowMs, intervalMs);

export const roundDueAt = (progress: AnalysisProgress, round: number, intervalMs: number): number =>
  progress.startedAt + round * Math.max(0, intervalMs);

/**
 * The last round of one check measured so far, in rounds of its own interval. Details from before
 * checks had their own interval count rounds of the shared one: the check was measured up to
 * lastRound × sharedIntervalMs, which is round ⌊lastRound × shared / own⌋ of its own.
 */
export function lastRoundOf(
  progress: AnalysisProgress,
  key: string,
  intervalMs: number,
  sharedIntervalMs: number,
): number {
  const own = progress.checkRounds?.[key];
  if (own !== undefined) return own;
  if (progress.lastRound < 0) return -1;
  if (!(intervalMs > 0) || intervalMs === sharedIntervalMs) return progress.lastRound;
  return Math.floor((progress.lastRound * Math.max(0, sharedIntervalMs)) / intervalMs);
}

/** Heartbeat details come back as untyped JSON; accept them only when they have our shape. */
export function isAnalysisProgress(details: unknown): details is AnalysisProgress {
  if (typeof details !== 'object' || details === null) return false;
  const p = details as Partial<AnalysisProgress>;
  return (
    typeof p.startedAt === 'number' &&
    typeof p.lastRound === 'number' &&
    typeof p.roundsMeasured === 'number' &&
    typeof p.streaks === 'object' &&
    p.streaks !== null &&
    (p.checkRounds === undefined || (typeof p.checkRounds === 'object' && p.checkRounds !== null))
  );
}
