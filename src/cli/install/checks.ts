import { isDeepStrictEqual } from 'node:util';
import { AuthorizationV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { releaseCrd } from '../../domain/api/crd.ts';
import { releaseResource } from '../../domain/api/index.ts';
import { apiMessage, isNotFound } from '../../kube/errors.ts';
import { rollguardVersion } from '../../telemetry/build-info.ts';
import { searchAttributes } from '../../workflows/search-attributes.ts';
import { resourceName, rollguardPermissions, type Permission } from './permissions.ts';

/** One thing rollguard needs, checked: `fix` says in one line what to do when it is not `ok`. */
export interface CheckResult {
  check: string;
  ok: boolean;
  message: string;
  fix?: string;
}

const pass = (check: string, message: string): CheckResult => ({ check, ok: true, message });
const fail = (check: string, message: string, fix: string): CheckResult => ({ check, ok: false, message, fix });

// temporal.api.enums.v1.IndexedValueType, as the operator service sends and takes it.
const indexedValueType: Partial<Record<SearchAttributeType, number>> = {
  [SearchAttributeType.KEYWORD]: 2,
  [SearchAttributeType.INT]: 3,
};
const typeSpelling = (type: SearchAttributeType): string => (type === SearchAttributeType.INT ? 'Int' : 'Keyword');

/** gRPC NOT_FOUND, as the Temporal services answer for an unknown namespace. */
const isGrpcNotFound = (err: unknown): boolean => (err as { code?: number }).code === 5;

export async function temporalNamespaceCheck(connection: Connection, namespace: string): Promise<CheckResult> {
  const check = 'temporal-namespace';
  try {
    const { namespaceInfo, config } = await connection.workflowService.describeNamespace({ namespace });
    const retention = Number(config?.workflowExecutionRetentionTtl?.seconds ?? 0) / 3600;
    return pass(check, `the Temporal namespace ${namespaceInfo?.name ?? namespace} exists (retention ${retention} h)`);
  } catch (err) {
    if (!isGrpcNotFound(err)) throw err;
    return fail(
      check,
      `the Temporal namespace ${namespace} does not exist`,
      `create it: temporal operator namespace create --namespace ${namespace} --retention 72h`,
    );
  }
}

/** The search attributes the Release workflow sets; with `fix`, registers the missing ones. */
export async function searchAttributesCheck(
  connection: Connection,
  namespace: string,
  { fix }: { fix: boolean },
): Promise<CheckResult> {
  const check = 'search-attributes';
  const listed = async () =>
    (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  let registered = await listed();
  const wrongType = searchAttributes.filter(
    (key) => key.name in registered && registered[key.name] !== indexedValueType[key.type],
  );
  if (wrongType.length > 0)
    return fail(
      check,
      `the search attributes ${wrongType.map((k) => k.name).join(', ')} of the Temporal namespace ${namespace} have another type than rollguard's (${wrongType.map((k) => `${k.name} ${typeSpelling(k.type)}`).join(', ')})`,
      'use a Temporal namespace of its own for rollguard (a search attribute cannot change its type)',
    );
  let missing = searchAttributes.filter((key) => !(key.name in registered));
  const registeredNow = fix && missing.length > 0 ? missing.map((k) => k.name) : [];
  if (registeredNow.length > 0) {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, indexedValueType[key.type] ?? 0])),
    });
    registered = await listed();
    missing = searchAttributes.filter((key) => !(key.name in registered));
  }
  if (missing.length > 0) {
    const flags = missing.map((k) => `--name ${k.name} --type ${typeSpelling(k.type)}`).join(' ');
    return fail(
      check,
      `the search attributes ${missing.map((k) => k.name).join(', ')} are not registered in the Temporal namespace ${namespace}`,
      `register them: rollguard install --check --fix, or temporal operator search-attribute create --namespace ${namespace} ${flags}`,
    );
  }
  const names = searchAttributes.map((k) => k.name).join(', ');
  return pass(
    check,
    registeredNow.length > 0
      ? `registered ${registeredNow.join(', ')} in the Temporal namespace ${namespace} (now all of ${names})`
      : `the search attributes ${names} are registered in the Temporal namespace ${namespace}`,
  );
}

interface InstalledCrd {
  spec: { versions: { name: string; served: boolean; schema?: { openAPIV3Schema?: unknown } }[] };
}

/** The Release CRD is installed, serves this CLI's version, with this CLI's schema. */
export async function crdCheck(config: KubeConfig): Promise<CheckResult> {
  const check = 'crd';
  const wanted = releaseCrd(rollguardVersion);
  const name = wanted.metadata.name;
  const apply =
    'kubectl apply --server-side -f deploy/crd/release.yaml (or helm upgrade of the chart, docs/install.md)';
  let installed: InstalledCrd;
  try {
    // Read as plain JSON: the typed client renames the schema's fields (x-kubernetes-validations, ...).
    installed = (await config.makeApiClient(CustomObjectsApi).getClusterCustomObject({
      group: 'apiextensions.k8s.io',
      version: 'v1',
      plural: 'customresourcedefinitions',
      name,
    })) as InstalledCrd;
  } catch (err) {
    if (isNotFound(err)) return fail(check, `the Release CRD ${name} is not installed`, `install it: ${apply}`);
    return fail(check, `cannot read the CRD ${name}: ${apiMessage(err)}`, 'run the check as someone who may read CRDs');
  }
  const version = installed.spec.versions.find((v) => v.name === releaseResource.version);
  if (!version?.served)
    return fail(
      check,
      `the installed CRD ${name} does not serve ${releaseResource.apiVersion} (it serves ${installed.spec.versions.map((v) => v.name).join(', ')})`,
      `install this rollguard's CRD: ${apply}`,
    );
  if (!isDeepStrictEqual(version.schema?.openAPIV3Schema, wanted.spec.versions[0]?.schema.openAPIV3Schema))
    return fail(
      check,
      `the installed CRD ${name} (${releaseResource.apiVersion}) has another schema than this rollguard's`,
      `install this rollguard's CRD: ${apply}`,
    );
  return pass(check, `the CRD ${name} serves ${releaseResource.apiVersion} with this rollguard's schema`);
}

export interface RbacScope {
  /** The namespaces whose Releases rollguard serves; all when empty. */
  namespaces: string[];
  leaseNamespace: string;
  /** A task queue named in advance: the kube-system Namespace is not read. */
  taskQueueNamed: boolean;
  /** A user to impersonate (`--as`), e.g. system:serviceaccount:rollguard-system:rollguard. */
  as?: string;
}

/** A KubeConfig like `config` whose requests are made as `user` (Kubernetes impersonation, as kubectl --as). */
function impersonating(config: KubeConfig, user: string): KubeConfig {
  const current = config.getCurrentUser();
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: config.clusters,
    contexts: config.contexts,
    currentContext: config.currentContext,
    users: config.users.map((u) => (u.name === current?.name ? { ...u, impersonateUser: user } : u)),
  });
  return copy;
}

/** Asks the API server, per permission rollguard needs, whether the identity has it (SelfSubjectAccessReview). */
export async function rbacChecks(config: KubeConfig, scope: RbacScope): Promise<CheckResult[]> {
  const api = (scope.as ? impersonating(config, scope.as) : config).makeApiClient(AuthorizationV1Api);
  const who = scope.as ?? 'the kubeconfig’s identity';
  const needed = rollguardPermissions.filter(
    (p) =>
      !(p.resource === 'namespaces' && scope.taskQueueNamed) && !(p.clusterWideOnly && scope.namespaces.length > 0),
  );
  const results: CheckResult[] = [];
  for (const permission of needed) {
    const namespaces: (string | undefined)[] =
      permission.scope === 'lease'
        ? [scope.leaseNamespace]
        : permission.scope === 'releases' && scope.namespaces.length > 0
          ? scope.namespaces
          : [undefined];
    for (const namespace of namespaces) {
      const denied: string[] = [];
      for (const verb of permission.verbs) {
        if (!(await allowed(api, permission, verb, namespace))) denied.push(verb);
      }
      results.push(rbacResult(permission, namespace, denied, who));
    }
  }
  return results;
}

async function allowed(
  api: AuthorizationV1Api,
  { group, resource, subresource, name }: Permission,
  verb: string,
  namespace: string | undefined,
): Promise<boolean> {
  const review = await api.createSelfSubjectAccessReview({
    body: {
      spec: {
        resourceAttributes: {
          group,
          resource,
          verb,
          ...(subresource ? { subresource } : {}),
          ...(name ? { name } : {}),
          ...(namespace ? { namespace } : {}),
        },
      },
    },
  });
  return review.status?.allowed === true;
}

function rbacResult(permission: Permission, namespace: string | undefined, denied: string[], who: string): CheckResult {
  const check = `rbac ${resourceName(permission)}`;
  const where = namespace !== undefined ? `in the namespace ${namespace}` : permission.name ? '' : 'in all namespaces';
  const what = `${resourceName(permission)}${where ? ` ${where}` : ''}`;
  if (denied.length === 0) return pass(check, `may ${permission.verbs.join(', ')} ${what}`);
  return fail(
    check,
    `${who} may not ${denied.join(', ')} ${what} (${permission.why})`,
    "grant rollguard's RBAC to it: the Helm chart, or kubectl apply --server-side -k deploy/base (docs/install.md)",
  );
}
