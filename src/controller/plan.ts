import type { DeletionPolicy, Release } from '../domain/api/index.ts';
import { cleanupFinalizer, type ReleaseRef } from '../domain/release/ref.ts';
import type {
  InvalidSpecMessage,
  ReleaseWorkflowInput,
  RollbackRequest,
  SpecMessage,
} from '../domain/release/records.ts';
import type { ForeignStatusWrite } from './foreign-status.ts';
import { readRollbackAnnotation } from './rollback-annotation.ts';
import { type AnnotatedStrategyRequest, readStrategyAnnotations } from './strategy-annotations.ts';

/**
 * The controller's whole decision: which cluster state becomes which message to the Release's
 * workflow. It decides nothing about rollouts; the workflow does.
 */
export type Work =
  | { kind: 'addFinalizer' }
  | { kind: 'spec'; message: SpecMessage; recovered: NonNullable<ReleaseWorkflowInput['recovered']> }
  /** A generation that does not match the schema: the workflow records it as InvalidSpec (and Failed). */
  | { kind: 'invalidSpec'; message: InvalidSpecMessage }
  /** Someone other than rollguard wrote the status: the workflow writes its own again, with an Event. */
  | { kind: 'restoreStatus'; writtenBy: string; key: string }
  | { kind: 'rollback'; request: RollbackRequest & { requestId: string } }
  /** A promote, abort or retry annotation's request, sent as the Signal of that name. */
  | ({ kind: 'strategyRequest' } & AnnotatedStrategyRequest)
  /** A malformed rollback annotation: a Warning Event, once per request; the annotation stays. */
  | { kind: 'refuseRollback'; why: string; key: string }
  /** Send `delete` to a running workflow, wait for it to close, then let the Release go. */
  | { kind: 'delete'; removeFinalizer: boolean };

/** The metadata the controller acts on, readable even from a Release that fails validation. */
export interface ReleaseMeta extends ReleaseRef {
  resourceVersion?: string;
  finalizers: string[];
  annotations: Record<string, string>;
  deleting: boolean;
  /** spec.deletionPolicy, read even from a Release that fails validation: Orphan unless it says Delete. */
  deletionPolicy?: DeletionPolicy;
}

export type Observation =
  /** The Release has a deletionTimestamp. */
  | { state: 'deleting'; meta: ReleaseMeta }
  /** The Release left the cluster (its finalizer was removed by us, or by hand). */
  | { state: 'gone'; ref: ReleaseRef }
  /**
   * The Release does not match the schema (a client that skipped the API server's validation, or a
   * value the API server accepts and rollguard cannot read): its workflow is told, to say so in status.
   */
  | { state: 'invalid'; meta: ReleaseMeta; generation: number; problems: string[]; delivered: number }
  /**
   * `delivered`: the newest generation the Release's running workflow was sent, 0 when none runs;
   * `rollbacks`: what this controller did with the rollback annotation.
   */
  | {
      state: 'live';
      meta: ReleaseMeta;
      release: Release;
      delivered: number;
      rollbacks?: RollbackLedger;
      /** The id of the request last sent on each strategy channel, not yet recorded in status. */
      strategyRequests?: Record<string, string>;
      foreignStatus?: ForeignStatus;
    };

/** The newest write of the Release's status was not rollguard's (and has not been answered yet). */
export type ForeignStatus = ForeignStatusWrite;

/** What this controller did with rollback annotations, so a request is sent, or refused, once. */
export interface RollbackLedger {
  /** The id of the rollback request last sent to the running workflow. */
  sent?: string | undefined;
  /** The key of the malformed request last reported in a Warning Event. */
  refused?: string;
}

type Table = { [S in Observation['state']]: (observation: Extract<Observation, { state: S }>) => Work[] };

export const hasFinalizer = (meta: Pick<ReleaseMeta, 'finalizers'>): boolean =>
  meta.finalizers.includes(cleanupFinalizer);

const table: Table = {
  deleting: ({ meta }) => (hasFinalizer(meta) ? [{ kind: 'delete', removeFinalizer: true }] : []),
  gone: () => [{ kind: 'delete', removeFinalizer: false }],
  invalid: (observation) => [...finalizerWork(observation), ...invalidSpecWork(observation)],
  // In this order: the finalizer before any workflow exists, so deletion always waits for it;
  // the spec before a rollback, so a rollback never starts a workflow that has no spec.
  live: (observation) => [
    ...finalizerWork(observation),
    ...specWork(observation),
    ...rollbackWork(observation),
    ...strategyWork(observation),
    ...restoreWork(observation),
  ],
};

export function planRelease(observation: Observation): Work[] {
  return (table[observation.state] as (o: Observation) => Work[])(observation);
}

function invalidSpecWork({
  generation,
  problems,
  delivered,
}: {
  generation: number;
  problems: string[];
  delivered: number;
}): Work[] {
  return generation > delivered ? [{ kind: 'invalidSpec', message: { generation, problems } }] : [];
}

function restoreWork({ foreignStatus }: { foreignStatus?: ForeignStatus }): Work[] {
  return foreignStatus ? [{ kind: 'restoreStatus', ...foreignStatus }] : [];
}

const finalizerWork = ({ meta }: { meta: ReleaseMeta }): Work[] =>
  hasFinalizer(meta) ? [] : [{ kind: 'addFinalizer' }];

function specWork({ release, delivered }: { release: Release; delivered: number }): Work[] {
  const generation = release.metadata.generation ?? 1;
  if (generation <= delivered) return [];
  const { currentRevision, stableRevision } = release.status ?? {};
  const recovered = {
    ...(currentRevision !== undefined ? { currentRevision } : {}),
    ...(stableRevision !== undefined ? { stableRevision } : {}),
  };
  return [{ kind: 'spec', message: { generation, spec: release.spec }, recovered }];
}

/**
 * The annotation stays on the Release (a GitOps tool would put it back), so it is read on every
 * event: a request is sent only when neither the Release's status (the workflow's record of the
 * request it handled last) nor this controller's ledger (sent, not yet recorded) already has it.
 */
function rollbackWork({ release, rollbacks = {} }: { release: Release; rollbacks?: RollbackLedger }): Work[] {
  const annotation = readRollbackAnnotation(release.metadata.annotations);
  if (!annotation) return [];
  if (!annotation.valid)
    return annotation.key === rollbacks.refused
      ? []
      : [{ kind: 'refuseRollback', why: annotation.why, key: annotation.key }];
  const { requestId } = annotation.request;
  if (release.status?.observedRollbackRequest === requestId || rollbacks.sent === requestId) return [];
  return [{ kind: 'rollback', request: annotation.request }];
}

/**
 * As with the rollback annotation: the annotations stay, so a request is sent only when neither the
 * status (the workflow's record of each channel's last request) nor this controller's ledger has it.
 */
function strategyWork({
  release,
  strategyRequests = {},
}: {
  release: Release;
  strategyRequests?: Record<string, string>;
}): Work[] {
  const observed = release.status?.observedStrategyRequests ?? {};
  return readStrategyAnnotations(release.metadata.annotations)
    .filter(
      ({ channel, request }) =>
        observed[channel] !== request.requestId && strategyRequests[channel] !== request.requestId,
    )
    .map((request) => ({ kind: 'strategyRequest' as const, ...request }));
}
