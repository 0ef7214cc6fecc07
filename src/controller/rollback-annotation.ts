import { rollbackAnnotation, rollbackReasonAnnotation, rollbackRequestIdAnnotation } from '../domain/release/ref.ts';
import type { RollbackRequest } from '../domain/release/records.ts';

/**
 * What `kubectl annotate release web rollguard.dev/rollback-to=3` asks for, or why it cannot be sent.
 * `key` names the request as written (target and id), so a refusal is reported once per request.
 */
export type RollbackAnnotation =
  | { valid: true; key: string; request: RollbackRequest & { requestId: string } }
  | { valid: false; key: string; why: string };

// Matches the status schema's limit on a rollback reason, so the workflow can record it as given.
const maxReasonLength = 1024;
const maxRevision = 2 ** 31 - 1;
// Leaves room for the target within the 1024 characters status.observedRollbackRequest holds.
const maxRequestIdLength = 253;

/**
 * The id a request is carried out under, once: the same annotations applied again (a GitOps tool
 * healing its drift, a controller restarted) name the same request; a new target or a new
 * rollguard.dev/rollback-request-id names a new one.
 */
export const annotationRequestId = (target: string, id?: string): string => `annotation:${target}${id ? `#${id}` : ''}`;

/** The rollback the annotations request, or undefined when there is none. */
export function readRollbackAnnotation(
  annotations: Record<string, string> | undefined,
): RollbackAnnotation | undefined {
  const value = annotations?.[rollbackAnnotation];
  if (value === undefined) return undefined;
  const target = value.trim();
  const id = annotations?.[rollbackRequestIdAnnotation]?.trim() || undefined;
  const key = annotationRequestId(target, id);
  if (id !== undefined && id.length > maxRequestIdLength) {
    return {
      valid: false,
      key,
      why: `${rollbackRequestIdAnnotation} is ${id.length} characters long; keep it within ${maxRequestIdLength}`,
    };
  }
  const reason =
    annotations?.[rollbackReasonAnnotation]?.trim() || `requested with the ${rollbackAnnotation}=${target} annotation`;
  const request = { reason: reason.slice(0, maxReasonLength), trigger: 'Annotation' as const, requestId: key };
  if (target === 'previous') return { valid: true, key, request };
  if (/^[1-9][0-9]*$/.test(target) && Number(target) <= maxRevision) {
    return { valid: true, key, request: { toRevision: Number(target), ...request } };
  }
  return {
    valid: false,
    key,
    why: `${rollbackAnnotation}="${value}" is not a revision: write a revision number such as "3", or "previous" for the last stable revision`,
  };
}
