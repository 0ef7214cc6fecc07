import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { loadClientConnectConfig, type LoadClientProfileOptions } from '@temporalio/envconfig';

/**
 * The one way rollguard connects to Temporal. Address, namespace, TLS and API key come from Temporal's
 * own environment configuration (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*,
 * and the profiles of ~/.config/temporalio/temporal.toml or TEMPORAL_CONFIG_FILE), so rollguard is pointed
 * at a Temporal cluster exactly as the `temporal` CLI is. Explicit options win over that configuration.
 */
export interface TemporalOptions {
  address?: string;
  namespace?: string;
  /** The profile of the Temporal configuration file (default: TEMPORAL_PROFILE, else "default"). */
  profile?: string;
  /** Environment variables to read instead of process.env (tests). */
  env?: Record<string, string>;
  /** A configuration file to read instead of the default location. */
  configFile?: string;
  /** How long the first connection may take (default 5 s). */
  connectTimeoutMs?: number;
}

export interface TemporalConnection {
  connection: Connection;
  client: Client;
  namespace: string;
}

export const defaultTemporalAddress = 'localhost:7233';
export const defaultTemporalNamespace = 'default';

/** Temporal could not be reached or configured; the message says where rollguard looked. */
export class TemporalConnectError extends Error {
  readonly address: string;

  constructor(message: string, address: string, cause: unknown) {
    super(message, { cause });
    this.name = 'TemporalConnectError';
    this.address = address;
  }
}

/** Connection settings as the environment configuration and the explicit options resolve them. */
export function resolveTemporalConfig(options: TemporalOptions = {}): {
  connectionOptions: ConnectionOptions;
  namespace: string;
} {
  const load: LoadClientProfileOptions = {
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.env ? { overrideEnvVars: options.env } : {}),
    ...(options.configFile ? { configSource: { path: options.configFile } } : {}),
  };
  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    loaded = loadClientConnectConfig(load);
  } catch (err) {
    const where = options.profile ? `profile "${options.profile}"` : 'the default profile';
    throw new TemporalConnectError(
      `cannot read the Temporal configuration (${where}): ${(err as Error).message}`,
      options.address ?? '',
      err,
    );
  }
  const { address, tls, apiKey, metadata } = loaded.connectionOptions;
  return {
    connectionOptions: {
      address: options.address ?? address ?? defaultTemporalAddress,
      ...(tls !== undefined ? { tls } : {}),
      ...(apiKey !== undefined ? { apiKey } : {}),
      ...(metadata !== undefined ? { metadata } : {}),
    },
    namespace: options.namespace ?? loaded.namespace ?? defaultTemporalNamespace,
  };
}

export async function connectTemporal(options: TemporalOptions = {}): Promise<TemporalConnection> {
  const { connectionOptions, namespace } = resolveTemporalConfig(options);
  const address = connectionOptions.address ?? defaultTemporalAddress;
  let connection: Connection;
  try {
    // A person waiting on the CLI hears about an unreachable server in seconds, not the SDK's 10.
    connection = await Connection.connect({ ...connectionOptions, connectTimeout: options.connectTimeoutMs ?? 5_000 });
  } catch (err) {
    const tls = connectionOptions.tls ? 'with TLS' : 'without TLS';
    throw new TemporalConnectError(
      `cannot connect to Temporal at ${address} (${tls}, namespace "${namespace}"): ${(err as Error).message}. ` +
        'Set TEMPORAL_ADDRESS (or a profile in the Temporal configuration file) to a running Temporal server.',
      address,
      err,
    );
  }
  return { connection, client: new Client({ connection, namespace }), namespace };
}
