import type { NativeConnection } from '@temporalio/worker';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import type { EgressConfig } from '../activities/checks/egress.ts';
import { createActivities } from '../activities/index.ts';
import type { KubeClients } from '../kube/client.ts';
import type { Logger } from '../telemetry/log.ts';
import { resolveTaskQueue } from '../temporal/task-queue.ts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface WorkerConfig {
  connection: NativeConnection;
  namespace: string;
  kube: KubeClients;
  log: Logger;
  /** Default: this cluster's (see resolveTaskQueue), which the controller starts workflows on. */
  taskQueue?: string;
  /** The Prometheus that checks naming no address query. */
  defaultPrometheus?: string;
  /** Where checks may send requests besides the defaults (docs/check-egress.md); the kubeconfig's API server is always control plane. */
  checkEgress?: EgressConfig;
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
    taskQueue: config.taskQueue ?? (await resolveTaskQueue(config.kube.core)).taskQueue,
    ...(config.workflowBundle ? { workflowBundle: config.workflowBundle } : { workflowsPath }),
    activities: createActivities({
      kube: config.kube,
      log: config.log,
      ...(config.defaultPrometheus ? { defaultPrometheus: config.defaultPrometheus } : {}),
      ...(config.checkEgress ? { egress: config.checkEgress } : {}),
    }),
    maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities ?? 100,
  });
}
