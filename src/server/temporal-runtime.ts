import { createServer, type AddressInfo } from 'node:net';
import type { LogLevel as TemporalLogLevel, LogMetadata } from '@temporalio/common';
import { NativeConnection, Runtime } from '@temporalio/worker';
import type { Logger } from '../telemetry/log.ts';
import { releaseLogFields } from '../telemetry/release-log-fields.ts';
import { resolveTemporalConfig, TemporalConnectError, type TemporalOptions } from '../temporal/client.ts';

/**
 * The Temporal SDK's process-wide runtime, logging through rollguard's one logger (core's logs forwarded
 * too) and without its own signal handlers: `rollguard run` shuts the worker down itself, after the controller.
 * With `metricsAddress` (host:port), core serves the worker's own metrics (temporal_*: task slots, poll
 * and schedule-to-start latencies, sticky cache) there in Prometheus' format, which rollguard's /metrics
 * then serves after its own.
 */
export function installTemporalRuntime(log: Logger, { metricsAddress }: { metricsAddress?: string } = {}): void {
  const sdk = log.child({ component: 'temporal-sdk' });
  const emit = (level: TemporalLogLevel, message: string, meta?: LogMetadata): void => {
    // Workflow and activity lines carry the workflow id: name the Release it is for, as our own lines do.
    const workflowId = typeof meta?.workflowId === 'string' ? meta.workflowId : undefined;
    const fields = { ...meta, ...releaseLogFields({ workflowId }) };
    if (level === 'ERROR') sdk.error(message, fields);
    else if (level === 'WARN') sdk.warn(message, fields);
    else if (level === 'INFO') sdk.info(message, fields);
    else sdk.debug(message, fields);
  };
  Runtime.install({
    logger: {
      log: emit,
      trace: (message, meta) => emit('TRACE', message, meta),
      debug: (message, meta) => emit('DEBUG', message, meta),
      info: (message, meta) => emit('INFO', message, meta),
      warn: (message, meta) => emit('WARN', message, meta),
      error: (message, meta) => emit('ERROR', message, meta),
    },
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(metricsAddress
        ? {
            metrics: {
              metricPrefix: 'temporal_',
              prometheus: {
                bindAddress: metricsAddress,
                useSecondsForDurations: true,
                countersTotalSuffix: true,
                unitSuffix: true,
              },
            },
          }
        : {}),
    },
    shutdownSignals: [],
  });
}

/** The worker's connection, configured exactly as the client's (src/temporal/client.ts). */
export async function connectWorkerTemporal(
  options: TemporalOptions,
): Promise<{ connection: NativeConnection; namespace: string; address: string }> {
  const { connectionOptions, namespace } = resolveTemporalConfig(options);
  const { address = 'localhost:7233', tls, apiKey, metadata } = connectionOptions;
  try {
    const connection = await NativeConnection.connect({
      address,
      ...(tls !== undefined ? { tls } : {}),
      ...(typeof apiKey === 'string' ? { apiKey } : {}),
      ...(metadata !== undefined ? { metadata } : {}),
    });
    return { connection, namespace, address };
  } catch (err) {
    throw new TemporalConnectError(
      `the worker cannot connect to Temporal at ${address} (namespace "${namespace}"): ${(err as Error).message.split('\n')[0]}. ` +
        'Set TEMPORAL_ADDRESS (or a profile in the Temporal configuration file) to a running Temporal server.',
      address,
      err,
    );
  }
}

/** A free loopback port for the worker's metrics: only rollguard's own /metrics reads them. */
export async function freeLoopbackAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}
