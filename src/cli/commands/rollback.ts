import { userInfo } from 'node:os';
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { rollbackUpdate } from '../../workflows/messages.ts';
import type { RollbackOutcome } from '../../domain/release/records.ts';
import { NotFoundError, RolloutError } from '../errors.ts';
import { readRelease, workflowIdOf } from '../releases.ts';
import type { Session } from '../session.ts';

export interface RollbackOptions {
  release: string;
  /** A kept revision; the previous stable revision when absent. */
  toRevision?: number;
  reason?: string;
  /** How long to wait for the workflow to finish the rollback. */
  timeoutMs: number;
}

function whoAsks(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'someone';
  }
}

/** `rollguard rollback RELEASE`: the workflow's rollback Update, which refuses an unknown revision before it enters history. */
export async function rollback(options: RollbackOptions, session: Session): Promise<number> {
  const release = await readRelease(session, options.release);
  const what = `${release.metadata.namespace}/${release.metadata.name}`;
  const { client } = await session.temporal();
  const handle = client.workflow.getHandle(workflowIdOf(release));
  const request = {
    ...(options.toRevision !== undefined ? { toRevision: options.toRevision } : {}),
    reason: options.reason ?? `requested by ${whoAsks()} with rollguard rollback`,
    trigger: 'Update' as const,
  };
  let outcome: RollbackOutcome;
  try {
    outcome = await client.withDeadline(Date.now() + options.timeoutMs, () =>
      handle.executeUpdate(rollbackUpdate, { args: [request] }),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      throw new RolloutError(`rollback of ${what} refused: ${err.cause?.message ?? err.message}`, { cause: err });
    }
    if (err instanceof WorkflowNotFoundError) {
      throw new NotFoundError(
        `the workflow of ${what} is not running; is \`rollguard run\` (the controller) running?`,
        { cause: err },
      );
    }
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || /deadline/i.test((err as Error).message)) {
      throw new RolloutError(
        `the rollback of ${what} did not finish within ${options.timeoutMs / 1000}s (is a rollguard worker running?); it may still happen: watch with \`rollguard status ${release.metadata.name} --watch\``,
        { cause: err },
      );
    }
    throw err;
  }

  const { out } = session;
  if (out.format !== 'text')
    out.data({ namespace: release.metadata.namespace, name: release.metadata.name, ...outcome });
  else {
    const from = outcome.from !== undefined ? `revision ${outcome.from} → ${outcome.to}` : `revision ${outcome.to}`;
    const line = `rolled back ${what}: ${from} (rollback ${outcome.rollbackId}); phase ${outcome.phase}`;
    out.line(outcome.phase === 'Ready' ? out.style.good(line) : out.style.bad(line));
  }
  if (outcome.phase !== 'Ready') {
    throw new RolloutError(
      `rollback ${outcome.rollbackId} of ${what} to revision ${outcome.to} did not complete (phase ${outcome.phase}); see \`rollguard status ${release.metadata.name}\``,
    );
  }
  return 0;
}
