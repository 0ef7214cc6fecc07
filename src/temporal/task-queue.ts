import type { CoreV1Api } from '@kubernetes/client-node';
import { apiMessage } from '../kube/errors.ts';
import { clusterTaskQueue, taskQueueEnv } from '../domain/release/ref.ts';

export interface TaskQueueChoice {
  taskQueue: string;
  /** Where the name came from, for the start-up log. */
  from: 'flag' | typeof taskQueueEnv | 'cluster';
}

/**
 * The task queue the controller starts Release workflows on and the workers poll: the one named
 * (flag, then ROLLGUARD_TASK_QUEUE), else this cluster's, read once from its kube-system Namespace.
 */
export async function resolveTaskQueue(
  core: CoreV1Api,
  { flag, env = process.env }: { flag?: string | undefined; env?: NodeJS.ProcessEnv } = {},
): Promise<TaskQueueChoice> {
  if (flag?.trim()) return { taskQueue: flag.trim(), from: 'flag' };
  const named = env[taskQueueEnv]?.trim();
  if (named) return { taskQueue: named, from: taskQueueEnv };
  let uid: string | undefined;
  try {
    uid = (await core.readNamespace({ name: 'kube-system' })).metadata?.uid;
  } catch (err) {
    throw new Error(
      `cannot read the kube-system Namespace, whose uid names this cluster's task queue (${apiMessage(err)}); ` +
        `allow rollguard to get it (deploy/rbac does), or name the task queue with --task-queue or ${taskQueueEnv}`,
      { cause: err },
    );
  }
  if (!uid)
    throw new Error(
      `the kube-system Namespace has no uid to name this cluster's task queue; name one with --task-queue or ${taskQueueEnv}`,
    );
  return { taskQueue: clusterTaskQueue(uid), from: 'cluster' };
}
