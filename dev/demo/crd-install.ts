import { readFile } from 'node:fs/promises';
import { ApiextensionsV1Api, type KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { releaseCrdFile } from '../../src/domain/api/crd.ts';
import type { KubeClients } from '../../src/kube/client.ts';
import { isConflict, isNotFound } from '../../src/kube/errors.ts';
import { patchContentType } from '../../src/kube/patch.ts';
import { waitFor } from '../stack/process.ts';

/** Server-side applies deploy/crd/release.yaml, as a user installs it, and waits until Releases are served. */
export async function installReleaseCrd(
  kubeConfig: KubeConfig,
  { fieldManager = 'rollguard-demo', timeoutMs = 30_000 } = {},
): Promise<void> {
  const crd = parse(await readFile(releaseCrdFile, 'utf8')) as { metadata: { name: string } };
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const name = crd.metadata.name;
  await api.patchCustomResourceDefinition({ name, body: crd, fieldManager, force: true }, patchContentType.apply);
  await waitFor(
    `the ${name} CRD to be Established`,
    async () => {
      const { status } = await api.readCustomResourceDefinition({ name });
      return status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
    },
    { timeoutMs },
  );
}

export async function ensureNamespace(kube: KubeClients, name: string): Promise<void> {
  try {
    await kube.core.createNamespace({ body: { metadata: { name } } });
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
}

/**
 * Deletes a Release left by an earlier demo and waits until it is gone (rollguard, already running,
 * ends its workflow and lifts the finalizer), so every demo tells the story from v1. The Release says
 * deletionPolicy Delete first: by default its Deployment would stay, and the new Release would refuse
 * to take over a Deployment it was not asked to adopt.
 */
export async function removeRelease(kube: KubeClients, namespace: string, name: string): Promise<boolean> {
  const release = { namespace, name };
  try {
    await kube.releases.patch(release, 'merge', { spec: { deletionPolicy: 'Delete' } });
    await kube.releases.delete(release);
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
  await waitFor(
    `the earlier demo's Release ${namespace}/${name} to be deleted`,
    async () =>
      kube.releases.get(release).then(
        () => false,
        (err: unknown) => {
          if (isNotFound(err)) return true;
          throw err;
        },
      ),
    { timeoutMs: 90_000 },
  );
  await waitFor(
    `the earlier demo's Deployment ${namespace}/${name} to be deleted`,
    async () =>
      kube.apps.readNamespacedDeployment({ namespace, name }).then(
        () => false,
        (err: unknown) => {
          if (isNotFound(err)) return true;
          throw err;
        },
      ),
    { timeoutMs: 90_000 },
  );
  return true;
}
