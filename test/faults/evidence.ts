import type { Client } from '@temporalio/client';
import { releaseLabelValue } from '../../src/domain/release/names.ts';
import { releaseLabel } from '../../src/domain/release/ref.ts';
import { EventReason } from '../../src/domain/release/events.ts';
import type { FaultScenario, StoredRelease } from './scenario.ts';

import { activitiesRun, type HistoryEvent, retriedLocalActivities } from '../support/history.ts';

/** Every event of a workflow, across the runs continue-as-new chained, oldest first. */
export async function fullHistory(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const runs: HistoryEvent[][] = [];
  let runId: string | undefined;
  for (;;) {
    const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    runs.unshift(events);
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
    if (!runId) return runs.flat();
  }
}

/**
 * How often the workflow ran each activity, local ones included (a retry after a crash is the same
 * scheduling, attempt 2).
 */
export function scheduledActivities(history: HistoryEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of activitiesRun(history)) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** Activities whose last attempt was not the first: the ones a fault interrupted and Temporal ran again. */
export interface Retry {
  activity: string;
  /** The ActivityTaskScheduled event's id in the history. */
  scheduledEventId: number;
  attempt: number;
}

export function retriedActivities(history: HistoryEvent[]): Retry[] {
  const typeOf = new Map<string, string>();
  for (const event of history) {
    const type = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (type) typeOf.set(String(event.eventId), type);
  }
  return history
    .flatMap((event) => {
      const started = event.activityTaskStartedEventAttributes;
      if (!started || (started.attempt ?? 1) <= 1) return [];
      const scheduledEventId = Number(started.scheduledEventId);
      return [
        { activity: typeOf.get(String(scheduledEventId)) ?? '?', scheduledEventId, attempt: started.attempt ?? 1 },
      ];
    })
    .concat(retriedLocalActivities(history).map((r) => ({ ...r, scheduledEventId: 0 })));
}

export interface Evidence {
  /** The revision numbers of the Release's ControllerRevisions. */
  revisions: number[];
  /** The Deployment's metadata.generation: one per applied change of its spec. */
  generation: number | undefined;
  scheduled: Record<string, number>;
  retried: Retry[];
  /** Events recorded more than once: the same reason and message twice. */
  duplicateEvents: string[];
  events: { reason: string; note: string }[];
}

/** What a user would look at after the fault: the cluster's objects, the Release's Events, the workflow's history. */
export async function gatherEvidence(scenario: FaultScenario, release: StoredRelease): Promise<Evidence> {
  const { namespace, clients } = scenario;
  const name = release.metadata.name;
  const [revisions, deployment, events, history] = await Promise.all([
    clients.apps.listNamespacedControllerRevision({
      namespace,
      labelSelector: `${releaseLabel}=${releaseLabelValue(name)}`,
    }),
    clients.apps.readNamespacedDeployment({ name, namespace }),
    clients.events.listNamespacedEvent({ namespace }),
    scenario.client().then((client) => fullHistory(client, scenario.workflowId(release))),
  ]);
  const mine = events.items
    .filter((e) => e.regarding?.name === name && e.regarding.uid === release.metadata.uid)
    .map((e) => ({ reason: e.reason ?? '', note: e.note ?? '' }));
  const seen = new Map<string, number>();
  for (const e of mine) seen.set(`${e.reason}: ${e.note}`, (seen.get(`${e.reason}: ${e.note}`) ?? 0) + 1);
  return {
    revisions: revisions.items.map((r) => r.revision).sort((a, b) => a - b),
    generation: deployment.metadata?.generation,
    scheduled: scheduledActivities(history),
    retried: retriedActivities(history),
    duplicateEvents: [...seen].filter(([, count]) => count > 1).map(([key, count]) => `${count}× ${key}`),
    events: mine,
  };
}

/** The Events of one rollback, by its id: the one that starts it and the one that ends it. */
export function rollbackEvents(
  evidence: Evidence,
  id: string,
): { started: number; finished: number; automatic: string[] } {
  const automatic = evidence.events.filter((e) => e.reason === EventReason.AutomaticRollback).map((e) => e.note);
  return {
    started: automatic.filter((note) => note.startsWith(`rollback ${id}:`)).length,
    finished: automatic.filter((note) => note.startsWith(`rollback ${id} (Automatic)`)).length,
    automatic,
  };
}

/** A line for the table: what the cluster and the history show. */
export function describeEvidence(e: Evidence): string {
  const s = e.scheduled;
  const parts = [
    `revisions ${e.revisions.join(',')}`,
    `generation ${e.generation}`,
    `applyRevision ×${s.applyRevision ?? 0}`,
    `snapshotRevision ×${s.snapshotRevision ?? 0}`,
    `duplicate Events ${e.duplicateEvents.length}`,
  ];
  if (e.retried.length > 0)
    parts.push(`retried: ${e.retried.map((r) => `${r.activity} (attempt ${r.attempt})`).join(', ')}`);
  return parts.join('; ');
}
