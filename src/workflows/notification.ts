import { ActivityFailure, ApplicationFailure, log, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { parseDuration } from '../domain/api/durations.ts';
import type { Notification } from '../domain/notify/payloads.ts';
import { type SinkTarget, sinkWants } from '../domain/release/notifications.ts';
import { DeliveryFailure } from '../domain/release/delivery.ts';

export interface NotificationWorkflowInput {
  notification: Notification;
  /** The Release's own sinks (references: their Secrets are read by the activity that sends). */
  sinks: SinkTarget[];
}

export interface NotificationOutcome {
  id: string;
  delivered: string[];
  /** The sinks that never accepted it, each with why: the dead-letter record (also a Warning Event). */
  deadLettered: { sink: string; reason: string; attempts: number }[];
}

const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '5 seconds' });
const records = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 },
});

/** What a failed delivery said, and how many attempts it took (the last failure's own words). */
function failureOf(err: unknown, budget: number): { reason: string; attempts: number } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const reason = cause instanceof Error ? cause.message : String(cause);
  const final = cause instanceof ApplicationFailure && cause.nonRetryable;
  // A non-retryable failure stops at the attempt that met it; the history has the exact count.
  return { reason: final ? reason : `${reason} (retries exhausted)`, attempts: final ? 1 : budget };
}

/**
 * Delivers one notification to every sink that wants it, each with its own retries and backoff,
 * then dead-letters what a sink never accepted. Started by the Release's (or an inspection's)
 * workflow as an abandoned child whose id is the notification's id: it runs on its own, so a slow or
 * dead receiver never holds up the Release, and a notification is started once however often the
 * parent replays.
 */
export async function releaseNotificationWorkflow({
  notification,
  sinks,
}: NotificationWorkflowInput): Promise<NotificationOutcome> {
  const operator = await local.operatorNotificationSinks();
  const targets = [...operator, ...sinks].filter((sink) => sinkWants(sink, notification.type));
  const outcome: NotificationOutcome = { id: notification.id, delivered: [], deadLettered: [] };
  await Promise.all(
    targets.map(async (sink) => {
      const budget = sink.retries + 1;
      const send = proxyActivities<Activities>({
        // The activity bounds each attempt by the sink's timeout; this is a backstop for a lost worker.
        startToCloseTimeout: parseDuration(sink.timeout) + 10_000,
        retry: {
          initialInterval: '1 second',
          backoffCoefficient: 2,
          maximumInterval: '5 minutes',
          maximumAttempts: budget,
          nonRetryableErrorTypes: Object.values(DeliveryFailure),
        },
      });
      try {
        await send.deliverNotification({ sink, notification });
        outcome.delivered.push(sink.name);
      } catch (err) {
        const { reason, attempts } = failureOf(err, budget);
        outcome.deadLettered.push({ sink: sink.name, reason, attempts });
        log.warn('notification dead-lettered', { id: notification.id, sink: sink.name, reason });
        await records.recordUndelivered({ sink, notification, reason, attempts });
      }
    }),
  );
  return outcome;
}
