import { ConditionReason } from '../api/conditions.ts';

/**
 * The reasons of the Events rollguard records on a Release, named once, as argo-rollouts names its
 * Event reasons. A phase change's Event carries the reason of the condition it sets; the others stand
 * on their own. Users filter Events by these strings and recorded workflow histories hold them: they
 * never change.
 */
export const EventReason = {
  // Phase changes
  RolloutStarted: ConditionReason.RolloutStarted,
  HealthChecksPassed: ConditionReason.HealthChecksPassed,
  HealthChecksFailed: ConditionReason.HealthChecksFailed,
  ReadinessDeadlineExceeded: ConditionReason.ReadinessDeadlineExceeded,
  RolloutIncomplete: ConditionReason.RolloutIncomplete,
  ApplyRefused: ConditionReason.ApplyRefused,
  ForeignObject: ConditionReason.ForeignObject,
  Forbidden: ConditionReason.Forbidden,
  RevisionMissing: ConditionReason.RevisionMissing,
  AutomaticRollback: ConditionReason.AutomaticRollback,
  RollbackRequested: ConditionReason.RollbackRequested,
  RollbackFailed: ConditionReason.RollbackFailed,
  SpecInvalid: ConditionReason.SpecInvalid,
  RolloutAborted: ConditionReason.RolloutAborted,
  RolloutHeld: ConditionReason.RolloutHeld,
  PreRolloutHookFailed: ConditionReason.PreRolloutHookFailed,
  // Events of their own
  /** A canary or blue-green rollout moved to its next step. */
  StepStarted: 'StepStarted',
  /** promote, abort or retry of a canary or blue-green rollout, with who asked and why. */
  Promoted: 'Promoted',
  Aborted: 'Aborted',
  Retried: 'Retried',
  /** A promote, abort or retry from an annotation that has nothing to act on. */
  StrategyRequestRefused: 'StrategyRequestRefused',
  /** A Prometheus the checks query does not answer; the rollout goes on. */
  PrometheusUnreachable: ConditionReason.PrometheusUnreachable,
  /** A rollback the workflow cannot carry out (a revision it does not keep, a request already handled). */
  RollbackRefused: 'RollbackRefused',
  /** A rollback annotation the controller cannot read. */
  InvalidRollbackRequest: 'InvalidRollbackRequest',
  /** A status written by someone other than rollguard, restored. */
  StatusOverwritten: 'StatusOverwritten',
  /** A lifecycle hook ran to success. */
  HookSucceeded: 'HookSucceeded',
  /** A lifecycle hook failed (after its retries, when it is idempotent). */
  HookFailed: 'HookFailed',
  /** A notification that its sink did not accept within its retries: the dead-letter record. */
  NotificationUndelivered: 'NotificationUndelivered',
  /** A new generation that changed only the replica count (or the deletion policy): applied, not rolled out. */
  Scaled: 'Scaled',
} as const;
export type EventReason = (typeof EventReason)[keyof typeof EventReason];

/** What rollguard was doing when it recorded an Event (the Event's action). */
export const EventAction = {
  Rollout: 'Rollout',
  Rollback: 'Rollback',
  Validate: 'Validate',
  Status: 'Status',
  Hook: 'Hook',
  Notify: 'Notify',
  Scale: 'Scale',
} as const;
export type EventAction = (typeof EventAction)[keyof typeof EventAction];

/** The messages of the Events that stand on their own, worded once. */
export const EventMessage = {
  rollbackRefused: (why: string): string => `rollback refused: ${why}`,
  scaled: (generation: number, replicas: number, revision: number): string =>
    `generation ${generation} changes only the replica count (or the deletion policy): the Deployment is scaled to ${replicas} ` +
    `(or left to its HorizontalPodAutoscaler), revision ${revision} keeps running, no rollout`,
  statusOverwritten: (why: string | undefined): string =>
    `the status was written by someone other than rollguard and was restored${why === undefined ? '' : `: ${why}`}`,
} as const;

/** An Event rollguard records on a Release (kubectl describe, kubectl events). */
export interface ReleaseEvent {
  type: 'Normal' | 'Warning';
  reason: EventReason;
  message: string;
  /** What rollguard did, e.g. "Rollout", "Rollback" (the Event's action). */
  action: EventAction;
  /**
   * Makes recording idempotent: an Event with the same key is one Event, however often the call is
   * repeated (activities run at least once). The workflow keys each Event by its own sequence.
   */
  key?: string;
}
