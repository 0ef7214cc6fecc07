import type { SinkType } from '../api/index.ts';
import { releaseResource } from '../api/release.ts';
import type { ReleaseNotification } from './notifications.ts';

/** A notification as one sink's protocol carries it. */
export interface RenderedNotification {
  headers: Record<string, string>;
  body: string;
}

const titles: Record<ReleaseNotification['type'], string> = {
  RolloutStarted: 'rollout started',
  RolloutSucceeded: 'rollout succeeded',
  RollbackStarted: 'rollback started',
  RollbackFinished: 'rollback finished',
  ReleaseFailed: 'Release failed',
  RolloutFailedRepeatedly: 'Release failing repeatedly',
};

const marks: Record<ReleaseNotification['type'], string> = {
  RolloutStarted: ':arrow_forward:',
  RolloutSucceeded: ':white_check_mark:',
  RollbackStarted: ':rewind:',
  RollbackFinished: ':leftwards_arrow_with_hook:',
  ReleaseFailed: ':x:',
  RolloutFailedRepeatedly: ':rotating_light:',
};

/** One line for people: what happened to which Release, and why. */
export function headline(n: ReleaseNotification): string {
  const revision = n.revision !== undefined ? ` (revision ${n.revision})` : '';
  return `Release ${n.release.namespace}/${n.release.name}: ${titles[n.type]}${revision}: ${n.message}`;
}

/** The CloudEvents type of a notification, e.g. dev.rollguard.release.rollout-started. */
export const cloudEventType = (type: ReleaseNotification['type']): string =>
  `dev.rollguard.release.${type.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? '' : '-') + c.toLowerCase())}`;

/** Where a notification comes from, as a CloudEvents source: the Release's API path. */
export const cloudEventSource = (n: ReleaseNotification): string =>
  `/apis/${releaseResource.apiVersion}/namespaces/${n.release.namespace}/${releaseResource.plural}/${n.release.name}`;

/**
 * The request a sink receives. Every one carries the notification's id (X-Rollguard-Event-Id and,
 * for webhooks, Idempotency-Key), the same on every attempt, so a receiver can drop a repeat.
 */
export function renderNotification(sink: SinkType, n: ReleaseNotification): RenderedNotification {
  const common = { 'x-rollguard-event-id': n.id, 'x-rollguard-event-type': n.type };
  switch (sink) {
    case 'Webhook':
      return {
        headers: { ...common, 'content-type': 'application/json', 'idempotency-key': n.id },
        body: JSON.stringify(n),
      };
    case 'Slack':
      return {
        headers: { ...common, 'content-type': 'application/json' },
        body: JSON.stringify({ text: `${marks[n.type]} ${headline(n)}` }),
      };
    case 'CloudEvents':
      // Structured mode: the whole event, attributes and data, is the body.
      return {
        headers: { ...common, 'content-type': 'application/cloudevents+json; charset=utf-8' },
        body: JSON.stringify({
          specversion: '1.0',
          id: n.id,
          source: cloudEventSource(n),
          type: cloudEventType(n.type),
          subject: n.release.name,
          time: n.time,
          datacontenttype: 'application/json',
          data: n,
        }),
      };
  }
}

/**
 * Text with every secret value replaced: what a delivery's failure may say (it is recorded in
 * history, an Event and the log), whatever the error it came from quoted.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    out = out.split(secret).join('[redacted]');
    // A URL's path or query may be quoted percent-encoded, or as a URL object prints it.
    const encoded = encodeURI(secret);
    if (encoded !== secret) out = out.split(encoded).join('[redacted]');
  }
  return out;
}
