import type { NativeConnection} from '@temporalio/worker';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities } from '../../activities/index.ts';
import type { KubeClients } from '../kube/client.ts';
import type { Logger } from '../log.ts';
import { taskQueue as defaultTaskQueue } from '../release/ref.ts';

export const workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

export interface WorkerConfig {
  connection: NativeConnection;
  namespace: string;
  kube: KubeClients;
  log: Logger;
  taskQueue?: string;
  /** The Prometheus that checks naming no address query. */
  defaultPrometheus?: string;
  /** A prebuilt workflow bundle (tests build one and share it); built from workflowsPath when absent. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** How many activities (probes, rollout waits) one worker runs at once. */
  maxConcurrentActivities?: number;
}

/** The Temporal worker that runs Release workflows and their activities. */
export async function createReleaseWorker(config: WorkerConfig): Promise<Worker> {
  return await Worker.create({
    connection: config.connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue ?? defaultTaskQueue,
    ...(config.workflowBundle ? { workflowBundle: config.workflowBundle } : { workflowsPath }),
    activities: createActivities({
      kube: config.kube,
      log: config.log,
      ...(config.defaultPrometheus ? { defaultPrometheus: config.defaultPrometheus } : {}),
    }),
    maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities ?? 100,
  });
}
