import type { KubeConfig } from '@kubernetes/client-node';
import type { Worker } from '@temporalio/worker';
import type { ReportDestination } from '../activities/inspection/publish.ts';
import { startController, type RunningController } from '../controller/index.ts';
import { parseAllowList } from '../domain/health/egress.ts';
import { kubeClients } from '../kube/client.ts';
import { watchDeployments, type DeploymentCache } from '../kube/deployment-cache.ts';
import { watchReleaseSelectors, type ReleaseSelectors } from '../kube/release-selectors.ts';
import { releaseLabel } from '../domain/release/ref.ts';
import type { Logger } from '../telemetry/log.ts';
import { connectTemporal, type TemporalConnection, type TemporalOptions } from '../temporal/client.ts';
import { createReleaseWorker } from './worker.ts';
import { readOperatorSinks } from './notification-settings.ts';
import { startMetricsServer, type MetricsServer } from './metrics-server.ts';
import { connectWorkerTemporal } from './temporal-runtime.ts';
import { startAllocatorTrim, type AllocatorTrim } from './allocator-trim.ts';
import type { WorkerTuning } from './tuning.ts';

/** A setting rollguard cannot start with (the message names it); the CLI reports it as a usage error. */
export class InvalidSettingError extends Error {
  override name = 'InvalidSettingError';
}

export interface RollguardOptions {
  kubeConfig: KubeConfig;
  temporal: TemporalOptions;
  /** Run the controller (watches Releases, messages their workflows). */
  controller: boolean;
  /** Run the worker (the workflows and their activities). */
  worker: boolean;
  /** The Prometheus that checks naming no address query. */
  prometheusUrl?: string;
  /**
   * Where checks may send requests besides the Release's pods and in-cluster Services
   * (docs/check-egress.md); default $ROLLGUARD_CHECK_ALLOW. The cluster domain defaults to
   * $ROLLGUARD_CLUSTER_DOMAIN, else cluster.local.
   */
  checkAllow?: string;
  clusterDomain?: string;
  /** Namespaces whose Releases the controller serves; all when empty. */
  watchNamespaces: string[];
  leaseNamespace?: string;
  /** The task queue the controller starts workflows on and the worker polls (default rollguard). */
  taskQueue?: string;
  /** Operator-wide notification sinks, a YAML file (docs/notifications.md). */
  notificationsFile?: string;
  /** Where the worker writes inspection reports (a directory, a ConfigMap). */
  inspectionReports?: ReportDestination;
  /** How much the worker takes on at once. */
  tuning?: WorkerTuning;
  /** How often the C allocator's free memory is given back to the system (default 30 s; 0 never). */
  allocatorTrimMs?: number;
  /**
   * Where /metrics and /healthz listen; no server when absent. `temporalMetricsUrl`: where the
   * Temporal runtime serves the worker's metrics, which /metrics then serves too.
   */
  metrics?: { host: string; port: number; temporalMetricsUrl?: string };
  log: Logger;
}

export interface RunningRollguard {
  metricsUrl?: string;
  /** Rejects when the worker fails on its own: the process should exit. */
  failed: Promise<never>;
  /** Stops the controller first (no new messages), then drains the worker, then the metrics server. */
  stop(): Promise<void>;
}

/** The controller and the worker in one process, as `rollguard run` and `rollguard demo` run them. */
export async function startRollguard(options: RollguardOptions): Promise<RunningRollguard> {
  const { log } = options;
  const checkAllow = options.checkAllow ?? process.env.ROLLGUARD_CHECK_ALLOW;
  const clusterDomain = options.clusterDomain ?? process.env.ROLLGUARD_CLUSTER_DOMAIN;
  try {
    parseAllowList(checkAllow); // a typo stops rollguard here, before it opens or closes more than meant
  } catch (err) {
    throw new InvalidSettingError((err as Error).message, { cause: err });
  }
  const operatorSinks = options.notificationsFile
    ? await readOperatorSinks(options.notificationsFile).catch((err: unknown) => {
        throw new InvalidSettingError((err as Error).message, { cause: err });
      })
    : [];
  let temporal: TemporalConnection | undefined;
  let controller: RunningController | undefined;
  let worker: Worker | undefined;
  let workerRun: Promise<void> = Promise.resolve();
  let metrics: MetricsServer | undefined;
  let workerClosed: (() => Promise<void>) | undefined;
  let deployments: DeploymentCache | undefined;
  let selectors: ReleaseSelectors | undefined;
  let trim: AllocatorTrim | undefined;

  const stop = async (): Promise<void> => {
    trim?.stop();
    await controller?.stop();
    if (worker && worker.getState() === 'RUNNING') worker.shutdown();
    await workerRun.catch(() => undefined);
    await workerClosed?.();
    await deployments?.stop();
    await selectors?.stop();
    await temporal?.connection.close();
    await metrics?.close();
    log.info('rollguard stopped');
  };

  try {
    if (options.allocatorTrimMs !== 0) {
      trim = await startAllocatorTrim({
        log,
        ...(options.allocatorTrimMs ? { everyMs: options.allocatorTrimMs } : {}),
      });
    }
    if (options.worker) {
      const { connection, namespace, address } = await connectWorkerTemporal(options.temporal);
      workerClosed = () => connection.close();
      const kube = kubeClients(options.kubeConfig);
      [deployments, selectors] = await Promise.all([
        watchDeployments(kube, { label: releaseLabel, log, namespaces: options.watchNamespaces }),
        watchReleaseSelectors(kube, { log, namespaces: options.watchNamespaces }),
      ]);
      worker = await createReleaseWorker({
        connection,
        namespace,
        kube,
        deployments,
        selectors,
        log,
        ...(options.prometheusUrl ? { defaultPrometheus: options.prometheusUrl } : {}),
        ...(options.taskQueue ? { taskQueue: options.taskQueue } : {}),
        operatorSinks,
        ...(options.inspectionReports ? { inspectionReports: options.inspectionReports } : {}),
        tuning: options.tuning,
        // Temporal is control plane too: a check must not reach it unless the operator names it.
        checkEgress: {
          controlPlane: [address],
          ...(checkAllow ? { allow: checkAllow } : {}),
          ...(clusterDomain ? { clusterDomain } : {}),
        },
      });
      workerRun = worker.run();
      log.info('worker started', {
        namespace,
        taskQueue: worker.options.taskQueue,
        prometheus: options.prometheusUrl ?? null,
        checkAllow: checkAllow ?? null,
        notificationSinks: operatorSinks.map((s) => s.name),
      });
    }
    if (options.controller) {
      temporal = await connectTemporal(options.temporal);
      controller = await startController({
        kubeConfig: options.kubeConfig,
        temporal: temporal.client,
        log,
        ...(options.watchNamespaces.length > 0 ? { namespaces: options.watchNamespaces } : {}),
        ...(options.leaseNamespace ? { leaseNamespace: options.leaseNamespace } : {}),
        ...(options.taskQueue ? { taskQueue: options.taskQueue } : {}),
      });
      log.info('controller started', {
        identity: controller.identity,
        namespaces: options.watchNamespaces.length > 0 ? options.watchNamespaces : 'all',
      });
    }
    if (options.metrics) {
      const w = worker;
      const c = controller;
      metrics = await startMetricsServer({
        ...options.metrics,
        health: {
          healthy: () => (!w || w.getState() === 'RUNNING') && (!options.controller || c !== undefined),
          report: () => ({
            ...(w ? { worker: w.getState() } : {}),
            ...(c ? { controller: c.isLeader() ? 'active' : 'standby' } : {}),
          }),
        },
      });
      log.info('serving /metrics and /healthz', { url: metrics.url });
    }
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }

  const failed = workerRun.then(
    () => new Promise<never>(() => undefined), // a worker that ends without failing was shut down: nothing to report
    (err: unknown) => Promise.reject(new Error(`the worker failed: ${(err as Error).message}`, { cause: err })),
  );
  failed.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
  return { ...(metrics ? { metricsUrl: metrics.url } : {}), failed, stop };
}
