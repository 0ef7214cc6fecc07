import type { LogLevel as TemporalLogLevel, LogMetadata } from '@temporalio/common';
import { NativeConnection, Runtime } from '@temporalio/worker';
import type { Logger } from '../telemetry/log.ts';
import { resolveTemporalConfig, TemporalConnectError, type TemporalOptions } from '../temporal/client.ts';

/**
 * The Temporal SDK's process-wide runtime, logging through rollguard's one logger (core's logs forwarded
 * too) and without its own signal handlers: `rollguard run` shuts the worker down itself, after the controller.
 */
export function installTemporalRuntime(log: Logger): void {
  const sdk = log.child({ component: 'temporal-sdk' });
  const emit = (level: TemporalLogLevel, message: string, meta?: LogMetadata): void => {
    const fields = { ...meta };
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
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
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
