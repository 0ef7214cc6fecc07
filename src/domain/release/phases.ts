import type { ReleasePhase } from '../api/index.ts';

/**
 * The phase machine of a Release, as one table: for each phase, the phases it may move to.
 * `satisfies` makes the compiler check that every phase has a row and names only real phases.
 *
 *   Pending ─► Progressing ─► Ready
 *                  │    ▲        │
 *                  ▼    │        ▼
 *               Failed ◄─ RollingBack
 *
 * A new spec may start a rollout from any settled phase, and a rollback may be asked for from any
 * phase but Pending (there is nothing to roll back to before the first rollout). A spec that cannot
 * be rolled out (refused at admission) moves any settled phase to Failed.
 */
export const transitions = {
  Pending: ['Progressing', 'Failed'],
  Progressing: ['Progressing', 'Ready', 'Failed', 'RollingBack'],
  Ready: ['Progressing', 'RollingBack', 'Failed'],
  Failed: ['Progressing', 'RollingBack', 'Failed'],
  // A rollback interrupted by another rollback request starts again toward the new target.
  RollingBack: ['Progressing', 'Ready', 'Failed', 'RollingBack'],
} as const satisfies Record<ReleasePhase, readonly ReleasePhase[]>;

export type Transition = {
  [From in ReleasePhase]: { from: From; to: (typeof transitions)[From][number] };
}[ReleasePhase];

export function canTransition(from: ReleasePhase, to: ReleasePhase): boolean {
  return (transitions[from] as readonly ReleasePhase[]).includes(to);
}

/** Thrown for a transition the table does not allow: a bug in the workflow, never a state to reach. */
export class IllegalTransitionError extends Error {
  constructor(from: ReleasePhase, to: ReleasePhase) {
    super(`illegal phase transition ${from} → ${to}; allowed from ${from}: ${transitions[from].join(', ')}`);
    this.name = 'IllegalTransitionError';
  }
}

/** Checks a transition against the table and returns it typed. */
export function transition(from: ReleasePhase, to: ReleasePhase): Transition {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
  return { from, to } as Transition;
}
