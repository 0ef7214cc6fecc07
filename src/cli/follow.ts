import { setTimeout as sleep } from 'node:timers/promises';
import { ConditionStatus, ConditionType, type Release } from '../domain/api/index.ts';
import { RolloutError } from './errors.ts';
import { Narrator } from './narration.ts';
import { conditionOf, factsOf, loadView, type ReleaseView } from './release-view.ts';
import { readRelease } from './releases.ts';
import type { Session } from './session.ts';

/** How a rollout of one generation ended; only Ready is a success. */
export type RolloutEnd = 'Ready' | 'RolledBack' | 'Failed' | 'Paused' | 'InvalidSpec';

export interface RolloutOutcome {
  end: RolloutEnd;
  message: string;
}

/**
 * Whether the rollout of `generation` has ended, judged by conditions stamped with that generation:
 * a phase alone could still be the previous rollout's, before the workflow has started the new one.
 */
export function rolloutEnd(view: ReleaseView, generation: number): RolloutOutcome | undefined {
  const facts = factsOf(view);
  const current = (type: string) => {
    const c = conditionOf(facts, type);
    return c && (c.observedGeneration ?? 0) >= generation ? c : undefined;
  };
  const invalid = current(ConditionType.InvalidSpec);
  if (invalid?.status === ConditionStatus.True) return { end: 'InvalidSpec', message: invalid.message };
  const ready = current(ConditionType.Ready);
  if (facts.phase === 'Ready' && ready?.status === ConditionStatus.True)
    return { end: 'Ready', message: ready.message };
  if (facts.phase === 'Failed' && ready) {
    const rolledBack = current(ConditionType.RolledBack);
    if (rolledBack?.status === ConditionStatus.True) return { end: 'RolledBack', message: rolledBack.message };
    return { end: 'Failed', message: rolledBack?.message ?? ready.message };
  }
  const paused = current(ConditionType.Paused);
  const moving = facts.phase === 'Progressing' || facts.phase === 'RollingBack';
  if (paused?.status === ConditionStatus.True && !moving)
    return {
      end: 'Paused',
      message: `${paused.message}; resume it with \`rollguard resume ${view.release.metadata.name}\``,
    };
  return undefined;
}

export interface FollowOptions {
  generation: number;
  /** When the change being followed was made: earlier transitions are not told. */
  since: Date;
  timeoutMs: number;
  intervalMs?: number;
  /** Each new line of the rollout's story, as it happens. */
  tell?: (line: string) => void;
}

/** Polls the Release (and its workflow) until the rollout of `generation` ends or the deadline passes. */
export async function followRollout(
  session: Session,
  release: Release,
  options: FollowOptions,
): Promise<{ outcome: RolloutOutcome; view: ReleaseView }> {
  const { generation, since, timeoutMs, intervalMs = 1000, tell = () => undefined } = options;
  const name = release.metadata.name;
  const namespace = release.metadata.namespace ?? session.namespace;
  const deadline = Date.now() + timeoutMs;
  const narrator = new Narrator(session.out.style, since);
  for (;;) {
    const view = await loadView(session, await readRelease(session, name, namespace), { queryTimeoutMs: 2000 });
    narrator.tell(view).forEach(tell);
    const outcome = rolloutEnd(view, generation);
    if (outcome) return { outcome, view };
    if (Date.now() >= deadline) {
      throw new RolloutError(
        `${namespace}/${name} generation ${generation} did not finish rolling out within ${Math.round(timeoutMs / 1000)}s (phase ${factsOf(view).phase ?? 'Pending'}); follow it with \`rollguard status ${name} --watch\``,
      );
    }
    await sleep(intervalMs);
  }
}

/** The error a rollout that did not end Ready exits with (1); undefined for Ready. */
export function rolloutFailure(what: string, outcome: RolloutOutcome): RolloutError | undefined {
  const words: Record<RolloutEnd, string | undefined> = {
    Ready: undefined,
    RolledBack: 'was rolled back',
    Failed: 'failed',
    Paused: 'is paused',
    InvalidSpec: 'has a spec rollguard cannot roll out',
  };
  const word = words[outcome.end];
  return word ? new RolloutError(`${what} ${word}: ${outcome.message}`) : undefined;
}
