import { setTimeout as delay } from 'node:timers/promises';

/**
 * Sleeps `ms`, or rejects with the activity's cancellation itself (a CancelledFailure) when that comes
 * first. What the SDK's `Context.current().sleep` does, without its cost: that one chains a reaction
 * to the activity's cancellation promise on every call, kept until the activity ends, so a wait that
 * looks twice a second held every sleep of its life (with 500 rollouts waiting, the heap's floor rose
 * from 171 to 311 MiB in five minutes; docs/benchmarks.md). The signal is the activity's
 * `cancellationSignal`; none outside one.
 */
export async function sleepUnlessCancelled(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    throw signal?.aborted ? signal.reason : err;
  }
}

/**
 * How often a wait heartbeats when nothing it reports has changed. Its activities time out after 20 s
 * without one (src/workflows/proxies.ts), and the SDK sends Temporal at most one every 16 s anyway:
 * a heartbeat on every half-second look cost the worker a payload conversion, a protobuf and a call
 * into its core each time, two a second for each rollout in flight (docs/benchmarks.md).
 */
export const quietHeartbeatMs = 5_000;

/**
 * A heartbeat that goes out when what it says changes (`key`, by default the details themselves),
 * when told it is the last, and otherwise at most every `everyMs`; but, unless it is the last, none
 * in the first `everyMs` of the wait. A wait shorter than that (a rollout or a readiness window on a
 * quiet cluster) that ends well sends Temporal none: each costs Temporal a write of the workflow's
 * state, and the SDK sends the first one at once. The heartbeat timeout (20 s) is well past it.
 * Details the key leaves out (a running count of watched time) go out with the next heartbeat that
 * does: a retry after a crash may carry on from up to `everyMs` earlier, which only gives the user's
 * deadline more time.
 */
export function throttledHeartbeat(
  heartbeat: (details?: unknown) => void,
  { everyMs = quietHeartbeatMs, now = Date.now }: { everyMs?: number; now?: () => number } = {},
): (details?: unknown, options?: { key?: unknown; last?: boolean }) => void {
  const startedAt = now();
  let lastKey: string | undefined;
  let lastAt = Number.NEGATIVE_INFINITY;
  return (details, { key = details, last = false } = {}) => {
    const at = now();
    if (!last && at - startedAt < everyMs) return;
    const said = JSON.stringify(key) ?? '';
    if (!last && said === lastKey && at - lastAt < everyMs) return;
    lastKey = said;
    lastAt = at;
    heartbeat(details);
  };
}
