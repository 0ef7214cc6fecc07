import { describe, expect, it } from 'vitest';
import { newStreak, recordRound, streakResult, type FailureStreak } from '../../../src/domain/health/failure-streak.ts';
import type { CheckOutcome as Outcome } from '../../../src/domain/api/check-fields.ts';
import type { CheckResult } from '../../../src/domain/health/types.ts';

const round = (outcome: Outcome): CheckResult => ({
  name: 'healthz',
  kind: 'HTTP',
  outcome,
  weight: 5,
  reason: `round ${outcome}`,
});

const fold = (outcomes: Outcome[], threshold: number): FailureStreak =>
  outcomes.reduce((streak, outcome) => recordRound(streak, round(outcome), threshold), newStreak());

describe('the failure threshold (consecutive failing rounds)', () => {
  it.each([
    { rounds: ['Fail', 'Fail'], threshold: 3, outcome: 'Pass', consecutive: 2 },
    { rounds: ['Fail', 'Fail', 'Fail'], threshold: 3, outcome: 'Fail', consecutive: 3 },
    { rounds: ['Fail', 'Pass', 'Fail', 'Pass', 'Fail'], threshold: 2, outcome: 'Pass', consecutive: 1 },
    { rounds: ['Fail', 'Inconclusive', 'Fail'], threshold: 2, outcome: 'Fail', consecutive: 2 },
    { rounds: ['Fail', 'Fail', 'Pass', 'Pass'], threshold: 2, outcome: 'Fail', consecutive: 0 },
    { rounds: ['Pass', 'Inconclusive'], threshold: 1, outcome: 'Inconclusive', consecutive: 0 },
    { rounds: ['Fail'], threshold: 0, outcome: 'Fail', consecutive: 1 },
  ] as { rounds: Outcome[]; threshold: number; outcome: Outcome; consecutive: number }[])(
    '$rounds with threshold $threshold reports $outcome',
    ({ rounds, threshold, outcome, consecutive }) => {
      const streak = fold(rounds, threshold);
      expect(streak.consecutiveFailures).toBe(consecutive);
      expect(streakResult(streak, threshold)?.outcome).toBe(outcome);
    },
  );

  it('stays failing for the rest of the window once the threshold is reached, with the round that did it', () => {
    const result = streakResult(fold(['Fail', 'Fail', 'Pass'], 2), 2);
    expect(result).toMatchObject({
      outcome: 'Fail',
      consecutiveFailures: 2,
      reason: 'round Fail (failed 2 rounds in a row, threshold 2)',
    });
  });

  it('says a failure below the threshold was tolerated', () => {
    expect(streakResult(fold(['Fail'], 3), 3)?.reason).toBe(
      'tolerated: 1 failing round(s) in a row, the check fails at 3; round Fail',
    );
  });

  it('fails at once on a failure no later round can undo (a refused query or target), whatever the threshold', () => {
    const permanent: CheckResult = {
      ...round('Fail'),
      permanent: true,
      reason: 'Prometheus rejected the query (bad_data)',
    };
    const result = streakResult(recordRound(newStreak(), permanent, 4), 4);
    expect(result).toMatchObject({
      outcome: 'Fail',
      consecutiveFailures: 1,
      reason: 'Prometheus rejected the query (bad_data)',
    });
  });

  it('has no result before the first round', () => {
    expect(streakResult(newStreak(), 1)).toBeUndefined();
  });
});
