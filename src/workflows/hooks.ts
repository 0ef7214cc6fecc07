import { ActivityFailure, isCancellation, patched, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { ConditionReason as Reason, ConditionType as Type } from '../domain/api/conditions.ts';
import type { Hook, HookStage } from '../domain/api/index.ts';
import { parseDuration } from '../domain/api/durations.ts';
import { EventAction, EventReason } from '../domain/release/events.ts';
import { type HookContext, HookFailure, hookRunKey } from '../domain/release/hooks.ts';
import { refusalTypes } from '../domain/release/refusal.ts';
import type { ReleaseState } from '../domain/release/state.ts';
import { enter, recordEvent, writeStatus } from './proxies.ts';

const final = [...refusalTypes, ...Object.values(HookFailure)];

/**
 * How an HTTP hook is called. One declared idempotent is retried with backoff; any other gets one
 * attempt, so it is never called twice: not after a failure, not after rollguard was killed while
 * it ran (the attempt then times out and the hook counts as failed).
 */
function httpCalls(hook: NonNullable<Hook['http']>) {
  return proxyActivities<Activities>({
    startToCloseTimeout: parseDuration(hook.timeout) + 5_000,
    retry: hook.idempotent
      ? {
          initialInterval: '1 second',
          backoffCoefficient: 2,
          maximumAttempts: hook.retries + 1,
          nonRetryableErrorTypes: final,
        }
      : { maximumAttempts: 1 },
  });
}

/** A Job hook's wait heartbeats; a retry (after a worker died) finds the Job by its name and awaits it, never starting another. */
const jobs = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: final,
  },
});

function failureMessage(hook: Hook, err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof TimeoutFailure)
    return `hook ${hook.name}: the call did not finish in time${hook.http && !hook.http.idempotent ? ' (not retried: the hook is not declared idempotent)' : ''}`;
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * Runs a stage's hooks in their order, recording each outcome (status.hooks and an Event). Stops at
 * the first that fails and returns its message. Patched in; a stage without hooks issues no command.
 */
async function runStage(state: ReleaseState, stage: HookStage, context: HookContext): Promise<string | undefined> {
  const hooks = state.data.spec?.hooks?.[stage];
  // Patched in: runs that began before hooks existed replay without them.
  if (!hooks?.length || !patched('lifecycle-hooks')) return undefined;
  const { ref } = state.data;
  let failed: string | undefined;
  for (const hook of hooks) {
    const key = hookRunKey(ref, stage, hook.name, context);
    const input = { ref, stage, hook, key, context };
    try {
      if (hook.http) await httpCalls(hook.http).runHttpHook(input);
      else await jobs.runJobHook(input);
    } catch (err) {
      if (isCancellation(err)) throw err;
      failed = failureMessage(hook, err);
    }
    const message = failed ?? `${stage} hook ${hook.name} succeeded`;
    state.recordHook({
      stage,
      name: hook.name,
      outcome: failed ? 'Failed' : 'Succeeded',
      message: message.slice(0, 1024),
      ...(context.revision !== undefined ? { revision: context.revision } : {}),
      time: new Date().toISOString(),
    });
    await recordEvent(state, {
      type: failed ? 'Warning' : 'Normal',
      reason: failed ? EventReason.HookFailed : EventReason.HookSucceeded,
      message: failed ? `${stage} hook ${hook.name} failed: ${failed}` : message,
      action: EventAction.Hook,
    });
    if (failed) break;
  }
  await writeStatus(state);
  return failed;
}

/**
 * The preRollout hooks, before anything is written. False when one failed: the Release is then
 * Failed, says why in Progressing and an Event, and the Deployment was not touched.
 */
export async function preRolloutHooks(state: ReleaseState): Promise<boolean> {
  const failed = await runStage(state, 'preRollout', { generation: state.data.generation });
  if (failed === undefined) return true;
  const running =
    state.data.currentRevision !== undefined ? ` Revision ${state.data.currentRevision} keeps running.` : '';
  const message = `generation ${state.data.generation} was not rolled out: preRollout hook failed: ${failed}.${running}`;
  state.setCondition(
    { type: Type.Progressing, status: 'False', reason: Reason.PreRolloutHookFailed, message },
    new Date(),
  );
  await enter(state, 'Failed', Reason.PreRolloutHookFailed, message, { warning: true, action: EventAction.Hook });
  return false;
}

/** The postRollout hooks, once a revision is stable; a failure is recorded and the Release stays Ready. */
export async function postRolloutHooks(state: ReleaseState, revision: number): Promise<void> {
  await runStage(state, 'postRollout', { generation: state.data.generation, revision });
}

/** The onRollback hooks, the rollback's compensation, once the Deployment runs the earlier revision again. */
export async function onRollbackHooks(
  state: ReleaseState,
  rollback: { id: string; fromRevision: number; toRevision: number },
): Promise<void> {
  await runStage(state, 'onRollback', { generation: state.data.generation, revision: rollback.toRevision, rollback });
}
