import { describe, expect, it } from 'vitest';
import {
  isAnalysisProgress,
  nextRound,
  roundCount,
  type AnalysisProgress,
} from '../../../src/domain/health/analysis-progress.ts';

const at = (lastRound: number): AnalysisProgress => ({
  startedAt: 1_000,
  lastRound,
  roundsMeasured: lastRound + 1,
  streaks: {},
});

describe('the analysis rounds', () => {
  it.each([
    { windowMs: 60_000, intervalMs: 10_000, rounds: 7 },
    { windowMs: 65_000, intervalMs: 10_000, rounds: 7 },
    { windowMs: 5_000, intervalMs: 10_000, rounds: 1 },
    { windowMs: 0, intervalMs: 10_000, rounds: 1 },
    { windowMs: 60_000, intervalMs: 0, rounds: 1 },
  ])('a $windowMs ms window measured every $intervalMs ms has $rounds rounds', ({ windowMs, intervalMs, rounds }) => {
    expect(roundCount(windowMs, intervalMs)).toBe(rounds);
  });

  it('measures the rounds in order while on time', () => {
    expect(nextRound(at(-1), 1_000, 60_000, 10_000)).toBe(0);
    expect(nextRound(at(0), 1_050, 60_000, 10_000)).toBe(1);
    expect(nextRound(at(6), 61_000, 60_000, 10_000)).toBeUndefined();
  });

  it('skips rounds missed while no worker ran, keeping the window where it was', () => {
    expect(nextRound(at(1), 1_000 + 35_000, 60_000, 10_000)).toBe(3);
  });

  it('still measures the last round when resumed after the window has passed', () => {
    expect(nextRound(at(2), 1_000 + 600_000, 60_000, 10_000)).toBe(6);
  });

  it('accepts only heartbeat details of its own shape', () => {
    expect(isAnalysisProgress(at(2))).toBe(true);
    expect(isAnalysisProgress(undefined)).toBe(false);
    expect(isAnalysisProgress({ round: 3 })).toBe(false);
  });
});
