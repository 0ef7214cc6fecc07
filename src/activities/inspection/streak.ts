import { Context } from '@temporalio/activity';

/**
 * How the earlier runs of an inspection's Schedule ended, newest first (at most the 10 the Schedule
 * remembers), this run left out. Read from Temporal with the worker's client.
 */
async function earlierInspectionRuns({
  scheduleId,
  workflowId,
}: {
  scheduleId: string;
  workflowId: string;
}): Promise<string[]> {
  const { client } = Context.current();
  const { info } = await client.schedule.getHandle(scheduleId).describe();
  const earlier = info.recentActions
    .filter((a) => a.action.workflow.workflowId !== workflowId)
    .sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
  return Promise.all(
    earlier.map(
      async ({ action }) =>
        (await client.workflow.getHandle(action.workflow.workflowId, action.workflow.firstExecutionRunId).describe())
          .status.name,
    ),
  );
}

export const createStreakActivities = () => ({ earlierInspectionRuns });
