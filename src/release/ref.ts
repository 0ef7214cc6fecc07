/** Which Release a workflow drives: the uid makes a deleted and re-created Release a new workflow. */
export interface ReleaseRef {
  namespace: string;
  name: string;
  uid: string;
}

/** The Temporal task queue rollguard's workers poll. */
export const taskQueue = 'rollguard';

export const releaseWorkflowId = (ref: ReleaseRef): string => `release/${ref.namespace}/${ref.name}/${ref.uid}`;

export const describeRef = (ref: Pick<ReleaseRef, 'namespace' | 'name'>): string => `${ref.namespace}/${ref.name}`;

/** Finalizer the controller puts on every Release so deletion waits for the workflow's cleanup. */
export const cleanupFinalizer = 'rollguard.dev/cleanup';

/** Annotation a user sets to ask for a rollback with kubectl alone: a revision number or "previous". */
export const rollbackAnnotation = 'rollguard.dev/rollback-to';
/** Optional reason to go with the annotation rollback. */
export const rollbackReasonAnnotation = 'rollguard.dev/rollback-reason';

/** Annotation on the owned Deployment recording which revision it runs. */
export const revisionAnnotation = 'rollguard.dev/revision';
/** Label on every object rollguard creates for a Release (Deployment, ControllerRevisions). */
export const releaseLabel = 'rollguard.dev/release';

export const fieldManager = 'rollguard';
