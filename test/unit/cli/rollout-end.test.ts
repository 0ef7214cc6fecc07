import { describe, expect, it } from 'vitest';
import { rolloutEnd, rolloutFailure } from '../../../src/cli/follow.ts';
import { condition, view, webRelease } from './views.ts';

const rollback = {
  id: 'rb-1',
  fromRevision: 3,
  toRevision: 2,
  reason: 'unhealthy',
  trigger: 'Automatic' as const,
  time: '2026-01-01T11:59:00Z',
};

describe('when a rollout of generation 3 has ended', () => {
  it.each([
    [
      'Ready, with Ready stamped for generation 3',
      {
        phase: 'Ready',
        conditions: [condition('Ready', 'True', 'HealthChecksPassed', 'revision 3: all 1 checks passed')],
      },
      { end: 'Ready', message: 'revision 3: all 1 checks passed' },
    ],
    [
      'rolled back on its own',
      {
        phase: 'Failed',
        lastRollback: rollback,
        conditions: [
          condition('Ready', 'False', 'ReadinessDeadlineExceeded', 'x'),
          condition('RolledBack', 'True', 'AutomaticRollback', 'rollback rb-1 (Automatic): revision 3 failed'),
        ],
      },
      { end: 'RolledBack', message: 'rollback rb-1 (Automatic): revision 3 failed' },
    ],
    [
      'failed with nothing to return to',
      {
        phase: 'Failed',
        conditions: [
          condition('Ready', 'False', 'ReadinessDeadlineExceeded', 'revision 1: not Ready'),
          condition('RolledBack', 'False', 'NoStableRevision', 'no stable revision'),
        ],
      },
      { end: 'Failed', message: 'no stable revision' },
    ],
    [
      'refused as invalid',
      { phase: 'Ready', conditions: [condition('InvalidSpec', 'True', 'SpecInvalid', 'no Prometheus')] },
      { end: 'InvalidSpec', message: 'no Prometheus' },
    ],
  ])('%s', (_what, status, end) => {
    expect(rolloutEnd(view(webRelease(status as never)), 3)).toEqual(end);
  });

  it('a paused Release holds the generation: the wait ends, saying how to resume', () => {
    const paused = webRelease({
      phase: 'Ready',
      conditions: [
        condition('Ready', 'True', 'HealthChecksPassed', 'old', 2),
        condition('Paused', 'True', 'PausedBySignal', 'generation 3 is held'),
      ],
    });
    expect(rolloutEnd(view(paused), 3)).toEqual({
      end: 'Paused',
      message: 'generation 3 is held; resume it with `rollguard resume web`',
    });
  });

  it("has not ended while the Ready condition is the previous generation's, although the phase still says Ready", () => {
    const before = webRelease({
      phase: 'Ready',
      observedGeneration: 3,
      conditions: [condition('Ready', 'True', 'HealthChecksPassed', 'revision 2', 2)],
    });
    expect(rolloutEnd(view(before), 3)).toBeUndefined();
  });

  it('has not ended while it rolls out or back', () => {
    const moving = webRelease({
      phase: 'RollingBack',
      conditions: [
        condition('Ready', 'False', 'ReadinessDeadlineExceeded', 'x'),
        condition('Paused', 'True', 'PausedBySignal', 'held'),
      ],
    });
    expect(rolloutEnd(view(moving), 3)).toBeUndefined();
  });

  it("prefers the workflow's live state to the Release status", () => {
    const stale = webRelease({ phase: 'Progressing', conditions: [] });
    const live = view(stale, {
      phase: 'Ready',
      conditions: [condition('Ready', 'True', 'HealthChecksPassed', 'live')],
    });
    expect(rolloutEnd(live, 3)).toEqual({ end: 'Ready', message: 'live' });
  });

  it('only Ready is a success', () => {
    expect(rolloutFailure('release shop/web', { end: 'Ready', message: 'ok' })).toBeUndefined();
    expect(rolloutFailure('release shop/web', { end: 'RolledBack', message: 'rollback rb-1' })?.message).toBe(
      'release shop/web was rolled back: rollback rb-1',
    );
    expect(rolloutFailure('release shop/web', { end: 'Failed', message: 'x' })?.exitCode).toBe(1);
  });
});
