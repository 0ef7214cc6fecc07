/** Which Release a workflow drives: the uid makes a deleted and re-created Release a new workflow. */
export interface ReleaseRef {
  namespace: string;
  name: string;
  uid: string;
}

/**
 * The Temporal task queue of a cluster's Release workflows: named after the cluster (the uid of its
 * kube-system Namespace), so clusters sharing a Temporal namespace never run each other's workflows.
 */
export const clusterTaskQueue = (kubeSystemUid: string): string =>
  `rollguard-${kubeSystemUid.replaceAll('-', '').slice(0, 8).toLowerCase()}`;

/** Names the task queue instead of the cluster (as `rollguard run --task-queue` does). */
export const taskQueueEnv = 'ROLLGUARD_TASK_QUEUE';

/** The longest workflow id Temporal stores on SQL (PostgreSQL, MySQL): a varchar(255). */
export const maxWorkflowIdLength = 255;

/**
 * A Release's workflow id: `release/<namespace>/<name>/<uid>`. A name too long for that to fit in
 * 255 characters is cut short; the uid keeps the id unique (it is the Release's own).
 */
export function releaseWorkflowId(ref: ReleaseRef): string {
  const id = `release/${ref.namespace}/${ref.name}/${ref.uid}`;
  if (id.length <= maxWorkflowIdLength) return id;
  const room = maxWorkflowIdLength - (id.length - ref.name.length);
  return `release/${ref.namespace}/${ref.name.slice(0, room)}/${ref.uid}`;
}

export const describeRef = (ref: Pick<ReleaseRef, 'namespace' | 'name'>): string => `${ref.namespace}/${ref.name}`;

/** Finalizer the controller puts on every Release so deletion waits for the workflow's cleanup. */
export const cleanupFinalizer = 'rollguard.dev/cleanup';

/**
 * Annotation a user sets to ask for a rollback with kubectl or a GitOps tool alone: a revision number
 * or "previous". It stays on the Release: each request is carried out once (see rollback-annotation.ts).
 */
export const rollbackAnnotation = 'rollguard.dev/rollback-to';
/** Optional reason to go with the annotation rollback. */
export const rollbackReasonAnnotation = 'rollguard.dev/rollback-reason';
/** Optional id of the annotation rollback: a new id asks again for a target already rolled back to. */
export const rollbackRequestIdAnnotation = 'rollguard.dev/rollback-request-id';

/** Annotation on the owned Deployment recording which revision it runs. */
export const revisionAnnotation = 'rollguard.dev/revision';
/** Label on every object rollguard creates for a Release (Deployment, ControllerRevisions). */
export const releaseLabel = 'rollguard.dev/release';
/** On a canary's Deployment and pods: `canary`. Keeps its selector apart from the stable Deployment's. */
export const trackLabel = 'rollguard.dev/track';

export const fieldManager = 'rollguard';
/** The field manager of rollguard's status writes: the controller tells someone else's status write by it. */
export const statusManager = 'rollguard-status';
