import type { SinkType } from '../api/index.ts';
import { releaseResource } from '../api/release.ts';
import type { InspectionNotification } from '../inspection/notifications.ts';
import type { ReleaseNotification } from '../release/notifications.ts';

/** Any notification the delivery workflow sends: about a Release's phase, or about an inspection. */
export type Notification = ReleaseNotification | InspectionNotification;

/** A notification as one sink's protocol carries it. */
export interface RenderedNotification {
  headers: Record<string, string>;
  body: string;
}

const titles: Record<Notification['type'], string> = {
  RolloutStarted: 'rollout started',
  RolloutSucceeded: 'rollout succeeded',
  RollbackStarted: 'rollback started',
  RollbackFinished: 'rollback finished',
  ReleaseFailed: 'Release failed',
  RolloutFailedRepeatedly: 'Release failing repeatedly',
  InspectionFinding: 'inspection finding',
  InspectionFailedRepeatedly: 'inspection failing repeatedly',
};

const marks: Record<Notification['type'], string> = {
  RolloutStarted: ':arrow_forward:',
  RolloutSucceeded: ':white_check_mark:',
  RollbackStarted: ':rewind:',
  RollbackFinished: ':leftwards_arrow_with_hook:',
  ReleaseFailed: ':x:',
  RolloutFailedRepeatedly: ':rotating_light:',
  InspectionFinding: ':mag:',
  InspectionFailedRepeatedly: ':rotating_light:',
};

const isInspection = (n: Notification): n is InspectionNotification =>
  n.type === 'InspectionFinding' || n.type === 'InspectionFailedRepeatedly';

/** What a notification is about: its Release, else the cluster or the inspection's Schedule. */
function subjectOf(n: Notification): string {
  if (n.release) return `Release ${n.release.namespace}/${n.release.name}`;
  if (n.type === 'InspectionFinding') return 'cluster';
  return isInspection(n) && n.inspection.schedule ? `inspection Schedule ${n.inspection.schedule}` : 'inspection';
}

/** One line for people: what happened to which Release, and why. */
export function headline(n: Notification): string {
  const revision = !isInspection(n) && n.revision !== undefined ? ` (revision ${n.revision})` : '';
  return `${subjectOf(n)}: ${titles[n.type]}${revision}: ${n.message}`;
}

/** A Slack message: the headline, then an inspection's findings, one line each. */
function slackText(n: Notification): string {
  const lines = [`${marks[n.type]} ${headline(n)}`];
  if (isInspection(n)) {
    for (const f of n.findings ?? []) lines.push(`• ${f.severity} ${f.kind}: ${f.subject}: ${f.message}`);
    const more = (n.findingCount ?? 0) - (n.findings?.length ?? 0);
    if (more > 0) lines.push(`… and ${more} more in the report`);
  }
  return lines.join('\n');
}

const kebab = (text: string): string =>
  text.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? '' : '-') + c.toLowerCase());

/**
 * The CloudEvents type of a notification: dev.rollguard.release.rollout-started for a Release's,
 * dev.rollguard.inspection.finding and dev.rollguard.inspection.failed-repeatedly for an inspection's.
 */
export const cloudEventType = (type: Notification['type']): string =>
  type.startsWith('Inspection')
    ? `dev.rollguard.inspection.${kebab(type.slice('Inspection'.length))}`
    : `dev.rollguard.release.${kebab(type)}`;

/** Where a notification comes from, as a CloudEvents source: the Release's API path, else rollguard's inspections. */
export const cloudEventSource = (n: Notification): string =>
  n.release
    ? `/apis/${releaseResource.apiVersion}/namespaces/${n.release.namespace}/${releaseResource.plural}/${n.release.name}`
    : '/rollguard/inspections';

/** What a CloudEvent is about: the Release's name, `cluster`, or the failing inspection's Schedule. */
function cloudEventSubject(n: Notification): string {
  if (n.release) return n.release.name;
  if (n.type === 'InspectionFinding') return 'cluster';
  return isInspection(n) ? (n.inspection.schedule ?? n.inspection.id) : '';
}

/**
 * The request a sink receives. Every one carries the notification's id (X-Rollguard-Event-Id and,
 * for webhooks, Idempotency-Key), the same on every attempt, so a receiver can drop a repeat.
 */
export function renderNotification(sink: SinkType, n: Notification): RenderedNotification {
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
        body: JSON.stringify({ text: slackText(n) }),
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
          subject: cloudEventSubject(n),
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
