import { Context } from '@temporalio/activity';

/** What the analysis needs from the Temporal activity it may be running in. */
export interface ActivityHooks {
  /** Records progress; Temporal keeps the last details for the next attempt. */
  heartbeat(details: unknown): void;
  /** The details the previous attempt heartbeated last, if this is a retry. */
  lastHeartbeat(): unknown;
  /** Aborted when the workflow cancels the activity (delivered through heartbeats). */
  signal?: AbortSignal;
}

const detached: ActivityHooks = { heartbeat: () => undefined, lastHeartbeat: () => undefined };

/**
 * The current Temporal activity's hooks, or inert ones outside an activity (tests, the CLI), so the
 * analysis runs the same way in both. Context.current() throws when there is no activity.
 */
export function currentActivityHooks(): ActivityHooks {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return detached;
  }
  return {
    heartbeat: (details) => ctx.heartbeat(details),
    lastHeartbeat: () => ctx.info.heartbeatDetails as unknown,
    signal: ctx.cancellationSignal,
  };
}
