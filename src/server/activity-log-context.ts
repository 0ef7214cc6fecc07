import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { withLogContext } from '../telemetry/log-context.ts';
import { releaseLogFields } from '../telemetry/release-log-fields.ts';

/**
 * Runs each activity with the Release, revision, workflow id and rollback id it works for as the
 * fields of every line it logs, so activities log through rollguard's logger without passing them.
 */
export const activityLogContext: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    execute: (input, next) =>
      withLogContext(
        {
          ...releaseLogFields({ workflowId: ctx.info.workflowExecution?.workflowId, input: input.args[0] }),
          activity: ctx.info.activityType,
        },
        () => next(input),
      ),
  },
});
