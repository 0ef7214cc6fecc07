import type { WorkflowHandle } from '@temporalio/client';

export type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/** What a local activity's marker records: its type and attempt, among others (field names as core writes them). */
interface LocalActivityMarker {
  activity_type?: string;
  activityType?: string;
  attempt?: number;
}

function localActivity(event: HistoryEvent): LocalActivityMarker | undefined {
  const marker = event.markerRecordedEventAttributes;
  if (marker?.markerName !== 'core_local_activity') return undefined;
  const data = marker.details?.data?.payloads?.[0]?.data;
  if (!data) return undefined;
  return JSON.parse(new TextDecoder().decode(data)) as LocalActivityMarker;
}

/**
 * The activities a workflow ran, in order: each activity it scheduled (a retry is the same
 * scheduling), and each local activity that completed (its marker).
 */
export function activitiesRun(history: HistoryEvent[]): string[] {
  return history.flatMap((event) => {
    const scheduled = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) return [scheduled];
    const local = localActivity(event);
    const type = local?.activity_type ?? local?.activityType;
    return type ? [type] : [];
  });
}

/** Local activities that needed more than one attempt, with the attempt that succeeded. */
export function retriedLocalActivities(history: HistoryEvent[]): { activity: string; attempt: number }[] {
  return history.flatMap((event) => {
    const local = localActivity(event);
    const attempt = local?.attempt ?? 1;
    return local && attempt > 1 ? [{ activity: local.activity_type ?? local.activityType ?? '?', attempt }] : [];
  });
}
