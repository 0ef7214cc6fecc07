/** How much one worker takes on at once (`rollguard run --max-cached-workflows`, `--max-concurrent-activities`). */
export interface WorkerTuning {
  /** Workflows kept in memory between tasks; the SDK derives its default from the heap size. */
  maxCachedWorkflows?: number;
  /** Activities run at once (defaultMaxConcurrentActivities when absent). */
  maxConcurrentActivities?: number;
}

/**
 * The default of maxConcurrentActivities. Every Release rolling out, or in its analysis window, holds an activity slot while it waits for its
 * Deployment or its checks; a Release whose wait has no slot yet is not watched, so its deadline
 * starts late, and a broken revision is rolled back late. A wait costs a timer and a few kilobytes,
 * not a thread: the default is as many as the Releases a worker rolls out at once (docs/operations.md).
 */
export const defaultMaxConcurrentActivities = 1000;
