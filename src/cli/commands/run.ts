import { once } from 'node:events';
import { createLogger, type LogLevel } from '../../telemetry/log.ts';
import { resolveTaskQueue } from '../../temporal/task-queue.ts';
import { UsageError } from '../errors.ts';
import { InvalidSettingError, startRollguard } from '../../server/rollguard.ts';
import { freeLoopbackAddress, installTemporalRuntime } from '../../server/temporal-runtime.ts';
import type { Session } from '../session.ts';
import type { ReportDestination } from '../../activities/inspection/publish.ts';
import type { WorkerTuning } from '../../server/tuning.ts';

export interface RunOptions {
  logLevel: LogLevel;
  controller: boolean;
  worker: boolean;
  metricsHost: string;
  /** 0 picks a free port (the log says which). */
  metricsPort: number;
  prometheusUrl?: string;
  watchNamespaces: string[];
  leaseNamespace?: string;
  /** The task queue the controller starts workflows on and the worker polls (default: $ROLLGUARD_TASK_QUEUE, else this cluster's). */
  taskQueue?: string;
  /** A file of operator-wide notification sinks (docs/notifications.md). */
  notifications?: string;
  /** Where the worker writes inspection reports. */
  inspectionReports?: ReportDestination;
  /** How much the worker takes on at once (the defaults when absent). */
  tuning?: WorkerTuning;
  /** How often the C allocator's free memory is given back to the system; 0 never. */
  allocatorTrimMs: number;
}

/**
 * `rollguard run`: the controller and the worker in one process until SIGTERM or SIGINT, then a
 * graceful stop: the controller first (no new messages), then the worker drains its tasks.
 */
export async function run(options: RunOptions, session: Session): Promise<number> {
  const log = createLogger({ component: 'rollguard' }, { level: options.logLevel });
  // Only a worker needs the SDK's native runtime (the controller's client is plain gRPC), and a runtime
  // that nothing shuts down keeps the process alive after SIGTERM. The worker's own metrics: served by
  // core on a loopback port, and by rollguard after its own.
  const temporalMetrics = options.worker ? await freeLoopbackAddress() : undefined;
  if (temporalMetrics) installTemporalRuntime(log, { metricsAddress: temporalMetrics });
  // Read once, so the controller and the worker of this process agree on it.
  const { taskQueue, from } = await resolveTaskQueue(session.kube().core, { flag: options.taskQueue });
  log.info('release workflows use task queue', { taskQueue, from });
  const { temporalAddress, temporalNamespace, temporalProfile } = session.connections;
  const rollguard = await startRollguard({
    kubeConfig: session.kubeConfig(),
    temporal: {
      ...(temporalAddress ? { address: temporalAddress } : {}),
      ...(temporalNamespace ? { namespace: temporalNamespace } : {}),
      ...(temporalProfile ? { profile: temporalProfile } : {}),
    },
    controller: options.controller,
    worker: options.worker,
    ...(options.prometheusUrl ? { prometheusUrl: options.prometheusUrl } : {}),
    watchNamespaces: options.watchNamespaces,
    ...(options.leaseNamespace ? { leaseNamespace: options.leaseNamespace } : {}),
    taskQueue,
    ...(options.notifications ? { notificationsFile: options.notifications } : {}),
    ...(options.inspectionReports ? { inspectionReports: options.inspectionReports } : {}),
    ...(options.tuning ? { tuning: options.tuning } : {}),
    allocatorTrimMs: options.allocatorTrimMs,
    metrics: {
      host: options.metricsHost,
      port: options.metricsPort,
      ...(temporalMetrics ? { temporalMetricsUrl: `http://${temporalMetrics}/metrics` } : {}),
    },
    log,
  }).catch((err: unknown) => {
    throw err instanceof InvalidSettingError ? new UsageError(err.message, { cause: err }) : err;
  });

  const abort = new AbortController();
  const signalled = Promise.race([
    once(process, 'SIGTERM', { signal: abort.signal }),
    once(process, 'SIGINT', { signal: abort.signal }),
  ]).then(([signal]) => signal as string);
  let exitCode = 0;
  try {
    const signal = await Promise.race([signalled, rollguard.failed]);
    log.info('stopping: the controller first, then the worker drains', { signal });
  } catch (err) {
    log.error('stopping: the worker failed', { error: err });
    exitCode = 1;
  } finally {
    abort.abort();
  }
  // A second signal while draining stops at once.
  const impatient = (): void => process.exit(130);
  process.once('SIGINT', impatient).once('SIGTERM', impatient);
  await rollguard.stop();
  process.off('SIGINT', impatient).off('SIGTERM', impatient);
  return exitCode;
}
