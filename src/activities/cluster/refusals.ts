import { ApplicationFailure } from '@temporalio/common';
import { apiRefusal } from '../../kube/errors.ts';
import { RefusalType } from '../../domain/release/refusal.ts';

/**
 * The API server's answers that retrying cannot change: a malformed or invalid object (400, 422),
 * a permission rollguard lacks (403), something that is not there (404, where the caller says so).
 * 409 is a conflict to retry, unless the caller knows it means someone else's object.
 */
const unfixable = new Set([400, 403, 422]);

/**
 * Turns an API error that retrying cannot fix into a non-retryable failure carrying the API server's
 * words, so the workflow records it (a condition and an Event) instead of retrying it for ever. Other
 * errors (the API server down, a timeout, a 409 from a racing write, a 5xx) are returned as they are.
 */
export function classifyApiError(err: unknown, action: string, { notFoundIsFinal = false } = {}): unknown {
  const refusal = apiRefusal(err);
  if (!refusal) return err;
  if (!unfixable.has(refusal.code) && !(notFoundIsFinal && refusal.code === 404) && !untypedApply(refusal)) return err;
  return ApplicationFailure.create({
    type: refusal.code === 403 ? RefusalType.Forbidden : RefusalType.ApplyRefused,
    message: `${action}: the API server refused it (${[refusal.code, refusal.reason].filter(Boolean).join(' ')}): ${refusal.message}`,
    nonRetryable: true,
    details: [{ code: refusal.code, causes: refusal.causes }],
  });
}

/**
 * A server-side apply whose object does not fit the kind's schema (an unknown field, duplicate keys of
 * a list map, a resource quantity that is not one) is answered with a 500 that names the field: the
 * object, not the server, is at fault.
 */
const untypedApply = (refusal: { code: number; message: string }): boolean =>
  refusal.code === 500 && /^failed to (create typed patch object|convert new object)/.test(refusal.message);

/** A refusal rollguard makes itself: an object in the way that belongs to someone else. */
export function foreignObject(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: RefusalType.ForeignObject, message, nonRetryable: true });
}

/** A refusal rollguard makes itself: an object it must write no longer has the shape the change needs. */
export function cannotCarry(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: RefusalType.ApplyRefused, message, nonRetryable: true });
}

/** A refusal for a thing that is not there and will not appear by retrying (a pruned revision). */
export function notThere(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: RefusalType.NotFound, message, nonRetryable: true });
}

/** Runs an API call and classifies what it throws. */
export async function refusedOr<T>(
  action: string,
  call: () => Promise<T>,
  options?: { notFoundIsFinal?: boolean },
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw classifyApiError(err, action, options);
  }
}
