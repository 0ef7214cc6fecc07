import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { startRollguard, type RunningRollguard } from '../../src/server/rollguard.ts';
import { installTemporalRuntime } from '../../src/server/temporal-runtime.ts';
import { createLogger } from '../../src/telemetry/log.ts';
import { logFile } from '../stack/process.ts';
import { stackEnv } from '../stack/stack.ts';

export const demoLogFile = logFile('rollguard-demo');

/**
 * rollguard as `rollguard run` runs it (controller, worker, /metrics), inside the demo's process. Its
 * JSON log goes to a file, so the terminal carries only the story.
 */
export async function startDemoRollguard(kubeConfig: KubeConfig, namespace: string): Promise<RunningRollguard> {
  await mkdir(dirname(demoLogFile), { recursive: true });
  const file = createWriteStream(demoLogFile, { flags: 'a' });
  const log = createLogger(
    { component: 'rollguard', demo: true },
    { write: (_level, line) => void file.write(`${line}\n`) },
  );
  installTemporalRuntime(log);
  const rollguard = await startRollguard({
    kubeConfig,
    temporal: { address: stackEnv.TEMPORAL_ADDRESS, namespace: stackEnv.TEMPORAL_NAMESPACE },
    controller: true,
    worker: true,
    prometheusUrl: stackEnv.PROMETHEUS_URL,
    // Everything of the local stack listens on loopback, which checks may not reach on a real cluster.
    checkAllow: '127.0.0.1/32',
    // Only the demo's namespace, with the Lease in it: the tests' Releases elsewhere in the cluster are not ours.
    watchNamespaces: [namespace],
    leaseNamespace: namespace,
    metrics: { host: '127.0.0.1', port: 0 },
    log,
  });
  return {
    ...rollguard,
    async stop() {
      await rollguard.stop();
      await new Promise<void>((resolve) => file.end(resolve));
    },
  };
}
