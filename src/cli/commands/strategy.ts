import { abortUpdate, promoteUpdate, retryUpdate } from '../../workflows/messages.ts';
import type { StrategyOutcome, StrategyRequest } from '../../domain/release/records.ts';
import { updateRelease, whoAsks } from '../release-update.ts';
import { readRelease } from '../releases.ts';
import type { Session } from '../session.ts';

export type StrategyVerb = 'promote' | 'abort' | 'retry';

export interface StrategyOptions {
  verb: StrategyVerb;
  release: string;
  /** promote: skip every remaining step. */
  full?: boolean;
  reason?: string;
  /** How long to wait for the workflow to take the request. */
  timeoutMs: number;
}

const updates = { promote: promoteUpdate, abort: abortUpdate, retry: retryUpdate } as const;

/**
 * `rollguard promote|abort|retry RELEASE`: the workflow's Update of that name, which refuses a request
 * with nothing to act on (no canary in flight, not paused, ...) before it enters history.
 */
export async function strategyRequest(options: StrategyOptions, session: Session): Promise<number> {
  const release = await readRelease(session, options.release);
  const what = `${release.metadata.namespace}/${release.metadata.name}`;
  const { client } = await session.temporal();
  const request: StrategyRequest = {
    by: whoAsks(),
    ...(options.full ? { full: true } : {}),
    ...(options.reason ? { reason: options.reason } : {}),
  };
  const outcome: StrategyOutcome = await updateRelease(client, release, updates[options.verb], request, {
    verb: options.verb,
    timeoutMs: options.timeoutMs,
  });
  const { out } = session;
  if (out.format !== 'text')
    out.data({ namespace: release.metadata.namespace, name: release.metadata.name, ...outcome });
  else {
    const where =
      outcome.state === 'Promoted'
        ? 'promoted'
        : outcome.state === 'Aborted'
          ? `aborted at step ${outcome.step}`
          : `now at step ${outcome.step}`;
    const line = `${options.verb}: ${what} revision ${outcome.revision} ${where}${outcome.message ? ` (${outcome.message})` : ''}`;
    out.line(outcome.state === 'Aborted' ? out.style.bad(line) : out.style.good(line));
  }
  return 0;
}
