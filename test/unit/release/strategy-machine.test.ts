import { describe, expect, it } from 'vitest';
import type { ReleaseSpec } from '../../../src/domain/api/index.ts';
import {
  decide,
  onNewSpec,
  startProgress,
  type StrategyCommand,
  type StrategyProgress,
} from '../../../src/domain/release/strategy-machine.ts';
import { strategyPlan, type StrategyPlan } from '../../../src/domain/release/strategy-plan.ts';

const analysis = { window: '5m', failureWeight: 3 };
const plan = (strategy: ReleaseSpec['strategy']): StrategyPlan => strategyPlan({ strategy, analysis })!;
// step 1/5: setWeight 20; 2/5: pause 10m; 3/5: setWeight 50; 4/5: analysis; 5/5: pause until promoted
const canary = plan({
  canary: {
    steps: [{ setWeight: 20 }, { pause: { duration: '10m' } }, { setWeight: 50 }, { analysis: {} }, { pause: {} }],
  },
});
const t0 = new Date('2026-11-25T10:00:00Z');
const t1 = new Date('2026-11-25T10:05:00Z');

/** The rollout of revision 4 with the step at `stepIndex` in force. */
const at = (stepIndex: number, extra: Partial<StrategyProgress> = {}): StrategyProgress => ({
  ...startProgress(canary, 4, t0),
  stepIndex,
  ...extra,
});

function ok(progress: StrategyProgress | undefined, command: StrategyCommand, p = canary): StrategyProgress {
  const decision = decide(p, progress, command, t1);
  if (!decision.ok) throw new Error(decision.refused);
  return decision.progress;
}
const refused = (
  progress: StrategyProgress | undefined,
  command: StrategyCommand,
  p: StrategyPlan | undefined = canary,
) => {
  const decision = decide(p, progress, command, t1);
  return decision.ok ? undefined : decision.refused;
};

describe('a canary going through its steps', () => {
  it('starts at step 1 and moves one step each time a step passes, starting its clock', () => {
    expect(startProgress(canary, 4, t0)).toEqual({
      type: 'Canary',
      revision: 4,
      stepIndex: 0,
      state: 'Progressing',
      stepStartedAt: '2026-11-25T10:00:00.000Z',
    });
    expect(ok(at(0), { kind: 'stepPassed' })).toMatchObject({ stepIndex: 1, stepStartedAt: t1.toISOString() });
  });

  it('is promoted when its last step passes', () => {
    expect(ok(at(4), { kind: 'stepPassed' })).toMatchObject({ stepIndex: 5, state: 'Promoted' });
  });

  it('is aborted when an analysis fails, and held for a person when automatic rollback is off', () => {
    expect(ok(at(3), { kind: 'stepFailed', reason: 'error-rate 0.2 > 0.05', automaticRollback: true })).toMatchObject({
      stepIndex: 3,
      state: 'Aborted',
      message: 'error-rate 0.2 > 0.05',
    });
    expect(ok(at(3), { kind: 'stepFailed', reason: 'error-rate', automaticRollback: false })).toMatchObject({
      stepIndex: 3,
      state: 'Held',
    });
  });
});

describe('promote', () => {
  it('ends a pause, timed or not, and goes on to the next step', () => {
    expect(ok(at(1), { kind: 'promote', by: 'alice' })).toMatchObject({
      stepIndex: 2,
      state: 'Progressing',
      message: 'promoted by alice past the pause at step 2/5',
    });
    expect(ok(at(4), { kind: 'promote' })).toMatchObject({ stepIndex: 5, state: 'Promoted' });
  });

  it('is refused when the Release is not paused, pointing at promote --full', () => {
    expect(refused(at(3), { kind: 'promote' })).toBe(
      'nothing to promote: the Release is not paused (step 4/5 is analysis); promote --full skips the remaining steps',
    );
  });

  it('--full skips every remaining step and analysis, from any step', () => {
    for (const step of [0, 2, 3])
      expect(ok(at(step), { kind: 'promote', full: true, by: 'bob' })).toMatchObject({
        stepIndex: 5,
        state: 'Promoted',
        message: `promoted in full by bob at step ${step + 1}/5`,
      });
  });

  it('--full accepts a held revision; a plain promote says what can be done instead', () => {
    expect(ok(at(3, { state: 'Held' }), { kind: 'promote', full: true })).toMatchObject({ state: 'Promoted' });
    expect(refused(at(3, { state: 'Held' }), { kind: 'promote' })).toMatch(
      /^nothing to promote: the canary of revision 4 is held at step 4\/5 after a failed analysis; promote --full/,
    );
  });

  it('is refused once the rollout has ended', () => {
    expect(refused(at(5, { state: 'Promoted' }), { kind: 'promote', full: true })).toBe(
      'nothing to promote: the canary of revision 4 was promoted',
    );
    expect(refused(at(2, { state: 'Aborted' }), { kind: 'promote' })).toBe(
      'nothing to promote: the canary of revision 4 was aborted; retry runs it again',
    );
  });
});

describe('abort', () => {
  it('ends the rollout at any step, keeping the step it stopped at and why', () => {
    expect(ok(at(1), { kind: 'abort', reason: 'latency', by: 'carol' })).toMatchObject({
      stepIndex: 1,
      state: 'Aborted',
      message: 'aborted by carol: latency',
    });
    expect(ok(at(3, { state: 'Held' }), { kind: 'abort', reason: 'bad' })).toMatchObject({ state: 'Aborted' });
  });

  it('is refused when there is nothing in flight', () => {
    expect(refused(at(1, { state: 'Aborted' }), { kind: 'abort', reason: 'x' })).toBe(
      'nothing to abort: the canary of revision 4 was aborted',
    );
    expect(refused(at(5, { state: 'Promoted' }), { kind: 'abort', reason: 'x' })).toBe(
      'nothing to abort: the canary of revision 4 was promoted',
    );
    expect(refused(undefined, { kind: 'abort', reason: 'x' })).toBe('nothing to abort: no canary rollout has started');
    expect(decide(undefined, undefined, { kind: 'abort', reason: 'x' }, t1)).toEqual({
      ok: false,
      refused: 'nothing to abort: the Release uses the rolling strategy (spec.strategy)',
    });
  });
});

describe('retry', () => {
  it('runs an aborted or held rollout again from its first step', () => {
    for (const state of ['Aborted', 'Held'] as const)
      expect(ok(at(3, { state, message: 'failed' }), { kind: 'retry', by: 'dan' })).toEqual({
        type: 'Canary',
        revision: 4,
        stepIndex: 0,
        state: 'Progressing',
        stepStartedAt: t1.toISOString(),
        message: 'retried by dan',
      });
  });

  it('is refused while the rollout is going well, and after it was promoted', () => {
    expect(refused(at(2), { kind: 'retry' })).toBe(
      'nothing to retry: the canary of revision 4 is in progress at step 3/5',
    );
    expect(refused(at(5, { state: 'Promoted' }), { kind: 'retry' })).toBe(
      'nothing to retry: the canary of revision 4 was promoted',
    );
  });
});

describe('a blue-green rollout', () => {
  const blueGreen = plan({
    blueGreen: { activeService: 'web', autoPromote: false, scaleDownDelay: '30s', previewAnalysis: {} },
  });

  it('is the steps preview, analysis of the preview, a pause until promoted, and the switch', () => {
    expect(blueGreen.steps.map((s) => s.kind)).toEqual(['preview', 'analysis', 'pause', 'switch']);
    expect(blueGreen.scaleDownDelayMs).toBe(30_000);
  });

  it('switches automatically by default: no pause', () => {
    const auto = plan({ blueGreen: { activeService: 'web', autoPromote: true, scaleDownDelay: '30s' } });
    expect(auto.steps.map((s) => s.kind)).toEqual(['preview', 'switch']);
  });

  it('is promoted through its pause like a canary', () => {
    const waiting = { ...startProgress(blueGreen, 7, t0), stepIndex: 2 };
    expect(ok(waiting, { kind: 'promote' }, blueGreen)).toMatchObject({ stepIndex: 3, state: 'Progressing' });
    expect(refused({ ...waiting, stepIndex: 1 }, { kind: 'promote' }, blueGreen)).toMatch(
      /^nothing to promote: the Release is not paused/,
    );
  });
});

describe('a newer spec', () => {
  const inFlight = at(2);

  it('with a new revision supersedes the rollout in flight: the new one starts at step 1', () => {
    expect(onNewSpec({ plan: canary, progress: inFlight }, { plan: canary, revision: 5, hasStable: true }, t1)).toEqual(
      {
        kind: 'start',
        progress: startProgress(canary, 5, t1),
        superseded: 4,
        reason: 'revision 5 supersedes revision 4 mid-rollout',
      },
    );
  });

  it('with the same revision and other steps starts over at step 1', () => {
    const other = plan({ canary: { steps: [{ setWeight: 10 }, { setWeight: 60 }] } });
    expect(
      onNewSpec({ plan: canary, progress: inFlight }, { plan: other, revision: 4, hasStable: true }, t1),
    ).toMatchObject({
      kind: 'start',
      progress: { revision: 4, stepIndex: 0 },
      reason: 'the steps of revision 4 changed',
    });
  });

  it('with the same revision and the same steps keeps its place', () => {
    expect(onNewSpec({ plan: canary, progress: inFlight }, { plan: canary, revision: 4, hasStable: true }, t1)).toEqual(
      {
        kind: 'keep',
        reason: 'revision 4 goes on at its step',
      },
    );
  });

  it('does not redo a finished rollout of the same revision', () => {
    expect(
      onNewSpec(
        { plan: canary, progress: at(2, { state: 'Aborted' }) },
        { plan: canary, revision: 4, hasStable: true },
        t1,
      ),
    ).toEqual({ kind: 'keep', reason: 'revision 4 was already aborted; retry runs it again' });
  });

  it('that switches to the rolling strategy ends the canary in flight first', () => {
    expect(onNewSpec({ plan: canary, progress: inFlight }, { revision: 5, hasStable: true }, t1)).toEqual({
      kind: 'rolling',
      abandoned: 4,
      reason: 'the Release uses the rolling strategy',
    });
  });

  it('for the first revision of a Release rolls out without steps: there is no stable revision to keep', () => {
    expect(onNewSpec({}, { plan: canary, revision: 1, hasStable: false }, t0)).toMatchObject({ kind: 'rolling' });
  });
});
