/**
 * The condition types and reasons a Release carries in status.conditions, named once so the
 * workflow, the CLI and the tests agree on them. (The reasons of its Events: src/domain/release/events.ts.)
 */
export const ConditionType = {
  /** The current revision is rolled out and passed its health checks. */
  Ready: 'Ready',
  /** A revision is being rolled out or analysed. */
  Progressing: 'Progressing',
  /** The last rollout was undone: the stable revision runs again. */
  RolledBack: 'RolledBack',
  /** The spec cannot be rolled out; the message names the field and why. */
  InvalidSpec: 'InvalidSpec',
  /** Rollouts are paused (spec.paused or a pause signal). */
  Paused: 'Paused',
  /** Every server the health checks query answered when the spec was accepted. */
  ChecksReachable: 'ChecksReachable',
  /** kstatus: a rollout or rollback is in flight (Flux and kubectl wait read it). */
  Reconciling: 'Reconciling',
  /** kstatus: rollguard cannot reach the spec until a person changes something; the message says what. */
  Stalled: 'Stalled',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

export const ConditionStatus = { True: 'True', False: 'False', Unknown: 'Unknown' } as const;
export type ConditionStatus = (typeof ConditionStatus)[keyof typeof ConditionStatus];

export const ConditionReason = {
  // Progressing
  RolloutStarted: 'RolloutStarted',
  AnalysisRunning: 'AnalysisRunning',
  RolloutComplete: 'RolloutComplete',
  Superseded: 'Superseded',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  /** A canary or blue-green rollout is at a step (the message says which). */
  StepInProgress: 'StepInProgress',
  /** A canary's analysis failed with automatic rollback off: it waits for promote --full, retry or abort. */
  RolloutHeld: 'RolloutHeld',
  // Ready
  HealthChecksPassed: 'HealthChecksPassed',
  HealthChecksFailed: 'HealthChecksFailed',
  ReadinessDeadlineExceeded: 'ReadinessDeadlineExceeded',
  // RolledBack
  AutomaticRollback: 'AutomaticRollback',
  RollbackRequested: 'RollbackRequested',
  /** A canary taken off by a person (abort), or a failed canary step: traffic and pods back on stable. */
  RolloutAborted: 'RolloutAborted',
  RollbackFailed: 'RollbackFailed',
  NoStableRevision: 'NoStableRevision',
  // Progressing=False: the API server or an owner refused what the rollout writes
  ApplyRefused: 'ApplyRefused',
  ForeignObject: 'ForeignObject',
  Forbidden: 'Forbidden',
  RevisionMissing: 'RevisionMissing',
  // Ready=False: the rollout did not finish by its deadline, and nothing failed enough to roll it back
  RolloutIncomplete: 'RolloutIncomplete',
  // InvalidSpec
  SpecInvalid: 'SpecInvalid',
  SpecValid: 'SpecValid',
  SelectorOverlap: 'SelectorOverlap',
  // ChecksReachable
  PrometheusUnreachable: 'PrometheusUnreachable',
  PrometheusReachable: 'PrometheusReachable',
  // Paused
  PausedBySpec: 'PausedBySpec',
  PausedBySignal: 'PausedBySignal',
  Resumed: 'Resumed',
} as const;
export type ConditionReason = (typeof ConditionReason)[keyof typeof ConditionReason];
