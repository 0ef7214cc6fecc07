import { describe, expect, it } from 'vitest';
import { observeStatus, type ObservedStatus } from '../../../src/domain/release/rollout-observation.ts';

const t = (seconds: number) => new Date(Date.UTC(2026, 10, 26, 10, 0, seconds)).toISOString();
const ms = (seconds: number) => Date.parse(t(seconds));
const progressing = (status: 'True' | 'False', at: number) => ({
  type: 'Progressing',
  status,
  lastTransitionTime: t(at),
});
const verdict = (at: number, healthy: boolean, failingWeight: number) => ({
  time: t(at),
  healthy,
  failingWeight,
  threshold: 2,
});

/** Feeds the statuses a watch delivers one after another; returns what each change measured. */
function watch(statuses: (ObservedStatus | undefined)[], { seenBefore = false } = {}) {
  let seen = seenBefore ? {} : undefined;
  return statuses.map((status, i) => {
    const { seen: next, ...measured } = observeStatus(seen, status, ms(100 + i));
    seen = next;
    return measured;
  });
}

describe('rollouts and verdicts read from status changes', () => {
  it('a rollout that becomes Ready took from the Progressing condition turning True to it turning False', () => {
    const measured = watch([
      undefined,
      { phase: 'Progressing', conditions: [progressing('True', 10)] },
      { phase: 'Progressing', conditions: [progressing('True', 10)] },
      { phase: 'Ready', conditions: [progressing('False', 25)], lastVerdict: verdict(25, true, 0) },
    ]);
    expect(measured.at(-1)).toEqual({
      rollout: { outcome: 'Ready', seconds: 15 },
      verdict: { verdict: 'Healthy', failingWeightRatio: 0 },
    });
    expect(measured.slice(0, 3)).toEqual([{}, {}, {}]);
  });

  it('a rollout rolled back ends as RolledBack; the rollback ending is no rollout', () => {
    const measured = watch([
      { phase: 'Ready', lastVerdict: verdict(1, true, 0) },
      { phase: 'Progressing', conditions: [progressing('True', 10)], lastVerdict: verdict(1, true, 0) },
      { phase: 'RollingBack', conditions: [progressing('False', 40)], lastVerdict: verdict(40, false, 3) },
      { phase: 'Failed', conditions: [progressing('False', 40)], lastVerdict: verdict(40, false, 3) },
    ]);
    expect(measured[2]).toEqual({
      rollout: { outcome: 'RolledBack', seconds: 30 },
      verdict: { verdict: 'Unhealthy', failingWeightRatio: 1.5 },
    });
    expect(measured[3]).toEqual({});
  });

  it('a verdict whose failures weigh less than the threshold, yet is not healthy, is Inconclusive', () => {
    const measured = watch([{ phase: 'Progressing' }, { phase: 'Failed', lastVerdict: verdict(5, false, 1) }]);
    expect(measured[1]?.verdict).toEqual({ verdict: 'Inconclusive', failingWeightRatio: 0.5 });
  });

  it('what a restarted controller first lists is never measured, and a rollout in progress then still is', () => {
    const measured = watch([
      { phase: 'Progressing', conditions: [progressing('True', 10)], lastVerdict: verdict(1, true, 0) },
      { phase: 'Ready', conditions: [progressing('False', 50)], lastVerdict: verdict(50, true, 1) },
    ]);
    expect(measured[0]).toEqual({});
    expect(measured[1]).toEqual({
      rollout: { outcome: 'Ready', seconds: 40 },
      verdict: { verdict: 'Healthy', failingWeightRatio: 0.5 },
    });
  });

  it('a Release first seen Ready measures nothing, however often it is seen again', () => {
    const ready = { phase: 'Ready', conditions: [progressing('False', 5)], lastVerdict: verdict(5, true, 0) };
    expect(watch([ready, ready, ready])).toEqual([{}, {}, {}]);
  });
});
