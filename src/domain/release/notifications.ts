import type { NotificationEventType, NotificationSink, ReleasePhase } from '../api/index.ts';
import type { releaseNotificationEvents } from '../api/notifications.ts';
import type { ReleaseStateData, TransitionRecord } from './records.ts';
import type { ReleaseRef } from './ref.ts';

/**
 * One notification, as every sink receives it (rendered in its own format). Plain data that holds
 * no secret: it is the input of the workflow that delivers it, recorded in history.
 */
export interface ReleaseNotification {
  /** Stable for this occurrence: a receiver that sees the same id twice has seen the same event. */
  id: string;
  type: (typeof releaseNotificationEvents)[number];
  release: ReleaseRef;
  phase: ReleasePhase;
  reason: string;
  message: string;
  time: string;
  generation: number;
  revision?: number;
  stableRevision?: number;
  rollback?: { id: string; fromRevision: number; toRevision: number; trigger: string };
}

/** A sink as the delivery reads it: the spec's fields, and the namespace of the Secrets it names. */
export interface SinkTarget extends NotificationSink {
  /** Where its Secrets are: the Release's namespace, or the operator's for operator-wide sinks. */
  secretNamespace: string;
  /** Operator-wide sinks were configured by the operator and bypass the checks' egress policy. */
  operator?: boolean;
}

/** Times in a row the Release entered Failed, counted back to its last Ready (or as far as history goes). */
export function failureStreak(history: readonly TransitionRecord[]): number {
  let streak = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const to = history[i]?.to;
    if (to === 'Ready') break;
    if (to === 'Failed') streak++;
  }
  return streak;
}

/** The notifications a phase change sends, in the order they are sent. */
export function notificationsFor(
  transition: Pick<TransitionRecord, 'from' | 'to'>,
  history: readonly TransitionRecord[],
  failureThreshold: number,
): ReleaseNotification['type'][] {
  const { from, to } = transition;
  const types: ReleaseNotification['type'][] = [];
  if (from === 'RollingBack') types.push('RollbackFinished');
  if (to === 'Progressing') types.push('RolloutStarted');
  if (to === 'Ready' && from === 'Progressing') types.push('RolloutSucceeded');
  if (to === 'RollingBack') types.push('RollbackStarted');
  if (to === 'Failed') {
    types.push('ReleaseFailed');
    if (failureStreak(history) === failureThreshold) types.push('RolloutFailedRepeatedly');
  }
  return types;
}

/**
 * The notification of one type about the state just entered. `key` is the transition's own (its
 * Event key), counted by the Release's workflow; `run` names that workflow's chain of runs (its first
 * run id), since a workflow started anew for the Release counts from 1 again.
 */
export function notificationOf(
  type: ReleaseNotification['type'],
  data: ReleaseStateData,
  transition: TransitionRecord,
  { key, run }: { key: string; run: string },
): ReleaseNotification {
  const rollback = data.lastRollback;
  const aboutRollback = type === 'RollbackStarted' || type === 'RollbackFinished';
  return {
    id: `${data.ref.uid}.${run.slice(0, 8)}.${key}.${type}`,
    type,
    release: data.ref,
    phase: transition.to,
    reason: transition.reason,
    message: transition.message,
    time: transition.at,
    generation: data.generation,
    ...(data.currentRevision !== undefined ? { revision: data.currentRevision } : {}),
    ...(data.stableRevision !== undefined ? { stableRevision: data.stableRevision } : {}),
    ...(aboutRollback && rollback
      ? {
          rollback: {
            id: rollback.id,
            fromRevision: rollback.fromRevision,
            toRevision: rollback.toRevision,
            trigger: rollback.trigger,
          },
        }
      : {}),
  };
}

/** The sinks of the spec, with the namespace their Secrets are read from. */
export function releaseSinks(sinks: readonly NotificationSink[] | undefined, namespace: string): SinkTarget[] {
  return (sinks ?? []).map((sink) => ({ ...sink, secretNamespace: namespace }));
}

/** Whether a sink takes notifications of this type. */
export const sinkWants = (sink: NotificationSink, type: NotificationEventType): boolean =>
  sink.events === undefined || sink.events.includes(type);

/** The workflow id of the delivery of one notification: its id, so it is started once whatever happens. */
export const notificationWorkflowId = (n: { id: string }): string => `notify/${n.id}`;
