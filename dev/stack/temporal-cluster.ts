import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { searchAttributes, searchAttributeSpec } from '../../src/workflows/search-attributes.ts';
import { dataDir } from './paths.ts';
import { host, type PortName, ports } from './ports.ts';
import { postgresUser, startPostgres, stopPostgres } from './postgres.ts';
import { ensureDaemon, stopDaemon, tcpOk, waitFor } from './process.ts';
import { databases, ensureSchema } from './temporal-schema.ts';
import { startTemporalUi, stopTemporalUi, temporalUiDaemon } from './temporal-ui.ts';
import { suggestContinueAsNewAt, temporalAddress } from './temporal.ts';
import { toolPath } from './tools.ts';

const run = promisify(execFile);
const dir = join(dataDir, 'temporal-cluster');

/**
 * Temporal's four services, each a process of its own with a gRPC and a membership port, and the
 * ports it listens on once up. The worker service (Temporal's own system workflows) serves no gRPC: its
 * gRPC port only names it among the members, so it is up once it listens for membership.
 */
export const temporalServices = {
  frontend: {
    grpc: 'temporal',
    membership: 'temporalFrontendMembership',
    listens: ['temporal', 'temporalFrontendMembership'],
  },
  history: {
    grpc: 'temporalHistory',
    membership: 'temporalHistoryMembership',
    listens: ['temporalHistory', 'temporalHistoryMembership'],
  },
  matching: {
    grpc: 'temporalMatching',
    membership: 'temporalMatchingMembership',
    listens: ['temporalMatching', 'temporalMatchingMembership'],
  },
  worker: { grpc: 'temporalWorker', membership: 'temporalWorkerMembership', listens: ['temporalWorkerMembership'] },
} as const satisfies Record<string, { grpc: PortName; membership: PortName; listens: PortName[] }>;

export type TemporalService = keyof typeof temporalServices;
const serviceNames = Object.keys(temporalServices) as TemporalService[];

/** The names the stack records the services' pids under (.data/pids/), for stack:down, stack:status and tests. */
export const serviceDaemon = (service: TemporalService): string => `temporal-${service}`;

const datastore = (database: string, maxConns: number) => ({
  sql: {
    pluginName: 'postgres12',
    databaseName: database,
    connectAddr: `${host}:${ports.postgres}`,
    connectProtocol: 'tcp',
    user: postgresUser,
    password: '',
    maxConns,
    maxIdleConns: maxConns,
    maxConnLifetime: '1h',
  },
});

/** The server's configuration (Temporal's config/development-postgres12.yaml, on the stack's ports). */
function serverConfig(dynamicConfigFile: string): string {
  return stringify({
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      // Fixed when the cluster is created; a handful is plenty on one machine.
      numHistoryShards: 4,
      datastores: Object.fromEntries(
        databases.map(({ name, maxConns }, i) => [i === 0 ? 'default' : 'visibility', datastore(name, maxConns)]),
      ),
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: host } },
    services: Object.fromEntries(
      serviceNames.map((service) => [
        service,
        {
          rpc: {
            grpcPort: ports[temporalServices[service].grpc],
            membershipPort: ports[temporalServices[service].membership],
            bindOnIP: host,
          },
        },
      ]),
    ),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: temporalAddress },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  });
}

/** What the dev server sets too, so tests and the demo behave alike on either profile. */
const dynamicConfig = stringify({
  // Low, so a test reaches it with a few rollouts and continue-as-new is exercised (the default is 4096).
  'limit.historyCount.suggestContinueAsNew': [{ value: suggestContinueAsNewAt }],
  // A search attribute is usable as soon as it is registered (the dev server's default), at the cost
  // of reading it on every use; the persistence rates go up to match, as the dev server's do.
  'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true }],
  'frontend.persistenceMaxQPS': [{ value: 10000 }],
  'history.persistenceMaxQPS': [{ value: 45000 }],
});

function startService(service: TemporalService, configDir: string): Promise<void> {
  const { listens } = temporalServices[service];
  return ensureDaemon({
    name: serviceDaemon(service),
    title: `Temporal's ${service} service`,
    ports: [...listens],
    ready: async () => (await Promise.all(listens.map((port) => tcpOk(host, ports[port])))).every(Boolean),
    timeoutMs: 90_000,
    async prepare() {
      const args = ['--root', dir, '--config', configDir, '--env', 'development', 'start', '--service', service];
      return { command: await toolPath('temporal-server', 'temporal-server'), args };
    },
  });
}

/** `temporal ARGS... --address <frontend>` with the CLI the stack builds; resolves with its stdout. */
async function temporalCli(args: string[]): Promise<string> {
  const cli = await toolPath('temporal', 'temporal');
  return (await run(cli, [...args, '--address', temporalAddress], { env: { ...process.env, NO_COLOR: '1' } })).stdout;
}

/** The `default` namespace and the search attributes Release workflows set, as the dev server has them. */
async function ensureNamespace(log: (line: string) => void): Promise<void> {
  await waitFor(
    'the Temporal cluster to answer',
    async () => (await temporalCli(['operator', 'cluster', 'health'])).includes('SERVING'),
    {
      timeoutMs: 90_000,
      hint: `see ${join(dataDir, 'logs')}/temporal-*.log`,
    },
  );
  const exists = await temporalCli(['operator', 'namespace', 'describe', '--namespace', 'default']).then(
    () => true,
    () => false,
  );
  if (!exists) {
    log('creating the Temporal namespace default');
    await temporalCli(['operator', 'namespace', 'create', '--namespace', 'default', '--retention', '24h']);
  }
  // A namespace just created reaches the services' caches within seconds: until then it is "not found".
  let listed: { customAttributes?: Record<string, unknown> } = {};
  await waitFor(
    'the namespace default to be served',
    async () => {
      const args = ['operator', 'search-attribute', 'list', '--namespace', 'default', '--output', 'json'];
      listed = JSON.parse(await temporalCli(args)) as typeof listed;
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 1000 },
  );
  const missing = searchAttributes.filter((key) => !(key.name in (listed.customAttributes ?? {})));
  if (missing.length === 0) return;
  log(`registering the search attributes ${missing.map((key) => key.name).join(', ')}`);
  const flags = missing.flatMap((key) => {
    const [name = '', type = ''] = searchAttributeSpec(key).split('=');
    return ['--name', name, '--type', type];
  });
  await temporalCli(['operator', 'search-attribute', 'create', '--namespace', 'default', ...flags]);
}

/**
 * The cluster profile's Temporal: the real server (go.temporal.io/server) on the stack's own
 * PostgreSQL, each of its four services a process of its own, plus the Web UI server. Its data
 * survives a restart; the namespace and search attributes are there before it counts as up.
 */
export async function startTemporalCluster(log: (line: string) => void): Promise<void> {
  await startPostgres(log);
  await ensureSchema(log);
  const configDir = 'config';
  await mkdir(join(dir, configDir), { recursive: true });
  const dynamicConfigFile = join(dir, 'dynamicconfig.yaml');
  await writeFile(dynamicConfigFile, dynamicConfig);
  await writeFile(join(dir, configDir, 'development.yaml'), serverConfig(dynamicConfigFile));
  // One service first: on a new database each one writes the cluster's metadata at start, and all at
  // once they race for it (the losers exit with "failed to initialize current cluster metadata").
  await startService('history', configDir);
  await Promise.all(
    serviceNames.filter((service) => service !== 'history').map((service) => startService(service, configDir)),
  );
  await ensureNamespace(log);
  await startTemporalUi();
}

/** Stops the UI and the services, then PostgreSQL (last, so the services close their connections first). */
export async function stopTemporalCluster(): Promise<boolean> {
  const stopped = await Promise.all([
    stopTemporalUi(),
    ...serviceNames.map((service) => stopDaemon(serviceDaemon(service))),
  ]);
  return [...stopped, await stopPostgres()].some(Boolean);
}

/** The daemons of the cluster profile, by the names their pids are recorded under. */
export const clusterDaemons = [...serviceNames.map(serviceDaemon), temporalUiDaemon, 'postgres'];
