import { randomBytes } from 'node:crypto';
import { kubeClients, loadKubeConfig, type KubeClients } from '../../src/kube/client.ts';
import { waitFor } from '../../dev/stack/process.ts';
import { stackEnv } from '../../dev/stack/stack.ts';

export { waitFor };
export { stackEnv };

export const kube = (): KubeClients => kubeClients(loadKubeConfig({ file: stackEnv.KUBECONFIG }));

/** A namespace of its own for a test file, deleted afterwards by the caller. */
export async function createNamespace(clients: KubeClients, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await clients.core.createNamespace({ body: { metadata: { name } } });
  return name;
}

export async function deleteNamespace(clients: KubeClients, name: string): Promise<void> {
  await clients.core.deleteNamespace({ name }).catch(() => undefined);
}
