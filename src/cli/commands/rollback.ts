import { rollbackUpdate } from '../../workflows/messages.ts';
import type { RollbackOutcome } from '../../domain/release/records.ts';
import { RolloutError } from '../errors.ts';
import { updateRelease, whoAsks } from '../release-update.ts';
import { readRelease } from '../releases.ts';
import type { Session } from '../session.ts';

export interface RollbackOptions {
  release: string;
  /** A kept revision; the previous stable revision when absent. */
  toRevision?: number;
  reason?: string;
  /** How long to wait for the workflow to finish the rollback. */
  timeoutMs: number;
}

/** `rollguard rollback RELEASE`: the workflow's rollback Update, which refuses an unknown revision before it enters history. */
export async function rollback(options: RollbackOptions, session: Session): Promise<number> {
  const release = await readRelease(session, options.release);
  const what = `${release.metadata.namespace}/${release.metadata.name}`;
  const { client } = await session.temporal();
  const request = {
    ...(options.toRevision !== undefined ? { toRevision: options.toRevision } : {}),
    reason: options.reason ?? `requested by ${whoAsks()} with rollguard rollback`,
    trigger: 'Update' as const,
  };
  const outcome: RollbackOutcome = await updateRelease(client, release, rollbackUpdate, request, {
    verb: 'rollback',
    timeoutMs: options.timeoutMs,
  });

  const { out } = session;
  if (out.format !== 'text')
    out.data({ namespace: release.metadata.namespace, name: release.metadata.name, ...outcome });
  else {
    const from = outcome.from !== undefined ? `revision ${outcome.from} → ${outcome.to}` : `revision ${outcome.to}`;
    const line = `rolled back ${what}: ${from} (rollback ${outcome.rollbackId}); phase ${outcome.phase}`;
    out.line(outcome.phase === 'Ready' ? out.style.good(line) : out.style.bad(line));
  }
  if (outcome.phase !== 'Ready') {
    throw new RolloutError(
      `rollback ${outcome.rollbackId} of ${what} to revision ${outcome.to} did not complete (phase ${outcome.phase}); see \`rollguard status ${release.metadata.name}\``,
    );
  }
  return 0;
}
