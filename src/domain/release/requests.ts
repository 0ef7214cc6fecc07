import { rollbackTriggers } from '../api/phases.ts';
import type { StrategyCommand } from './strategy-machine.ts';
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

/** A promote, abort or retry, as the workflow's strategy machine takes it. */
export type StrategyRequestCommand = Extract<StrategyCommand, { kind: 'promote' | 'abort' | 'retry' }>;

/**
 * A promote, abort or retry request as it arrives (an Update or a Signal from any client): an object
 * with an optional `full` (promote), `reason`, `by` and `requestId`, or nothing at all. An abort
 * without a reason is recorded as such: the Event still names who asked.
 */
export function readStrategyRequest(
  kind: StrategyRequestCommand['kind'],
  raw: unknown,
): { command: StrategyRequestCommand; requestId?: string } | { invalid: string } {
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw)))
    return { invalid: `a ${kind} request is an object such as {"reason": "...", "by": "..."}` };
  const { full, reason, by, requestId } = (raw ?? {}) as Record<string, unknown>;
  if (full !== undefined && typeof full !== 'boolean') return { invalid: 'full must be true or false' };
  if (full !== undefined && kind !== 'promote') return { invalid: `full applies to promote, not ${kind}` };
  if (reason !== undefined && typeof reason !== 'string') return { invalid: 'reason must be text' };
  if (by !== undefined && typeof by !== 'string') return { invalid: 'by must be text' };
  if (requestId !== undefined && !(typeof requestId === 'string' && requestId.length > 0 && requestId.length <= 1024))
    return { invalid: 'requestId must be text of 1 to 1024 characters' };
  const who = by !== undefined ? { by: by.slice(0, 256) } : {};
  const id = requestId !== undefined ? { requestId } : {};
  switch (kind) {
    case 'promote':
      return { command: { kind, ...(full ? { full } : {}), ...who }, ...id };
    case 'abort':
      return { command: { kind, reason: (reason ?? 'no reason given').slice(0, 1024), ...who }, ...id };
    case 'retry':
      return { command: { kind, ...who }, ...id };
  }
}
