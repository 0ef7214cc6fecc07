import { rollbackAnnotation, rollbackReasonAnnotation } from '../release/ref.ts';
import type { RollbackRequest } from '../../workflows/messages.ts';

/** What `kubectl annotate release web rollguard.dev/rollback-to=3` asks for, or why it cannot be sent. */
export type RollbackAnnotation =
  | { valid: true; value: string; request: RollbackRequest }
  | { valid: false; value: string; why: string };

// Matches the status schema's limit on a rollback reason, so the workflow can record it as given.
const maxReasonLength = 1024;
const maxRevision = 2 ** 31 - 1;

/** The rollback the annotations request, or undefined when there is none. */
export function readRollbackAnnotation(annotations: Record<string, string> | undefined): RollbackAnnotation | undefined {
  const value = annotations?.[rollbackAnnotation];
  if (value === undefined) return undefined;
  const wanted = value.trim();
  const reason = annotations?.[rollbackReasonAnnotation]?.trim() || `requested with the ${rollbackAnnotation}=${wanted} annotation`;
  const request: RollbackRequest = { reason: reason.slice(0, maxReasonLength), trigger: 'Annotation' };
  if (wanted === 'previous') return { valid: true, value, request };
  if (/^[1-9][0-9]*$/.test(wanted) && Number(wanted) <= maxRevision) {
    return { valid: true, value, request: { toRevision: Number(wanted), ...request } };
  }
  return {
    valid: false,
    value,
    why: `${rollbackAnnotation}="${value}" is not a revision: write a revision number such as "3", or "previous" for the last stable revision`,
  };
}
