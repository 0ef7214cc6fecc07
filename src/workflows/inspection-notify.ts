import { ActivityFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import {
  inspectionFailingNotification,
  inspectionFailureStreak,
  inspectionNotifications,
} from '../domain/inspection/notifications.ts';
import type { InspectionReport, InspectionRequest, ReportLocation } from '../domain/inspection/types.ts';
import { startNotification } from './notify.ts';

/** The search attribute Temporal sets on a run a Schedule started: the Schedule's id. */
const scheduledBy = 'TemporalScheduledById';

const reads = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

/**
 * Sends an InspectionFinding per Release with findings that someone takes (its own sinks or the
 * operator's), and one of the cluster's findings to the operator's sinks, each delivered by its own
 * child workflow as a Release's notifications are. All are started at once; only the starts are awaited.
 */
export async function notifyFindings(report: InspectionReport, location: ReportLocation): Promise<void> {
  const about = report.targets.filter((t) => t.findings.length > 0);
  if (about.length === 0 && report.cluster.findings.length === 0) return;
  const recipients = await reads.inspectionRecipients({
    targets: about.map(({ namespace, name }) => ({ namespace, name })),
  });
  const addressed = inspectionNotifications(report, location, recipients, workflowInfo().runId);
  await Promise.all(addressed.map(({ notification, sinks }) => startNotification(notification, sinks)));
}

/** Why an inspection failed, in the words of what failed: an activity's own error, not "Activity task failed". */
export function failureReason(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

/** The Schedule that started this run, as Temporal records it (a run started by hand has none). */
function scheduleOf(): string | undefined {
  const value = workflowInfo().searchAttributes?.[scheduledBy];
  const id: unknown = Array.isArray(value) ? value[0] : value;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/**
 * After a scheduled run failed: counts the Schedule's runs that failed in a row, this one included,
 * and tells the operator's sinks when the count reaches the threshold (once per streak: the next
 * failure counts past it). A run started by hand counts nothing.
 */
export async function countFailedRun(request: InspectionRequest, threshold: number, err: unknown): Promise<void> {
  const scheduleId = scheduleOf();
  if (!request.schedule || !scheduleId) return;
  const info = workflowInfo();
  const earlier = await reads.earlierInspectionRuns({ scheduleId, workflowId: info.workflowId });
  const failuresInARow = inspectionFailureStreak(earlier);
  if (failuresInARow !== threshold) return;
  const notification = inspectionFailingNotification(
    { id: info.workflowId, schedule: request.schedule },
    { run: info.runId, failuresInARow, reason: failureReason(err), time: new Date().toISOString() },
  );
  await startNotification(notification, []);
}
