import type { LogFields } from './log.ts';

/**
 * The fields that say which Release a log line is about, read from what a piece of work carries: a
 * workflow id (`release/<namespace>/<name>/<uid>`) and an activity's input ({ ref, revision, status }).
 * Only what is there: a line about no Release gets none of them.
 */
export function releaseLogFields({
  workflowId,
  input,
}: {
  workflowId?: string | undefined;
  input?: unknown;
}): LogFields {
  const fields: LogFields = {};
  if (workflowId) {
    fields.workflowId = workflowId;
    const parts = /^release\/([^/]+)\/([^/]+)\/[^/]+$/.exec(workflowId);
    if (parts) fields.release = `${parts[1]}/${parts[2]}`;
  }
  if (input === null || typeof input !== 'object') return fields;
  const value = input as {
    ref?: { namespace?: unknown; name?: unknown };
    namespace?: unknown;
    name?: unknown;
    uid?: unknown;
    revision?: unknown;
    status?: { currentRevision?: unknown; phase?: unknown; lastRollback?: { id?: unknown } };
  };
  const ref = value.ref ?? (typeof value.uid === 'string' ? value : undefined);
  if (ref && typeof ref.namespace === 'string' && typeof ref.name === 'string') {
    fields.release = `${ref.namespace}/${ref.name}`;
  }
  const revision =
    typeof value.revision === 'number'
      ? value.revision
      : typeof (value.revision as { revision?: unknown } | undefined)?.revision === 'number'
        ? (value.revision as { revision: number }).revision
        : value.status?.currentRevision;
  if (typeof revision === 'number') fields.revision = revision;
  if (value.status?.phase === 'RollingBack' && typeof value.status.lastRollback?.id === 'string') {
    fields.rollbackId = value.status.lastRollback.id;
  }
  return fields;
}
