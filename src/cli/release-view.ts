import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Condition, Release, ReleasePhase, RecordedVerdict, RollbackRecord } from '../domain/api/index.ts';
import { isNotFound } from '../kube/errors.ts';
import { deploymentName } from '../domain/release/names.ts';
import { statusQuery } from '../workflows/messages.ts';
import type { ReleaseSnapshot, RolloutProgress } from '../domain/release/records.ts';
import { refOf, workflowIdOf } from './releases.ts';
import type { Session } from './session.ts';

/** What `status`, `history` and `--wait` show of one Release: the cluster's view and, when it answers, the workflow's. */
export interface ReleaseView {
  release: Release;
  /** The workflow's own state (the status query); undefined when the workflow did not answer. */
  snapshot?: ReleaseSnapshot;
  /** Why the workflow did not answer. */
  unanswered?: string;
  /** Pods of the owned Deployment now; the workflow records progress only when a wait ends. */
  progress?: RolloutProgress;
  workflowId: string;
  temporalNamespace: string;
}

/** The facts both sources share: the live snapshot when there is one, else the Release's status. */
export interface ReleaseFacts {
  phase?: ReleasePhase | undefined;
  generation?: number | undefined;
  currentRevision?: number | undefined;
  stableRevision?: number | undefined;
  conditions: Condition[];
  lastVerdict?: RecordedVerdict | undefined;
  lastRollback?: RollbackRecord | undefined;
}

export function factsOf(view: ReleaseView): ReleaseFacts {
  const s = view.snapshot;
  if (s) return { ...s, generation: s.generation };
  const status = view.release.status ?? {};
  return { ...status, generation: status.observedGeneration, conditions: status.conditions ?? [] };
}

export const conditionOf = (facts: ReleaseFacts, type: string): Condition | undefined =>
  facts.conditions.find((c) => c.type === type);

/** Asks the workflow for its state, giving up after `timeoutMs` (no worker, or Temporal down). */
export async function querySnapshot(
  session: Session,
  workflowId: string,
  timeoutMs: number,
): Promise<{ snapshot?: ReleaseSnapshot; unanswered?: string }> {
  let temporal;
  try {
    temporal = await session.temporal();
  } catch (err) {
    return { unanswered: (err as Error).message.split('\n')[0] ?? 'Temporal cannot be reached' };
  }
  const handle = temporal.client.workflow.getHandle(workflowId);
  try {
    const snapshot = await temporal.client.withDeadline(Date.now() + timeoutMs, () => handle.query(statusQuery));
    return { snapshot };
  } catch (err) {
    const unanswered =
      err instanceof WorkflowNotFoundError
        ? 'the workflow has not been started: is `rollguard run` (the controller) running?'
        : // The client's own deadline surfaces as "Call cancelled" when it passes before the server answers.
          /deadline|timed out|no poller|call cancelled/i.test(`${(err as Error).message} ${reasonOf(err)}`)
          ? `the workflow did not answer within ${timeoutMs / 1000}s: is a rollguard worker running${await onTaskQueue(temporal.client, handle)}?`
          : `the workflow did not answer: ${reasonOf(err)}`;
    return { unanswered };
  }
}

/** " on task queue NAME": which workers the workflow waits for (each cluster has its own queue), when Temporal says. */
async function onTaskQueue(client: Client, handle: WorkflowHandle): Promise<string> {
  try {
    return ` on task queue ${(await client.withDeadline(Date.now() + 2000, () => handle.describe())).taskQueue}`;
  } catch {
    return '';
  }
}

/** The server's own words ("no poller seen for task queue recently, worker may be down") rather than the SDK's wrapper. */
function reasonOf(err: unknown): string {
  const cause = (err as { cause?: { details?: unknown; message?: unknown } }).cause;
  const words =
    typeof cause?.details === 'string' && cause.details
      ? cause.details
      : typeof cause?.message === 'string'
        ? cause.message
        : (err as Error).message;
  return words.split('\n')[0] ?? '';
}

async function deploymentProgress(session: Session, release: Release): Promise<RolloutProgress | undefined> {
  const { name, namespace } = refOf(release);
  try {
    const d = await session.kube().apps.readNamespacedDeployment({ name: deploymentName(name), namespace });
    const s = d.status ?? {};
    // Right after a change the counts are still the old template's: better none than stale ones.
    if ((s.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) return undefined;
    return {
      desired: d.spec?.replicas ?? 1,
      updated: s.updatedReplicas ?? 0,
      ready: s.readyReplicas ?? 0,
      available: s.availableReplicas ?? 0,
    };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function loadView(
  session: Session,
  release: Release,
  { queryTimeoutMs = 3000 } = {},
): Promise<ReleaseView> {
  const workflowId = workflowIdOf(release);
  const [answer, live] = await Promise.all([
    querySnapshot(session, workflowId, queryTimeoutMs),
    deploymentProgress(session, release),
  ]);
  const progress = live ?? answer.snapshot?.progress;
  return {
    release,
    workflowId,
    temporalNamespace: session.temporalNamespace(),
    ...answer,
    ...(progress ? { progress } : {}),
  };
}
