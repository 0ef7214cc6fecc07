import { rollbackTriggers } from '../api/phases.ts';
import type { RollbackRequest, UncheckedSpecMessage } from './records.ts';

/**
 * Messages can come from any Temporal client (the Web UI, the CLI, scripts), so their input is
 * checked before it is acted on: a malformed one is refused with a reason, never crashes a workflow.
 */
export function readRollbackRequest(raw: unknown): RollbackRequest | { invalid: string } {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    return { invalid: 'a rollback request is an object such as {"toRevision": 3, "reason": "..."}' };
  const { toRevision, reason, trigger, requestId } = raw as Record<string, unknown>;
  if (toRevision !== undefined && !(Number.isInteger(toRevision) && (toRevision as number) > 0)) {
    return { invalid: `toRevision must be a positive whole number, not ${JSON.stringify(toRevision)}` };
  }
  if (reason !== undefined && typeof reason !== 'string') return { invalid: 'reason must be text' };
  const triggers: readonly unknown[] = rollbackTriggers.filter((t) => t !== 'Automatic');
  if (trigger !== undefined && !triggers.includes(trigger))
    return { invalid: `trigger must be one of ${triggers.join(', ')}` };
  if (requestId !== undefined && !(typeof requestId === 'string' && requestId.length > 0 && requestId.length <= 1024)) {
    return { invalid: 'requestId must be text of 1 to 1024 characters' };
  }
  return {
    ...(toRevision !== undefined ? { toRevision: toRevision as number } : {}),
    ...(reason !== undefined ? { reason: reason.slice(0, 1024) } : {}),
    ...(trigger !== undefined ? { trigger: trigger as RollbackRequest['trigger'] } : {}),
    ...(requestId !== undefined ? { requestId: requestId } : {}),
  } as RollbackRequest;
}

/**
 * A spec message as it arrives, before its spec is checked: the generation must be a positive whole
 * number and the spec an object. The spec itself is checked outside workflow code (spec-message.ts,
 * by a local activity), which so loads no schema library (docs/benchmarks.md).
 */
export function readSpecEnvelope(raw: unknown): UncheckedSpecMessage | { invalid: string } {
  const { generation, spec } = (raw ?? {}) as Record<string, unknown>;
  if (!Number.isInteger(generation) || (generation as number) < 1)
    return { invalid: 'generation must be a positive whole number' };
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
    return { invalid: 'spec must be an object: the Release spec, as in the Release' };
  return { generation: generation as number, unchecked: spec };
}
