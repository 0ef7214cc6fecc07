import {
  CancellationScope,
  ChildWorkflowCancellationType,
  log,
  ParentClosePolicy,
  patched,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Notification } from '../domain/notify/payloads.ts';
import {
  notificationOf,
  notificationsFor,
  notificationWorkflowId,
  releaseSinks,
  type SinkTarget,
} from '../domain/release/notifications.ts';
import type { TransitionRecord } from '../domain/release/records.ts';
import type { ReleaseState } from '../domain/release/state.ts';
import { releaseNotificationWorkflow } from './notification.ts';

/**
 * Starts the delivery of one notification as a child workflow of its own that outlives its parent
 * (ParentClosePolicy ABANDON) and is never cancelled with the work that sent it. Only the start is
 * awaited (one round trip to Temporal), never the delivery. The child's id is the notification's
 * id, so a notification is started once, whatever happens here.
 */
export async function startNotification(notification: Notification, sinks: SinkTarget[]): Promise<void> {
  await CancellationScope.nonCancellable(() =>
    startChild(releaseNotificationWorkflow, {
      workflowId: notificationWorkflowId(notification),
      args: [{ notification, sinks }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      cancellationType: ChildWorkflowCancellationType.ABANDON,
    }).catch((err: unknown) => {
      // Already started (the same notification), or Temporal refused it: either way the parent goes on.
      log.warn('notification not started', { id: notification.id, error: (err as Error).message });
    }),
  );
}

/** Sends the notifications a phase change calls for, one after the other (startNotification). */
export async function notifyTransition(state: ReleaseState, transition: TransitionRecord, key: string): Promise<void> {
  const notifications = state.data.spec?.notifications;
  const sinks = releaseSinks(notifications?.sinks, state.data.ref.namespace);
  if (sinks.length === 0 && !state.data.operatorSinks) return;
  // Patched in: runs that began before notifications replay without them.
  if (!patched('notifications')) return;
  const types = notificationsFor(transition, state.data.history, notifications?.failureThreshold ?? 3);
  for (const type of types) {
    const notification = notificationOf(type, state.data, transition, { key, run: workflowInfo().firstExecutionRunId });
    await startNotification(notification, sinks);
  }
}
