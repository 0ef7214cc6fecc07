import { describe, expect, it } from 'vitest';
import { startProgress, type StrategyProgress } from '../../../src/domain/release/strategy-machine.ts';
import { strategyPlan } from '../../../src/domain/release/strategy-plan.ts';
import { describeStrategy, formatTimeLeft, strategyStatus } from '../../../src/domain/release/strategy-report.ts';

const plan = strategyPlan({
  strategy: {
    canary: {
      steps: [
        { setWeight: 10 },
        { pause: { duration: '10m' } },
        { setWeight: 40 },
        { analysis: { window: '2m' } },
        { pause: {} },
        { setWeight: 80 },
        { analysis: {} },
      ],
    },
  },
  analysis: { window: '5m', failureWeight: 3 },
})!;
const started = new Date('2026-11-25T10:00:00Z');
const at = (stepIndex: number, extra: Partial<StrategyProgress> = {}): StrategyProgress => ({
  ...startProgress(plan, 4, started),
  stepIndex,
  ...extra,
});
const after = (ms: number) => new Date(started.getTime() + ms);

describe('status.strategy and the line rollguard status prints', () => {
  it('shows the step, the weight in force and the analysis time left', () => {
    const status = strategyStatus(plan, at(3), 10);
    expect(status).toEqual({
      type: 'Canary',
      revision: 4,
      state: 'Progressing',
      currentStepIndex: 3,
      stepCount: 7,
      step: '4/7',
      weights: { stable: 60, canary: 40 },
      replicas: { stable: 6, canary: 4 },
      analysis: { startTime: '2026-11-25T10:00:00.000Z', endTime: '2026-11-25T10:02:00.000Z' },
    });
    expect(describeStrategy(plan, status, after(40_000))).toBe('step 4/7: setWeight 40, analysis 1m20s left');
  });

  it('shows a timed pause counting down, and an indefinite one waiting for promote', () => {
    expect(describeStrategy(plan, strategyStatus(plan, at(1), 10), after(2 * 60_000))).toBe(
      'step 2/7: setWeight 10, paused, 8m left',
    );
    const waiting = strategyStatus(plan, at(4), 10);
    expect(waiting.pause).toEqual({ startTime: '2026-11-25T10:00:00.000Z' });
    expect(describeStrategy(plan, waiting, after(3_600_000))).toBe('step 5/7: setWeight 40, paused until promoted');
  });

  it('shows a weight being set as the canary pods coming up', () => {
    expect(describeStrategy(plan, strategyStatus(plan, at(5), 10), started)).toBe(
      'step 6/7: setWeight 80, 8 pods of revision 4 coming up',
    );
  });

  it('says why a rollout was aborted or is held, and where', () => {
    const aborted = strategyStatus(plan, at(3, { state: 'Aborted', message: 'error-rate 0.2 above 0.05' }), 10);
    expect(aborted.analysis).toBeUndefined();
    expect(describeStrategy(plan, aborted, started)).toBe('aborted at step 4/7: error-rate 0.2 above 0.05');
    const held = strategyStatus(plan, at(3, { state: 'Held', message: 'error-rate 0.2 above 0.05' }), 10);
    expect(describeStrategy(plan, held, started)).toBe('held at step 4/7: setWeight 40, error-rate 0.2 above 0.05');
  });

  it('shows a promoted rollout with all traffic on the new revision', () => {
    const promoted = strategyStatus(plan, at(7, { state: 'Promoted' }), 10);
    expect(promoted).toMatchObject({ step: '7/7', currentStepIndex: 7, weights: { stable: 0, canary: 100 } });
    expect(describeStrategy(plan, promoted, started)).toBe('promoted');
  });

  it('is valid status (the schema the CRD is generated from)', async () => {
    const { releaseStatusSchema } = await import('../../../src/domain/api/index.ts');
    for (const i of [0, 1, 3, 4, 7])
      expect(releaseStatusSchema.safeParse({ strategy: strategyStatus(plan, at(i), 10) }).success).toBe(true);
  });
});

describe('time left', () => {
  it('reads like a duration a person writes, rounded up to the second', () => {
    expect([0, 1, 999, 45_000, 80_000, 60_000, 3_600_000, 3_900_000, -5].map(formatTimeLeft)).toEqual([
      '0s',
      '1s',
      '1s',
      '45s',
      '1m20s',
      '1m',
      '1h',
      '1h5m',
      '0s',
    ]);
  });
});
