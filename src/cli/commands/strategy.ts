import { userInfo } from 'node:os';
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { abortUpdate, promoteUpdate, retryUpdate } from '../../workflows/messages.ts';
import type { StrategyOutcome, StrategyRequest } from '../../domain/release/records.ts';
import { NotFoundError, RolloutError } from '../errors.ts';
import { readRelease, workflowIdOf } from '../releases.ts';
import type { Session } from '../session.ts';

export type StrategyVerb = 'promote' | 'abort' | 'retry';

export interface StrategyOptions {
  verb: StrategyVerb;
  release: string;
  /** promote: skip every remaining step. */
  full?: boolean;
  reason?: string;
  /** How long to wait for the workflow to take the request. */
  timeoutMs: number;
}

const updates = { promote: promoteUpdate, abort: abortUpdate, retry: retryUpdate } as const;

function whoAsks(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'someone';
  }
}

/**
 * `rollguard promote|abort|retry RELEASE`: the workflow's Update of that name, which refuses a request
 * with nothing to act on (no canary in flight, not paused, ...) before it enters history.
 */
export async function strategyRequest(options: StrategyOptions, session: Session): Promise<number> {
  const release = await readRelease(session, options.release);
  const what = `${release.metadata.namespace}/${release.metadata.name}`;
  const { client } = await session.temporal();
  const handle = client.workflow.getHandle(workflowIdOf(release));
  const request: StrategyRequest = {
    by: whoAsks(),
    ...(options.full ? { full: true } : {}),
    ...(options.reason ? { reason: options.reason } : {}),
  };
  let outcome: StrategyOutcome;
  try {
    outcome = await client.withDeadline(Date.now() + options.timeoutMs, () =>
      handle.executeUpdate(updates[options.verb], { args: [request] }),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError)
      throw new RolloutError(`${options.verb} of ${what} refused: ${err.cause?.message ?? err.message}`, {
        cause: err,
      });
    if (err instanceof WorkflowNotFoundError)
      throw new NotFoundError(
        `the workflow of ${what} is not running; is \`rollguard run\` (the controller) running?`,
        {
          cause: err,
        },
      );
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || /deadline/i.test((err as Error).message))
      throw new RolloutError(
        `the ${options.verb} of ${what} was not taken within ${options.timeoutMs / 1000}s (is a rollguard worker running?); it may still happen: watch with \`rollguard status ${release.metadata.name} --watch\``,
        { cause: err },
      );
    throw err;
  }
  const { out } = session;
  if (out.format !== 'text')
    out.data({ namespace: release.metadata.namespace, name: release.metadata.name, ...outcome });
  else {
    const where =
      outcome.state === 'Promoted'
        ? 'promoted'
        : outcome.state === 'Aborted'
          ? `aborted at step ${outcome.step}`
          : `now at step ${outcome.step}`;
    const line = `${options.verb}: ${what} revision ${outcome.revision} ${where}${outcome.message ? ` (${outcome.message})` : ''}`;
    out.line(outcome.state === 'Aborted' ? out.style.bad(line) : out.style.good(line));
  }
  return 0;
}
