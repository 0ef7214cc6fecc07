/**
 * How much one worker takes on at once (`rollguard run --max-cached-workflows`,
 * `--max-concurrent-activities`, `--max-concurrent-workflow-tasks`).
 */
export interface WorkerTuning {
  /** Workflows kept in memory between tasks; the SDK derives its default from the heap size. */
  maxCachedWorkflows?: number;
  /** Activities run at once (defaultMaxConcurrentActivities when absent). */
  maxConcurrentActivities?: number;
  /** Workflow tasks open at once (defaultMaxConcurrentWorkflowTasks when absent, never above maxCachedWorkflows). */
  maxConcurrentWorkflowTasks?: number;
}

/**
 * The default of maxConcurrentActivities. Every Release rolling out, or in its analysis window, holds
 * an activity slot while it waits for its Deployment or its checks, and a wait without a slot has not
 * started (its deadline counts only the time it watched). With 1,000 slots and 500 Releases rolling
 * out, no wait queued for a slot (p95 0.1 s, against 32 s with 100), but a rollback under that load
 * was no sooner, and the worker peaked 143 MiB higher: the rollback's time went to the workflow task
 * queue, which an armed rollback no longer waits for (docs/benchmarks.md, "Rollback overhead"); with
 * 100 slots and 500 Releases rolling out, its waits queued for a slot p95 6 s.
 */
export const defaultMaxConcurrentActivities = 100;

/**
 * The default of maxConcurrentWorkflowTasks: the SDK's. A workflow task stays open while the short
 * Kubernetes steps it runs as local activities wait for the API server; more open tasks did not make
 * a loaded worker faster on two cores (docs/benchmarks.md).
 */
export const defaultMaxConcurrentWorkflowTasks = 40;

/** The workflow task slots a worker of this tuning opens: the SDK allows no more than the workflows it caches. */
export function workflowTaskSlots({ maxConcurrentWorkflowTasks, maxCachedWorkflows }: WorkerTuning): number {
  const slots = maxConcurrentWorkflowTasks ?? defaultMaxConcurrentWorkflowTasks;
  return maxCachedWorkflows === undefined ? slots : Math.max(2, Math.min(slots, maxCachedWorkflows));
}
