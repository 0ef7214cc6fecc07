import type { FailureStreak } from './failure-streak.ts';

/**
 * How far an analysis got: heartbeated after every round, so a retried attempt continues the same
 * window (same start, same counters) instead of giving a bad revision a fresh one.
 */
export interface AnalysisProgress {
  /** Epoch ms when round 0 was due. */
  startedAt: number;
  /** Index of the last round measured, -1 before the first. */
  lastRound: number;
  /** Rounds actually measured (rounds missed while no worker ran are skipped, not made up). */
  roundsMeasured: number;
  /** Per check, keyed `http/0`, `prometheus/1` (kind and position in the input). */
  streaks: Record<string, FailureStreak>;
}

export const checkKey = (kind: string, index: number): string => `${kind}/${index}`;

/** Rounds are due at 0, interval, 2×interval … up to the end of the window, both ends included. */
export function roundCount(windowMs: number, intervalMs: number): number {
  if (!(intervalMs > 0) || !(windowMs > 0)) return 1;
  return Math.floor(windowMs / intervalMs) + 1;
}

/**
 * The next round to measure, or undefined when the window is done. Rounds whose time has passed are
 * skipped (the window's end stays where it was), but the last round is always measured.
 */
export function nextRound(progress: AnalysisProgress, now: number, windowMs: number, intervalMs: number): number | undefined {
  const total = roundCount(windowMs, intervalMs);
  const following = progress.lastRound + 1;
  if (following >= total) return undefined;
  const due = intervalMs > 0 ? Math.floor((now - progress.startedAt) / intervalMs) : following;
  return Math.min(Math.max(following, due), total - 1);
}

export const roundDueAt = (progress: AnalysisProgress, round: number, intervalMs: number): number =>
  progress.startedAt + round * Math.max(0, intervalMs);

/** Heartbeat details come back as untyped JSON; accept them only when they have our shape. */
export function isAnalysisProgress(details: unknown): details is AnalysisProgress {
  if (typeof details !== 'object' || details === null) return false;
  const p = details as Partial<AnalysisProgress>;
  return (
    typeof p.startedAt === 'number' &&
    typeof p.lastRound === 'number' &&
    typeof p.roundsMeasured === 'number' &&
    typeof p.streaks === 'object' &&
    p.streaks !== null
  );
}
