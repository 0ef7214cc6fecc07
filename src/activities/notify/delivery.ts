import { ApplicationFailure } from '@temporalio/common';
import { headerSources } from '../../domain/release/header-sources.ts';
import { type Notification, redact, renderNotification } from '../../domain/notify/payloads.ts';
import type { SinkTarget } from '../../domain/release/notifications.ts';
import { parseDuration } from '../../domain/api/index.ts';
import { EventAction, EventReason } from '../../domain/release/events.ts';
import type { KubeClients } from '../../kube/client.ts';
import { recordReleaseEvent } from '../../kube/events.ts';
import type { Logger } from '../../telemetry/log.ts';
import { createHeaderResolver, type ReadSecret } from '../checks/secret-headers.ts';
import type { EgressGuard } from '../checks/egress.ts';
import { OutboundFailure, sendOutbound } from '../outbound/request.ts';
import { DeliveryFailure } from '../../domain/release/delivery.ts';

export interface NotificationDeps {
  kube: KubeClients;
  log: Logger;
  readSecret: ReadSecret;
  /** Where a Release's own sinks may send (the checks' egress policy); operator-wide sinks are not held to it. */
  egress: EgressGuard;
  /** The operator's sinks (rollguard run --notifications). */
  operatorSinks: SinkTarget[];
}

export interface DeliveryInput {
  sink: SinkTarget;
  notification: Notification;
}

export interface UndeliveredInput extends DeliveryInput {
  reason: string;
  attempts: number;
}

const retryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

const permanent = (type: string, message: string): ApplicationFailure =>
  ApplicationFailure.create({ type, message, nonRetryable: true });

/** The URL's parts that identify it (the whole URL, and its path and query), to keep out of any message. */
function urlSecrets(url: string): string[] {
  try {
    const { pathname, search } = new URL(url);
    return [url, ...(pathname.length > 1 || search ? [`${pathname}${search}`] : [])];
  } catch {
    return [url];
  }
}

export function createNotificationActivities({ kube, log, readSecret, egress, operatorSinks }: NotificationDeps) {
  /**
   * Sends one notification to one sink: reads its Secrets, renders it in the sink's format and posts
   * it. Throws (and is retried by the workflow's policy) when the receiver does not accept it; the
   * error never carries the URL or a header's value, since it is recorded in history and an Event.
   */
  async function deliverNotification({ sink, notification }: DeliveryInput): Promise<{ status: number }> {
    const resolver = createHeaderResolver(readSecret);
    const url = await resolver.resolve([
      {
        name: 'url',
        secretKeyRef: { namespace: sink.secretNamespace, ...sink.urlFrom.secretKeyRef },
      },
    ]);
    if (!url.ok) {
      const message = `sink ${sink.name}: urlFrom: ${url.problem.replace(/^header url: /, '')}`;
      if (url.transient) throw new Error(message);
      throw permanent(DeliveryFailure.SinkMisconfigured, message);
    }
    const target = url.headers.url as string;
    const headers = await resolver.resolve(headerSources(sink.headers, sink.secretNamespace).headers ?? []);
    if (!headers.ok) {
      const message = `sink ${sink.name}: ${headers.problem}`;
      if (headers.transient) throw new Error(message);
      throw permanent(DeliveryFailure.SinkMisconfigured, message);
    }
    const secrets = [...urlSecrets(target), ...headers.secretValues];
    const rendered = renderNotification(sink.type, notification);
    let status: number;
    try {
      status = await sendOutbound({
        url: target,
        method: 'POST',
        headers: { ...headers.headers, ...rendered.headers },
        body: rendered.body,
        timeoutMs: parseDuration(sink.timeout),
        egress: sink.operator ? undefined : egress,
      });
    } catch (err) {
      const message = redact(`sink ${sink.name}: ${(err as Error).message}`, secrets);
      if (err instanceof OutboundFailure && err.permanent) throw permanent(DeliveryFailure.EgressRefused, message);
      // No cause on purpose: a failure's causes are recorded in history, and only this redacted message may be.
      // eslint-disable-next-line preserve-caught-error
      throw new Error(message);
    }
    if (status >= 200 && status < 300) return { status };
    const message = `sink ${sink.name}: the receiver answered ${status}`;
    if (retryableStatus(status)) throw new Error(message);
    throw permanent(DeliveryFailure.NotificationRefused, message);
  }

  /**
   * The dead-letter record of a notification its sink never accepted: a Warning Event on the Release
   * it is about (once, keyed by the notification and the sink) and a log line. The workflow's history
   * keeps it too. A notification about no Release (the cluster's findings, a failing inspection) has
   * only the log line and the history.
   */
  async function recordUndelivered({ sink, notification, reason, attempts }: UndeliveredInput): Promise<void> {
    const message =
      `notification ${notification.type} (id ${notification.id}) was not delivered to sink ${sink.name} ` +
      `after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`;
    const { release } = notification;
    log.warn('notification dead-lettered', {
      ...(release ? { release: `${release.namespace}/${release.name}` } : {}),
      sink: sink.name,
      id: notification.id,
      type: notification.type,
      reason,
    });
    if (!release) return;
    await recordReleaseEvent(kube, release, {
      type: 'Warning',
      reason: EventReason.NotificationUndelivered,
      message,
      action: EventAction.Notify,
      key: `undelivered/${notification.id}/${sink.name}`,
    });
  }

  /** The operator-wide sinks this worker was started with (references only: their Secrets are read when sending). */
  async function operatorNotificationSinks(): Promise<SinkTarget[]> {
    return operatorSinks;
  }

  return { deliverNotification, recordUndelivered, operatorNotificationSinks };
}
