import {
  ActivityFailure,
  ApplicationFailure,
  patched,
  proxyActivities,
  proxyLocalActivities,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ConditionReason, ReleasePhase } from '../domain/api/index.ts';
import { EventAction, type EventReason, type ReleaseEvent } from '../domain/release/events.ts';
import { refusalTypes } from '../domain/release/refusal.ts';
import type { ReleaseState } from '../domain/release/state.ts';
import { releasePhase, releaseRevision } from './search-attributes.ts';
import { notifyTransition } from './notify.ts';

/** Retried with backoff until the API server answers; what retrying cannot fix fails at once. */
const retry = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  nonRetryableErrorTypes: [...refusalTypes],
};

const remoteSteps = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry });

/**
 * The same calls as local activities: the worker running the workflow task runs them at once, with
 * no trip through the task queue and no new workflow task between two steps, which under load took
 * seconds each (docs/benchmarks.md). They keep the retries and the refusals of the activities.
 */
const localSteps = proxyLocalActivities<Activities>({
  // A local step holds the workflow task while it runs (a Signal or Update waits for the task's next
  // heartbeat): one attempt is bounded well below an activity's, and a retry later than 5 s away waits
  // on a timer instead of in the task.
  startToCloseTimeout: '10 seconds',
  localRetryThreshold: '5 seconds',
  retry,
});

/**
 * Short calls to the Kubernetes API (read, write, record), retried with backoff until the API server
 * answers. Local activities, except in runs that began before they were (see useLocalSteps).
 */
export let kube = remoteSteps;

/**
 * Decides, once at the start of each run, how the short steps run. Patched in: a run that began with
 * them as activities replays them as activities to its end.
 */
export function useLocalSteps(): void {
  kube = patched('local-steps') ? localSteps : remoteSteps;
}

/**
 * Calls that wait on other servers by design (a Secret's grace period, a Prometheus that does not
 * answer): always activities, so the workflow takes Signals and Updates while they run.
 */
export const lookups = remoteSteps;

/** Long waits (a rollout, an analysis window) that heartbeat, so a dead worker is noticed in seconds. */
export const waits = proxyActivities<Activities>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '20 seconds',
  retry,
});

/** Reads of the worker's own settings: nothing to wait for. */
export const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '5 seconds' });

/** What an activity refused for good (the API server's 400/403/422, an object of someone else's). */
export interface Refusal {
  type: string;
  message: string;
}

/**
 * The refusal an activity failed with, or undefined for any other error (which the caller rethrows).
 * An activity's failure arrives as an ActivityFailure whose cause is what it threw; a local
 * activity's, as what it threw.
 */
export function refusalOf(err: unknown): Refusal | undefined {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  if (!(failure instanceof ApplicationFailure) || !failure.nonRetryable) return undefined;
  return { type: failure.type ?? 'Refused', message: failure.message };
}

// Status writes go out one at a time, each with the status as it is when its turn comes: a handler's
// write (pause, resume) and the main loop's never land out of order, and the last one is the newest.
let statusWrites: Promise<unknown> = Promise.resolve();

function serialised<T>(write: () => Promise<T>): Promise<T> {
  // Patched in: workflows that began with concurrent writes replay them as they ran.
  if (!patched('serial-status-writes')) return write();
  const next = statusWrites.then(write);
  statusWrites = next.catch(() => undefined);
  return next;
}

/** Writes the state's status to the Release (no phase change). */
export function writeStatus(state: ReleaseState): Promise<unknown> {
  return serialised(() => kube.writeStatus({ ref: state.data.ref, status: state.status() }));
}

/** An Event keyed by the workflow's own sequence, so a repeated activity records it once. */
export function keyedEvent(state: ReleaseState, event: Omit<ReleaseEvent, 'key'>): ReleaseEvent {
  return { ...event, key: `event-${state.nextEventSeq()}` };
}

/** Records a Warning or Normal Event on the Release, once. */
export async function recordEvent(state: ReleaseState, event: Omit<ReleaseEvent, 'key'>): Promise<void> {
  await kube.recordEvent({ ref: state.data.ref, event: keyedEvent(state, event) });
}

/**
 * Moves the Release to another phase and records it everywhere: status, an Event, a log line, a
 * metric (one activity), and the workflow's search attributes for the Temporal UI.
 */
export async function enter(
  state: ReleaseState,
  to: ReleasePhase,
  reason: ConditionReason & EventReason,
  message: string,
  { warning = false, action = EventAction.Rollout }: { warning?: boolean; action?: EventAction } = {},
): Promise<void> {
  const transition = state.moveTo(to, reason, message, new Date());
  const { from } = transition;
  upsertSearchAttributes([
    { key: releasePhase, value: to },
    ...(state.data.currentRevision !== undefined ? [{ key: releaseRevision, value: state.data.currentRevision }] : []),
  ]);
  // The memo is what the Temporal UI shows of a workflow at a glance. Patched in, so workflows that
  // started before it replay as they ran.
  if (patched('release-memo')) {
    upsertMemo({
      generation: state.data.generation,
      phase: to,
      message,
      ...(state.data.currentRevision !== undefined ? { currentRevision: state.data.currentRevision } : {}),
      ...(state.data.stableRevision !== undefined ? { stableRevision: state.data.stableRevision } : {}),
    });
  }
  const event = keyedEvent(state, { type: warning ? 'Warning' : 'Normal', reason, message, action });
  await serialised(() => kube.recordTransition({ ref: state.data.ref, from, to, status: state.status(), event }));
  await notifyTransition(state, transition, event.key as string);
}
