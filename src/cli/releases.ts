import { parseRelease, releaseResource, type Release } from '../domain/api/index.ts';
import { apiRefusal, isConflict, isNotFound } from '../kube/errors.ts';
import { releaseWorkflowId, type ReleaseRef } from '../domain/release/ref.ts';
import { CliError, ExitCode, NotFoundError } from './errors.ts';
import type { Session } from './session.ts';

/** The field manager of everything the CLI writes, so `kubectl get --show-managed-fields` tells who changed what. */
export const cliFieldManager = 'rollguard-cli';

const crdMissing = (): NotFoundError =>
  new NotFoundError(
    `this cluster does not serve Releases (${releaseResource.apiVersion}): install the CRD with \`kubectl apply --server-side -f deploy/crd/release.yaml\``,
  );

const releaseMissing = (namespace: string, name: string): NotFoundError =>
  new NotFoundError(
    `Release "${name}" not found in namespace "${namespace}"; list the Releases there with \`rollguard status -n ${namespace}\``,
  );

/** A 404 from the Release API: no such Release, or no Release API at all. */
function notFound(err: unknown, namespace: string, name: string): NotFoundError | undefined {
  if (!isNotFound(err)) return undefined;
  return apiRefusal(err)?.reason === 'NotFound' ? releaseMissing(namespace, name) : crdMissing();
}

function parsed(object: unknown): Release {
  const result = parseRelease(object);
  if (result.ok) return result.release;
  const details = result.error.issues.map((i) => `${i.field}: ${i.message}`);
  throw new CliError(
    `${result.error.message.split(':')[0]} as stored in the cluster does not match this rollguard's schema:`,
    ExitCode.Failed,
    { details },
  );
}

/** The Release, or undefined when it does not exist. */
export async function findRelease(
  session: Session,
  name: string,
  namespace = session.namespace,
): Promise<Release | undefined> {
  try {
    return parsed(await session.kube().releases.get({ namespace, name }));
  } catch (err) {
    if (isNotFound(err) && apiRefusal(err)?.reason === 'NotFound') return undefined;
    throw notFound(err, namespace, name) ?? err;
  }
}

export async function readRelease(session: Session, name: string, namespace = session.namespace): Promise<Release> {
  const release = await findRelease(session, name, namespace);
  if (!release) throw releaseMissing(namespace, name);
  return release;
}

/** Releases as the API server stores them, in one namespace or all. */
export async function listReleases(
  session: Session,
  { allNamespaces }: { allNamespaces: boolean },
): Promise<unknown[]> {
  try {
    const list = await session.kube().releases.list(allNamespaces ? undefined : session.namespace);
    return list.items ?? [];
  } catch (err) {
    if (isNotFound(err)) throw crdMissing();
    throw err;
  }
}

export interface ApplyOptions {
  /** Take over fields another field manager owns (kubectl's --force-conflicts). */
  force: boolean;
  /** Only check that the apply would succeed: nothing is written. */
  dryRun?: boolean;
}

/**
 * Server-side apply of a Release as written, as the field manager rollguard-cli. Without `force`,
 * a field another manager owns with another value is refused, naming that manager, not taken over.
 */
export async function applyRelease(
  session: Session,
  body: { metadata: { name: string; namespace: string } },
  { force, dryRun = false }: ApplyOptions,
): Promise<Release> {
  const { name, namespace } = body.metadata;
  try {
    const applied = await session.kube().releases.patch({ namespace, name }, 'apply', body, {
      fieldManager: cliFieldManager,
      force,
      ...(dryRun ? { dryRun: 'All' } : {}),
    });
    return parsed(applied);
  } catch (err) {
    throw notFound(err, namespace, name) ?? applyConflict(err, namespace, name) ?? err;
  }
}

/** A 409 from server-side apply: fields another field manager owns, said in one line, with the way out. */
function applyConflict(err: unknown, namespace: string, name: string): CliError | undefined {
  if (!isConflict(err)) return undefined;
  const causes = (apiRefusal(err)?.causes ?? []).filter((c) => /conflict with "/.test(c.message));
  if (causes.length === 0) return undefined;
  const managers = [...new Set(causes.map((c) => /conflict with "([^"]+)"/.exec(c.message)?.[1] ?? ''))];
  const fields = causes.map((c) => c.field);
  const shown =
    fields.length > 3 ? `${fields.slice(0, 3).join(', ')} and ${fields.length - 3} more` : fields.join(', ');
  const owners = managers.map((m) => `"${m}"`).join(', ');
  return new CliError(
    `Release ${namespace}/${name} was not applied: ${shown} ${fields.length === 1 ? 'is' : 'are'} owned by the field manager${managers.length === 1 ? '' : 's'} ${owners}, ` +
      `which set ${fields.length === 1 ? 'it' : 'them'} to another value; deploy again with --force-conflicts to take ${fields.length === 1 ? 'it' : 'them'} over`,
    ExitCode.Failed,
    { cause: err },
  );
}

/** Applies a JSON patch (RFC 6902) to a Release; its `test` operations make a concurrent change fail instead of being overwritten. */
export async function patchRelease(session: Session, release: Release, operations: object[]): Promise<Release> {
  const { name, namespace = session.namespace } = release.metadata;
  try {
    const patched = await session
      .kube()
      .releases.patch({ namespace, name }, 'json', operations, { fieldManager: cliFieldManager });
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
export const workflowIdOf = (release: Release): string =>
  release.status?.workflowId ?? releaseWorkflowId(refOf(release));

/** The images of a Release's spec, as "container=image". */
export const imagesOf = (release: Release): string[] =>
  release.spec.template.template.spec.containers.map((c) => `${c.name}=${c.image}`);
