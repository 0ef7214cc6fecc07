import { leaseName } from '../../controller/lease.ts';
import { releaseResource } from '../../domain/api/index.ts';

/**
 * What rollguard does to the Kubernetes API, as RBAC sees it: the permissions `rollguard run` needs,
 * which deploy/rbac/rbac.yaml and the Helm chart grant (a unit test holds them to it), and which
 * `rollguard install --check` asks the API server about.
 */
export interface Permission {
  group: string;
  resource: string;
  subresource?: string;
  verbs: string[];
  /**
   * Where: the namespaces whose Releases rollguard serves (every watch follows them), its own namespace
   * (the Lease), or the whole cluster (only the kube-system read, which a named task queue spares).
   */
  scope: 'releases' | 'lease' | 'cluster';
  /** Only this object, for rules limited by resourceNames. */
  name?: string;
  /** Why rollguard needs it, for the line that reports it missing. */
  why: string;
  /** Not asked of a rollguard serving named namespaces only: what needs it is skipped there. */
  clusterWideOnly?: boolean;
}

export const rollguardPermissions: Permission[] = [
  {
    group: releaseResource.group,
    resource: releaseResource.plural,
    verbs: ['get', 'list', 'watch', 'patch', 'update'],
    scope: 'releases',
    why: 'the controller watches Releases and keeps their finalizer',
  },
  {
    group: releaseResource.group,
    resource: releaseResource.plural,
    subresource: 'status',
    verbs: ['get', 'patch', 'update'],
    scope: 'releases',
    why: 'the workflow writes Release status',
  },
  {
    group: releaseResource.group,
    resource: releaseResource.plural,
    subresource: 'finalizers',
    verbs: ['update'],
    scope: 'releases',
    why: 'owned objects block their Release’s deletion',
  },
  {
    group: 'apps',
    resource: 'deployments',
    verbs: ['get', 'list', 'watch', 'create', 'patch', 'update'],
    scope: 'releases',
    why: 'each Release rolls out its Deployment, which the worker watches',
  },
  {
    group: 'apps',
    resource: 'controllerrevisions',
    verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'],
    scope: 'releases',
    why: 'every revision is kept as a ControllerRevision',
  },
  {
    group: 'autoscaling',
    resource: 'horizontalpodautoscalers',
    verbs: ['list'],
    scope: 'releases',
    why: 'a Deployment an HPA scales keeps the HPA’s replica count',
  },
  { group: '', resource: 'pods', verbs: ['get', 'list', 'watch'], scope: 'releases', why: 'checks read the pods' },
  {
    group: 'apps',
    resource: 'replicasets',
    verbs: ['list'],
    scope: 'releases',
    why: "a canary behind an HTTPRoute narrows the stable Service to the stable ReplicaSet's pods",
  },
  {
    group: '',
    resource: 'services',
    verbs: ['get', 'patch'],
    scope: 'releases',
    why: 'a canary behind an HTTPRoute narrows the selectors of its two Services',
  },
  {
    group: 'gateway.networking.k8s.io',
    resource: 'httproutes',
    verbs: ['get', 'patch'],
    scope: 'releases',
    why: "a canary behind an HTTPRoute sets its backendRefs' weights at each step",
  },
  {
    group: 'batch',
    resource: 'jobs',
    verbs: ['get', 'create'],
    scope: 'releases',
    why: 'a Job hook runs as a Job, created once and read until it completes',
  },
  {
    group: 'events.k8s.io',
    resource: 'events',
    verbs: ['create', 'patch'],
    scope: 'releases',
    why: 'phase changes are recorded as Events',
  },
  {
    group: '',
    resource: 'namespaces',
    name: 'kube-system',
    verbs: ['get'],
    scope: 'cluster',
    why: "its uid names the cluster's task queue, unless --task-queue or ROLLGUARD_TASK_QUEUE names one",
  },
  {
    group: '',
    resource: 'nodes',
    verbs: ['get', 'list'],
    scope: 'cluster',
    why: 'inspections check that every node is Ready (a namespaced rollguard skips it)',
    clusterWideOnly: true,
  },
  {
    group: 'coordination.k8s.io',
    resource: 'leases',
    verbs: ['create'],
    scope: 'lease',
    why: 'one controller at a time holds the Lease',
  },
  {
    group: 'coordination.k8s.io',
    resource: 'leases',
    name: leaseName,
    verbs: ['get', 'update'],
    scope: 'lease',
    why: 'one controller at a time holds the Lease',
  },
  {
    group: '',
    resource: 'configmaps',
    verbs: ['create'],
    scope: 'lease',
    why: 'the latest inspection report is kept in a ConfigMap',
  },
  {
    group: '',
    resource: 'configmaps',
    name: 'rollguard-inspection',
    verbs: ['get', 'update'],
    scope: 'lease',
    why: 'the latest inspection report is kept in a ConfigMap',
  },
];

/** `deployments.apps`, `releases.rollguard.dev/status`, `pods`: a resource as kubectl names it. */
export function resourceName({ group, resource, subresource, name }: Permission): string {
  return `${resource}${group ? `.${group}` : ''}${subresource ? `/${subresource}` : ''}${name ? ` "${name}"` : ''}`;
}
