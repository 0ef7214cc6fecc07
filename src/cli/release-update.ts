import { userInfo } from 'node:os';
import {
  type Client,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { NotFoundError, RolloutError } from './errors.ts';
import { workflowIdOf } from './releases.ts';
import type { Release } from '../domain/api/index.ts';

/** Who runs the CLI, for the requests it sends: recorded in the workflow's history and the Event. */
export function whoAsks(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'someone';
  }
}

/**
 * Sends one of a Release workflow's Updates and waits for its answer, within `timeoutMs`; the
 * workflow's refusal, a workflow that is not running and a timeout each become the CLI's error with
 * its exit code. `verb` names the request in those messages ("rollback", "promote", ...).
 */
export async function updateRelease<Result, Request>(
  client: Client,
  release: Release,
  update: UpdateDefinition<Result, [Request]>,
  request: Request,
  { verb, timeoutMs }: { verb: string; timeoutMs: number },
): Promise<Result> {
  const what = `${release.metadata.namespace}/${release.metadata.name}`;
  const handle = client.workflow.getHandle(workflowIdOf(release));
  try {
    return await client.withDeadline(Date.now() + timeoutMs, () => handle.executeUpdate(update, { args: [request] }));
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError)
      throw new RolloutError(`${verb} of ${what} refused: ${err.cause?.message ?? err.message}`, { cause: err });
    if (err instanceof WorkflowNotFoundError)
      throw new NotFoundError(
        `the workflow of ${what} is not running; is \`rollguard run\` (the controller) running?`,
        {
          cause: err,
        },
      );
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || /deadline/i.test((err as Error).message))
      throw new RolloutError(
        `the ${verb} of ${what} did not finish within ${timeoutMs / 1000}s (is a rollguard worker running?); it may still happen: watch with \`rollguard status ${release.metadata.name} --watch\``,
        { cause: err },
      );
    throw err;
  }
}
