// Phases and rollback triggers, without the schema library: workflow code reads them too.

/** The phases of a Release, in the order a healthy rollout goes through them. */
export const releasePhases = ['Pending', 'Progressing', 'Ready', 'Failed', 'RollingBack'] as const;
export type ReleasePhase = (typeof releasePhases)[number];

/** What started a rollback: the verdict, a spec update, a workflow signal or the kubectl annotation. */
export const rollbackTriggers = ['Automatic', 'Update', 'Signal', 'Annotation'] as const;
export type RollbackTrigger = (typeof rollbackTriggers)[number];
