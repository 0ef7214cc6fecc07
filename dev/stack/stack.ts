import { rm } from 'node:fs/promises';
import { deleteKube, kubeconfigPath, startKube, stopKube } from './cluster.ts';
import { dataDir } from './paths.ts';
import { ports, sharedPorts } from './ports.ts';
import { prometheusUrl, startPrometheus, stopPrometheus } from './prometheus.ts';
import { startTemporal, stopTemporal, temporalAddress, temporalUiUrl } from './temporal.ts';
import { ensureTool, type ToolName, tools } from './tools.ts';

/** Where each server of the local stack answers, as environment variables. */
export const stackEnv = {
  KUBECONFIG: kubeconfigPath,
  TEMPORAL_ADDRESS: temporalAddress,
  TEMPORAL_NAMESPACE: 'default',
  TEMPORAL_UI_URL: temporalUiUrl,
  PROMETHEUS_URL: prometheusUrl,
};

export async function buildTools(log = console.error): Promise<void> {
  for (const name of Object.keys(tools) as ToolName[]) await ensureTool(name, log);
}

/** Starts every server that is not already answering and returns once all of them answer. */
export async function stackUp(log = console.error): Promise<void> {
  const started = Date.now();
  const shared = sharedPorts(ports);
  if (shared.length > 0)
    throw new Error(`the stack's ports overlap: ${shared.join('; ')}; move one of each with its variable`);
  await buildTools(log);
  log('starting the local stack: Temporal, Prometheus, Kubernetes (kwok)');
  await Promise.all([startTemporal(), startPrometheus(), startKube(log)]);
  log(`local stack is up (${Math.round((Date.now() - started) / 1000)}s)`);
}

/** Stops what `stackUp` started, by recorded pid; `purge` also deletes the stack's data. */
export async function stackDown({ purge = false } = {}, log = console.error): Promise<void> {
  await Promise.all([stopTemporal(), stopPrometheus(), purge ? deleteKube() : stopKube()]);
  if (purge) await rm(dataDir, { recursive: true, force: true });
  log(purge ? 'local stack stopped and its data deleted' : 'local stack stopped (data kept in .data/)');
}

export function stackEnvLines(): string {
  return Object.entries(stackEnv)
    .map(([key, value]) => `export ${key}=${JSON.stringify(value)}`)
    .join('\n');
}
