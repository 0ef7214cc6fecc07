/**
 * How much one worker takes on at once (`rollguard run --max-cached-workflows`,
 * `--max-concurrent-activities`, `--max-concurrent-workflow-tasks`).
 */
export interface WorkerTuning {
  /** Workflows kept in memory between tasks; the SDK derives its default from the heap size. */
  maxCachedWorkflows?: number;
  /** Activities that do work run at once, waits aside (defaultMaxConcurrentActivities when absent; ActivitySlots). */
  maxConcurrentActivities?: number;
  /** Workflow tasks open at once (defaultMaxConcurrentWorkflowTasks when absent, never above maxCachedWorkflows). */
  maxConcurrentWorkflowTasks?: number;
}

/**
 * The default of maxConcurrentActivities: activities that do work at once (an analysis probing its
 * targets, a hook's request). The waits for a rollout or a readiness window run beside them without a
 * limit (ActivitySlots): every Release rolling out holds one, and they cost a look at the shared
 * Deployment watch every half second.
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
