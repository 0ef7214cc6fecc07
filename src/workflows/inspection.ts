import {
  ApplicationFailure,
  defineQuery,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { assembleReport, summarize } from '../domain/inspection/report.ts';
import { inspectionSettings } from '../domain/inspection/settings.ts';
import type {
  InspectionRequest,
  InspectionSummary,
  InspectionTarget,
  TargetReport,
} from '../domain/inspection/types.ts';
import { countFailedRun, failureReason, notifyFindings } from './inspection-notify.ts';

/** How far an inspection has got: Releases inspected of those in scope. */
export interface InspectionProgress {
  phase: 'Listing' | 'Inspecting' | 'Reporting' | 'Done';
  inspected: number;
  total: number;
}
export const inspectionProgressQuery = defineQuery<InspectionProgress>('progress');

const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' };

const short = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { ...retry, maximumAttempts: 5 } });

/** A batch heartbeats as each Release ends; its own Releases are retried inside it, so it is retried only a little. */
const batches = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { ...retry, maximumAttempts: 3 },
});

const chunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/**
 * One inspection of the Releases in scope and of the cluster: lists them, inspects them in batches
 * (one activity per batch, so the history grows with batches, not with Releases), writes the report
 * and returns its summary, then notifies who takes its findings. A failed run counts the runs in a
 * row that failed. A Temporal Schedule runs it periodically; `rollguard inspect run` now.
 */
export async function inspectionWorkflow(request: InspectionRequest = {}): Promise<InspectionSummary> {
  const checked = inspectionSettings(request.settings);
  if (!checked.ok)
    throw ApplicationFailure.nonRetryable(
      `invalid inspection settings: ${checked.problems.join('; ')}`,
      'InvalidInspectionSettings',
    );
  const { settings } = checked;
  const scope = request.scope ?? {};
  const id = workflowInfo().workflowId;
  const progress: InspectionProgress = { phase: 'Listing', inspected: 0, total: 0 };
  setHandler(inspectionProgressQuery, () => progress);
  const startedAt = new Date();
  try {
    const targets: InspectionTarget[] = await short.listInspectionTargets({ scope });
    Object.assign(progress, { phase: 'Inspecting', total: targets.length });
    const reports: TargetReport[] = [];
    for (const batch of chunks(targets, settings.batchSize)) {
      reports.push(...(await batches.inspectReleases({ targets: batch, settings })));
      progress.inspected += batch.length;
    }
    const cluster = await short.inspectCluster();
    progress.phase = 'Reporting';
    const report = assembleReport({
      id,
      schedule: request.schedule,
      scope,
      settings,
      startedAt,
      finishedAt: new Date(),
      targets: reports,
      cluster,
    });
    const location = await short.publishInspectionReport({ report });
    // Patched in: runs that began before inspections notified replay without it.
    if (patched('inspection-notifications')) await notifyFindings(report, location);
    progress.phase = 'Done';
    return summarize(report, location);
  } catch (err) {
    await short.recordFailedInspection({ id, reason: failureReason(err) }).catch(() => undefined);
    // Patched in, as above: a run that failed before replays its failure as it was.
    if (!isCancellation(err) && patched('inspection-failure-streak'))
      await countFailedRun(request, settings.failureThreshold, err).catch((e: unknown) =>
        log.warn('the failed runs in a row were not counted', { id, error: (e as Error).message }),
      );
    throw err;
  }
}
