import { installGatewayApiCrds } from './gateway-api.ts';
import { rm } from 'node:fs/promises';
import { deleteKube, kubeconfigPath, startKube, stopKube } from './cluster.ts';
import { dataDir } from './paths.ts';
import { membershipPortsTooHigh, ports, sharedPorts } from './ports.ts';
import { parseProfile, type StackProfile } from './profile.ts';
import { runningPid } from './process.ts';
import { prometheusUrl, startPrometheus, stopPrometheus } from './prometheus.ts';
import { clusterDaemons, startTemporalCluster, stopTemporalCluster } from './temporal-cluster.ts';
import { startTemporal, stopTemporal, temporalAddress, temporalUiUrl } from './temporal.ts';
import { ensureTool, type ToolName } from './tools.ts';

/** Where each server of the local stack answers, as environment variables (the same for every profile). */
export const stackEnv = {
  KUBECONFIG: kubeconfigPath,
  TEMPORAL_ADDRESS: temporalAddress,
  TEMPORAL_NAMESPACE: 'default',
  TEMPORAL_UI_URL: temporalUiUrl,
  PROMETHEUS_URL: prometheusUrl,
};

/** The profile ROLLGUARD_STACK_PROFILE names, `dev` when unset. */
export const envProfile = (): StackProfile => parseProfile(process.env.ROLLGUARD_STACK_PROFILE);

/** The Go-built tools each profile runs. */
const profileTools: Record<StackProfile, ToolName[]> = {
  // Helm is not a server: the install test renders the chart with it, so `npm test` builds it with the rest.
  dev: ['kubernetes', 'etcd', 'kwok', 'temporal', 'helm'],
  // The CLI stays: the stack registers the namespace and search attributes with it.
  cluster: ['kubernetes', 'etcd', 'kwok', 'temporal', 'temporal-server'],
};

export async function buildTools(log = console.error, profile = envProfile()): Promise<void> {
  for (const name of profileTools[profile]) await ensureTool(name, log);
}

/** The other profile's Temporal, when it runs from this data directory: its ports are this one's. */
function otherProfileRunning(profile: StackProfile): string | undefined {
  const other = profile === 'dev' ? clusterDaemons : ['temporal'];
  const running = other.filter((name) => runningPid(name) !== undefined);
  if (running.length === 0) return undefined;
  return (
    `the ${profile === 'dev' ? 'cluster' : 'dev'} profile's Temporal runs from ${dataDir} (${running.join(', ')}); ` +
    'stop it first with `npm run stack:down`'
  );
}

/** Starts every server of the profile that is not already answering and returns once all of them answer. */
export async function stackUp(log = console.error, profile = envProfile()): Promise<void> {
  const started = Date.now();
  const shared = sharedPorts(ports, profile);
  if (shared.length > 0)
    throw new Error(`the stack's ports overlap: ${shared.join('; ')}; move one of each with its variable`);
  const tooHigh = profile === 'cluster' ? membershipPortsTooHigh(ports) : [];
  if (tooHigh.length > 0) throw new Error(tooHigh.join('; '));
  const conflict = otherProfileRunning(profile);
  if (conflict) throw new Error(conflict);
  await buildTools(log, profile);
  if (profile === 'cluster') {
    log('starting the local stack (cluster profile): Temporal on PostgreSQL, Prometheus, Kubernetes (kwok)');
    await Promise.all([
      startTemporalCluster(log),
      startPrometheus(),
      startKube(log).then(() => installGatewayApiCrds(log)),
    ]);
  } else {
    log('starting the local stack: Temporal, Prometheus, Kubernetes (kwok)');
    await Promise.all([startTemporal(), startPrometheus(), startKube(log).then(() => installGatewayApiCrds(log))]);
  }
  log(`local stack is up (${Math.round((Date.now() - started) / 1000)}s)`);
}

/** Stops what `stackUp` started, of either profile, by recorded pid; `purge` also deletes the stack's data. */
export async function stackDown({ purge = false } = {}, log = console.error): Promise<void> {
  await Promise.all([stopTemporal(), stopTemporalCluster(), stopPrometheus(), purge ? deleteKube() : stopKube()]);
  if (purge) await rm(dataDir, { recursive: true, force: true });
  log(purge ? 'local stack stopped and its data deleted' : 'local stack stopped (data kept in .data/)');
}

export function stackEnvLines(): string {
  return Object.entries(stackEnv)
    .map(([key, value]) => `export ${key}=${JSON.stringify(value)}`)
    .join('\n');
}
