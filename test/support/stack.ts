import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeClients, loadKubeConfig, type KubeClients } from '../../src/kube/client.ts';
import { waitFor } from '../../dev/stack/process.ts';
import { stackEnv } from '../../dev/stack/stack.ts';

export { waitFor };
export { stackEnv };

export const kube = (): KubeClients => kubeClients(loadKubeConfig({ file: stackEnv.KUBECONFIG }));

/** Clients of a cluster nobody answers for (a closed port): what a watch that never lists sees. */
export function unreachableKube(): KubeClients {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'closed', server: 'http://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'nobody' }],
    contexts: [{ name: 'closed', cluster: 'closed', user: 'nobody' }],
    currentContext: 'closed',
  });
  return kubeClients(config);
}

/** A namespace of its own for a test file, deleted afterwards by the caller. */
export async function createNamespace(clients: KubeClients, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await clients.core.createNamespace({ body: { metadata: { name } } });
  return name;
}

export async function deleteNamespace(clients: KubeClients, name: string): Promise<void> {
  await clients.core.deleteNamespace({ name }).catch(() => undefined);
}
