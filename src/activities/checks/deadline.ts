/** A signal that aborts at a deadline or with an outer signal, whichever comes first, until `end`. */
export interface Deadline {
  signal: AbortSignal;
  /** The work is over: the timer and the outer signal's listener go now, not when the timer would fire. */
  end(): void;
}

/**
 * Like AbortSignal.any([outer, AbortSignal.timeout(ms)]), but its timer is cleared when the work ends.
 * AbortSignal.timeout cannot be cleared: at thousands of probes a round, every one's timer still fires
 * `ms` later (into the next round) and builds its TimeoutError, and the signals go through a finalizer.
 */
export function startDeadline(ms: number, outer?: AbortSignal): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    ms,
  );
  const onAbort = (): void => controller.abort(outer?.reason);
  if (outer?.aborted) onAbort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    end() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    },
  };
}
