// The Release API. The CRD generator (./crd.ts) is left out on purpose: it pulls in YAML rendering,
// which workflow code (bundled and replayed) has no use for.
export * from './conditions.ts';
export { checkKinds, checkOutcomes, type CheckKind, type CheckOutcome } from './check-fields.ts';
export { durationPattern, parseDuration } from './duration.ts';
export type { HttpCheck } from './http-check.ts';
export type { PrometheusCheck } from './prometheus-check.ts';
export type { Analysis, HealthChecks, RollbackPolicy } from './health-checks.ts';
export type { DeploymentTemplate } from './template.ts';
export type {
  BlueGreenStrategy,
  CanaryStep,
  CanaryStrategy,
  GatewayApiRouting,
  StepAnalysis,
  Strategy,
} from './strategy.ts';
export type { Hook, Hooks, HookStage, HttpHook, JobHook } from './hooks.ts';
export { hookStages } from './hooks.ts';
export type { NotificationEventType, NotificationSink, Notifications, SinkType } from './notifications.ts';
export { notificationEvents, sinkTypes } from './notifications.ts';
export * from './spec.ts';
export * from './status.ts';
export * from './strategy-status.ts';
export * from './release.ts';
