import { describe, expect, it } from 'vitest';
import { ReleaseState } from '../../../src/domain/release/state.ts';

const ref = { namespace: 'shop', name: 'web', uid: 'u1' };
const now = new Date('2026-01-01T00:00:00Z');

function withRevisions(revisions: number[], stable: number[], current?: number): ReleaseState {
  const state = ReleaseState.initial(ref, 'wf');
  for (const revision of revisions)
    state.addRevision({ revision, images: [`app:v${revision}`], createdAt: now.toISOString() });
  for (const revision of stable) state.markStable(revision);
  if (current !== undefined) state.data.currentRevision = current;
  return state;
}

describe('where a rollback goes', () => {
  it('without a revision: the last stable revision other than the one running', () => {
    expect(withRevisions([1, 2, 3], [1, 2], 3).rollbackTarget(undefined)).toEqual({ to: 2 });
    expect(withRevisions([1, 2], [1, 2], 2).rollbackTarget(undefined)).toEqual({ to: 1 });
  });

  it('to a named kept revision, even one that failed (rolling forward on purpose)', () => {
    expect(withRevisions([1, 2, 3], [1], 1).rollbackTarget(3)).toEqual({ to: 3 });
  });

  it('refuses an unknown revision, listing the kept ones', () => {
    expect(withRevisions([1, 2], [1, 2], 2).rollbackTarget(7)).toEqual({
      refused: 'revision 7 does not exist; kept revisions: 1, 2',
    });
  });

  it('refuses when there is no earlier stable revision', () => {
    expect(withRevisions([1], [1], 1).rollbackTarget(undefined)).toEqual({
      refused: 'there is no earlier stable revision to roll back to',
    });
    expect(ReleaseState.initial(ref, 'wf').rollbackTarget(undefined)).toHaveProperty('refused');
  });

  it('forgets pruned revisions', () => {
    const state = withRevisions([1, 2, 3], [1, 2, 3], 3);
    state.forgetRevisions([1]);
    expect(state.rollbackTarget(1)).toHaveProperty('refused');
    expect(state.rollbackTarget(undefined)).toEqual({ to: 2 });
  });
});

describe('transitions', () => {
  it('are recorded in the history, newest last, and refused when the table forbids them', () => {
    const state = ReleaseState.initial(ref, 'wf');
    state.moveTo('Progressing', 'RolloutStarted', 'rolling out', now);
    state.moveTo('Ready', 'HealthChecksPassed', 'healthy', now);
    expect(state.snapshot().history.map((t) => `${t.from}→${t.to}`)).toEqual([
      'Pending→Progressing',
      'Progressing→Ready',
    ]);
    expect(() => state.moveTo('Pending', 'x', 'y', now)).toThrow('illegal phase transition Ready → Pending');
    expect(state.data.phase).toBe('Ready');
  });

  it('status carries phase, generation, revisions and the workflow id', () => {
    const state = withRevisions([1], [1], 1);
    state.data.generation = 4;
    expect(state.status()).toMatchObject({
      phase: 'Pending',
      observedGeneration: 4,
      currentRevision: 1,
      stableRevision: 1,
      workflowId: 'wf',
    });
  });
});
