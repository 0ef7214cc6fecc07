import type { Release } from '../../domain/api/index.ts';
import { followRollout, type RolloutOutcome } from '../follow.ts';
import { factsOf } from '../release-view.ts';
import { imagesOf } from '../releases.ts';
import type { Session } from '../session.ts';

/** What `deploy` and `set-image` report for each Release they changed. */
export interface ChangeSummary {
  namespace: string;
  name: string;
  action: 'created' | 'configured' | 'unchanged';
  generation: number;
  images: string[];
  /** With --wait: how the rollout ended, and the revisions after it. */
  outcome?: RolloutOutcome;
  currentRevision?: number;
  stableRevision?: number;
}

export interface ChangeOptions {
  action: ChangeSummary['action'];
  /** When the change was made: the story told with --wait starts there. */
  since: Date;
  wait: boolean;
  timeoutMs: number;
}

/** Says what changed and, with --wait, tells the rollout as it happens until it ends. */
export async function announceChange(
  session: Session,
  release: Release,
  options: ChangeOptions,
): Promise<ChangeSummary> {
  const { out } = session;
  const namespace = release.metadata.namespace ?? session.namespace;
  const name = release.metadata.name;
  const generation = release.metadata.generation ?? 1;
  const summary: ChangeSummary = { namespace, name, action: options.action, generation, images: imagesOf(release) };
  if (out.format === 'text') {
    const revision =
      release.status?.currentRevision !== undefined ? `, running revision ${release.status.currentRevision}` : '';
    out.line(
      `release ${namespace}/${name} ${options.action}: generation ${generation}${revision} (${summary.images.join(', ')})`,
    );
    if (!options.wait)
      out.line(out.style.dim(`follow the rollout with: rollguard status ${name} -n ${namespace} --watch`));
  }
  if (!options.wait) return summary;

  // The story goes to stdout for people, to stderr when stdout carries JSON or YAML.
  const tell = out.format === 'text' ? (line: string) => out.line(`  ${line}`) : (line: string) => out.note(line);
  const { outcome, view } = await followRollout(session, release, {
    generation,
    since: options.since,
    timeoutMs: options.timeoutMs,
    tell,
  });
  const facts = factsOf(view);
  if (out.format === 'text' && outcome.end === 'Ready') {
    out.line(
      out.style.good(`release ${namespace}/${name} is Ready at revision ${facts.currentRevision}: ${outcome.message}`),
    );
  }
  return {
    ...summary,
    outcome,
    ...(facts.currentRevision !== undefined ? { currentRevision: facts.currentRevision } : {}),
    ...(facts.stableRevision !== undefined ? { stableRevision: facts.stableRevision } : {}),
  };
}
