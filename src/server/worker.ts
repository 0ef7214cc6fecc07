import type { NativeConnection } from '@temporalio/worker';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import type { EgressConfig } from '../activities/checks/egress.ts';
import { createActivities } from '../activities/index.ts';
import type { ReportDestination } from '../activities/inspection/publish.ts';
import type { KubeClients } from '../kube/client.ts';
import type { SinkTarget } from '../domain/release/notifications.ts';
import type { DeploymentCache } from '../kube/deployment-cache.ts';
import type { ReleaseSelectors } from '../kube/release-selectors.ts';
import type { Logger } from '../telemetry/log.ts';
import { resolveTaskQueue } from '../temporal/task-queue.ts';
import { activityLogContext } from './activity-log-context.ts';
import { defaultMaxConcurrentActivities, workflowTaskSlots, type WorkerTuning } from './tuning.ts';
import { prebuiltWorkflowBundle, workflowsPath } from './workflow-bundle.ts';

export interface WorkerConfig {
  connection: NativeConnection;
  namespace: string;
  kube: KubeClients;
  log: Logger;
  /** A watch of rollguard's Deployments shared by all rollouts (watchDeployments); without one they poll. */
  deployments?: DeploymentCache | undefined;
  /** A watch of every Release's selector (watchReleaseSelectors); without one the admission check lists. */
  selectors?: ReleaseSelectors | undefined;
  /** Default: this cluster's (see resolveTaskQueue), which the controller starts workflows on. */
  taskQueue?: string;
  /** The Prometheus that checks naming no address query. */
  defaultPrometheus?: string;
  /** Where checks may send requests besides the defaults (docs/check-egress.md); the kubeconfig's API server is always control plane. */
  checkEgress?: EgressConfig;
  /**
   * A workflow bundle (tests build one and share it). Without one: `npm run build`'s, when it is of
   * these sources; otherwise bundled from workflowsPath at start.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Sinks every Release's notifications go to (rollguard run --notifications). */
  operatorSinks?: SinkTarget[];
  /** Where this worker writes inspection reports (docs/inspections.md). */
  inspectionReports?: ReportDestination | undefined;
  tuning?: WorkerTuning | undefined;
}

/** The Temporal worker that runs Release workflows and their activities. */
export async function createReleaseWorker(config: WorkerConfig): Promise<Worker> {
  const workflowBundle = config.workflowBundle ?? (await prebuiltWorkflowBundle(config.log));
  return await Worker.create({
    connection: config.connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue ?? (await resolveTaskQueue(config.kube.core)).taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
    activities: createActivities({
      kube: config.kube,
      log: config.log,
      deployments: config.deployments,
      selectors: config.selectors,
      ...(config.defaultPrometheus ? { defaultPrometheus: config.defaultPrometheus } : {}),
      ...(config.checkEgress ? { egress: config.checkEgress } : {}),
      ...(config.operatorSinks ? { operatorSinks: config.operatorSinks } : {}),
      ...(config.inspectionReports ? { inspectionReports: config.inspectionReports } : {}),
    }),
    maxConcurrentActivityTaskExecutions: config.tuning?.maxConcurrentActivities ?? defaultMaxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: workflowTaskSlots(config.tuning ?? {}),
    ...(config.tuning?.maxCachedWorkflows !== undefined
      ? { maxCachedWorkflows: config.tuning.maxCachedWorkflows }
      : {}),
    interceptors: { activity: [activityLogContext] },
  });
}
