import { z } from 'zod';
import { checkName } from './check-fields.ts';
import { checkHeaders, secretKeyRef } from './check-headers.ts';
import { duration } from './duration.ts';

/** What a notification is about; receivers filter on these names, which never change. */
export const releaseNotificationEvents = [
  'RolloutStarted',
  'RolloutSucceeded',
  'RollbackStarted',
  'RollbackFinished',
  'ReleaseFailed',
  'RolloutFailedRepeatedly',
] as const;
/** What an inspection sends (docs/inspections.md): its findings, and that its Schedule keeps failing. */
export const inspectionNotificationEvents = ['InspectionFinding', 'InspectionFailedRepeatedly'] as const;
export const notificationEvents = [...releaseNotificationEvents, ...inspectionNotificationEvents] as const;
export type NotificationEventType = (typeof notificationEvents)[number];

/** How a sink is spoken to: a generic JSON webhook, a Slack-compatible incoming webhook, CloudEvents (structured mode). */
export const sinkTypes = ['Webhook', 'Slack', 'CloudEvents'] as const;
export type SinkType = (typeof sinkTypes)[number];

/** One receiver of notifications; its URL (and any token) is read from a Secret when a notification is sent. */
export const notificationSinkSchema = z
  .object({
    name: checkName.meta({ description: 'Name of the sink, unique in the list; dead-letter Events name it.' }),
    type: z.enum(sinkTypes).meta({
      description:
        'Webhook: a JSON object per notification. Slack: a Slack-compatible incoming webhook ({"text": ...}). ' +
        'CloudEvents: a CloudEvents 1.0 event in structured mode (application/cloudevents+json).',
    }),
    urlFrom: z.object({ secretKeyRef }).meta({
      description:
        "Where the URL comes from: a key of a Secret in the Release's namespace (an incoming webhook's URL is itself a credential). " +
        'Never written to status, Events, logs or workflow history.',
    }),
    headers: checkHeaders('each notification'),
    events: z
      .array(z.enum(notificationEvents))
      .max(notificationEvents.length)
      .optional()
      .meta({ description: 'The notifications this sink receives; all when absent.' }),
    timeout: duration('How long one delivery attempt may take.', '10s').default('10s'),
    retries: z.int().min(0).max(20).default(5).meta({
      description:
        'Attempts after the first, with exponential backoff (1s, 2s, 4s, ...), before the notification is dead-lettered (a Warning Event on the Release). Default 5.',
    }),
  })
  .meta({ description: 'A receiver of notifications.' });

export type NotificationSink = z.infer<typeof notificationSinkSchema>;

export const notificationsSchema = z
  .object({
    sinks: z
      .array(notificationSinkSchema)
      .max(8)
      .refine((sinks) => new Set(sinks.map((s) => s.name)).size === sinks.length, {
        message: 'sink names must be unique',
      })
      .default([])
      .meta({
        description:
          'Receivers of this Release’s notifications, besides the operator’s (rollguard run --notifications).',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
    failureThreshold: z.int().min(1).max(10).default(3).meta({
      description:
        'Times in a row the Release fails (without a Ready in between) before RolloutFailedRepeatedly is sent, once per streak (1 to 10, default 3).',
    }),
  })
  .meta({ description: 'Where this Release’s notifications go (docs/notifications.md).' });

export type Notifications = z.infer<typeof notificationsSchema>;

/** The operator-wide sinks `rollguard run --notifications FILE` reads: every Release's notifications go to them too. */
export const operatorNotificationsSchema = z.strictObject({
  secretNamespace: z
    .string()
    .min(1)
    .max(63)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'must be a namespace name' })
    .meta({ description: "The namespace of the sinks' Secrets (usually rollguard's own)." }),
  sinks: z.array(notificationSinkSchema).min(1).max(16),
});
