import { ApiException, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { parseRelease, releaseResource, type Release } from '../api/index.ts';
import { releaseWorkflowId, type ReleaseRef } from '../release/ref.ts';
import { kubeStatus } from './classify.ts';
import { CliError, ExitCode, NotFoundError } from './errors.ts';
import type { Session } from './session.ts';

/** The field manager of everything the CLI writes, so `kubectl get --show-managed-fields` tells who changed what. */
export const cliFieldManager = 'rollguard-cli';

const { group, version, plural } = releaseResource;
const target = (namespace: string, name: string) => ({ group, version, plural, namespace, name });

const crdMissing = (): NotFoundError =>
  new NotFoundError('this cluster does not serve Releases (rollguard.dev/v1alpha1): install the CRD with `kubectl apply --server-side -f deploy/crd/release.yaml`');

const releaseMissing = (namespace: string, name: string): NotFoundError =>
  new NotFoundError(`Release "${name}" not found in namespace "${namespace}"; list the Releases there with \`rollguard status -n ${namespace}\``);

/** A 404 from the Release API: no such Release, or no Release API at all. */
function notFound(err: unknown, namespace: string, name: string): NotFoundError | undefined {
  if (!(err instanceof ApiException) || err.code !== 404) return undefined;
  return kubeStatus(err).reason === 'NotFound' ? releaseMissing(namespace, name) : crdMissing();
}

function parsed(object: unknown): Release {
  const result = parseRelease(object);
  if (result.ok) return result.release;
  const details = result.error.issues.map((i) => `${i.field}: ${i.message}`);
  throw new CliError(`${result.error.message.split(':')[0]} as stored in the cluster does not match this rollguard's schema:`, ExitCode.Failed, { details });
}

/** The Release, or undefined when it does not exist. */
export async function findRelease(session: Session, name: string, namespace = session.namespace): Promise<Release | undefined> {
  try {
    return parsed(await session.kube().custom.getNamespacedCustomObject(target(namespace, name)));
  } catch (err) {
    if (err instanceof ApiException && err.code === 404 && kubeStatus(err).reason === 'NotFound') return undefined;
    throw notFound(err, namespace, name) ?? err;
  }
}

export async function readRelease(session: Session, name: string, namespace = session.namespace): Promise<Release> {
  const release = await findRelease(session, name, namespace);
  if (!release) throw releaseMissing(namespace, name);
  return release;
}

/** Releases as the API server stores them, in one namespace or all. */
export async function listReleases(session: Session, { allNamespaces }: { allNamespaces: boolean }): Promise<unknown[]> {
  const { custom } = session.kube();
  try {
    const list = allNamespaces
      ? await custom.listClusterCustomObject({ group, version, plural })
      : await custom.listNamespacedCustomObject({ group, version, plural, namespace: session.namespace });
    return (list as { items?: unknown[] }).items ?? [];
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) throw crdMissing();
    throw err;
  }
}

/** Server-side apply of a Release as written; the CLI owns the fields it wrote (as `kubectl apply --server-side --force-conflicts`). */
export async function applyRelease(session: Session, body: { metadata: { name: string; namespace: string } }): Promise<Release> {
  const { name, namespace } = body.metadata;
  try {
    const applied = await session.kube().custom.patchNamespacedCustomObject(
      { ...target(namespace, name), body, fieldManager: cliFieldManager, force: true },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    return parsed(applied);
  } catch (err) {
    throw notFound(err, namespace, name) ?? err;
  }
}

/** Applies a JSON patch (RFC 6902) to a Release; its `test` operations make a concurrent change fail instead of being overwritten. */
export async function patchRelease(session: Session, release: Release, operations: object[]): Promise<Release> {
  const { name, namespace = session.namespace } = release.metadata;
  try {
    const patched = await session.kube().custom.patchNamespacedCustomObject(
      { ...target(namespace, name), body: operations, fieldManager: cliFieldManager },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    return parsed(patched);
  } catch (err) {
    throw notFound(err, namespace, name) ?? err;
  }
}

export const refOf = (release: Release): ReleaseRef => ({
  namespace: release.metadata.namespace ?? '',
  name: release.metadata.name,
  uid: release.metadata.uid ?? '',
});

/** The Release's workflow: as its status records it, else as the controller names it. */
export const workflowIdOf = (release: Release): string => release.status?.workflowId ?? releaseWorkflowId(refOf(release));

/** The images of a Release's spec, as "container=image". */
export const imagesOf = (release: Release): string[] => release.spec.template.template.spec.containers.map((c) => `${c.name}=${c.image}`);
