import { WorkflowNotFoundError } from '@temporalio/client';
import { pauseSignal, resumeSignal } from '../../workflows/messages.ts';
import { NotFoundError } from '../errors.ts';
import { readRelease, workflowIdOf } from '../releases.ts';
import type { Session } from '../session.ts';

export interface PauseOptions {
  release: string;
  /** true for `pause`, false for `resume`. */
  paused: boolean;
}

/**
 * `rollguard pause|resume RELEASE`: a signal to the Release's workflow. Pausing holds the next
 * rollout (the one in flight finishes); resuming rolls out the newest spec if it is still waiting.
 */
export async function setPaused(options: PauseOptions, session: Session): Promise<number> {
  const release = await readRelease(session, options.release);
  const what = `${release.metadata.namespace}/${release.metadata.name}`;
  const { client } = await session.temporal();
  try {
    await client.workflow.getHandle(workflowIdOf(release)).signal(options.paused ? pauseSignal : resumeSignal);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new NotFoundError(
        `the workflow of ${what} is not running; is \`rollguard run\` (the controller) running?`,
        { cause: err },
      );
    }
    throw err;
  }
  const { out } = session;
  if (out.format !== 'text')
    out.data({ namespace: release.metadata.namespace, name: release.metadata.name, paused: options.paused });
  else if (options.paused)
    out.line(`paused ${what}: the next rollout waits until \`rollguard resume ${release.metadata.name}\``);
  else out.line(`resumed ${what}: a spec that was held is rolled out now`);
  return 0;
}
