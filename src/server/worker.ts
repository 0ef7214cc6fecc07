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
import { exportActivitySlots } from '../telemetry/metrics.ts';
import { activityLogContext } from './activity-log-context.ts';
import { ActivitySlots } from './activity-slots.ts';
import { defaultMaxConcurrentActivities, workflowTaskSlots, type WorkerTuning } from './tuning.ts';
import { preloadModules, prebuiltWorkflowBundle, workflowsPath } from './workflow-bundle.ts';
import { withWorkflowThreadHeap } from './workflow-thread-heap.ts';

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

/**
 * The SDK's Worker, entering workflow code without a per-call time limit. The SDK enters the workflow
 * code's V8 context several times per activation, each time with a 5 s limit, and Node enforces a
 * vm time limit with a watchdog thread it creates and joins on every call (nodejs/node#47739): on two
 * busy cores each entry waited about 1.3 ms for that thread against 12 µs without a limit, and the
 * workflow thread spent 51 of its 96 busy seconds there in a profile of 400 rollouts. The limit
 * only catches a synchronous endless loop in workflow code, which here is rollguard's own (no user
 * code runs in a workflow): such a bug would now hold the workflow thread, where the limit failed
 * that workflow's task alone; either way the workflow would not move on.
 */
export class ReleaseWorker extends Worker {
  protected static override async createWorkflowCreator(
    ...[bundle, compiledOptions, logger]: Parameters<(typeof Worker)['createWorkflowCreator']>
  ): ReturnType<(typeof Worker)['createWorkflowCreator']> {
    // `timeout: undefined` is Node's "no limit": no watchdog thread.
    const unlimited = { ...compiledOptions, isolateExecutionTimeoutMs: undefined as unknown as number };
    return await withWorkflowThreadHeap(() => super.createWorkflowCreator(bundle, unlimited, logger));
  }
}

/**
 * How long a workflow task waits on this worker's own (sticky) queue before Temporal hands it to the
 * shared queue: the SDK's 10 s timed out most of the tasks of a bulk update while the worker was only
 * busy, and each then went through the shared queue, behind every other task there, with its whole
 * history sent again (docs/benchmarks.md). A worker that dies still loses its workflows to the
 * others: Temporal sends a new task to the shared queue once nobody has polled the sticky queue for
 * 10 s; only a task already waiting there when it died waits out this timeout.
 */
export const stickyQueueTimeout = '60 seconds';

/** The Temporal worker that runs Release workflows and their activities. */
export async function createReleaseWorker(config: WorkerConfig): Promise<Worker> {
  const workflowBundle = config.workflowBundle ?? (await prebuiltWorkflowBundle(config.log));
  const activitySlots = new ActivitySlots(config.tuning?.maxConcurrentActivities ?? defaultMaxConcurrentActivities);
  exportActivitySlots(activitySlots);
  return await ReleaseWorker.create({
    connection: config.connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue ?? (await resolveTaskQueue(config.kube.core)).taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath, bundlerOptions: { preloadModules } }),
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
    tuner: {
      workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: workflowTaskSlots(config.tuning ?? {}) },
      activityTaskSlotSupplier: activitySlots,
      // The SDK's defaults, which a tuner must name.
      localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 100 },
      nexusTaskSlotSupplier: { type: 'fixed-size', numSlots: 100 },
    },
    ...(config.tuning?.maxCachedWorkflows !== undefined
      ? { maxCachedWorkflows: config.tuning.maxCachedWorkflows }
      : {}),
    stickyQueueScheduleToStartTimeout: stickyQueueTimeout,
    interceptors: { activity: [activityLogContext] },
  });
}
