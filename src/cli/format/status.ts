import type { ReleasePhase } from '../../domain/api/index.ts';
import { workflowUrl } from '../links.ts';
import type { Style } from '../output.ts';
import { factsOf, type ReleaseView } from '../release-view.ts';
import { imagesOf } from '../releases.ts';
import { age, fields, progressBar, table } from './text.ts';

export function phaseText(phase: ReleasePhase | undefined, style: Style): string {
  if (phase === undefined) return style.dim('Pending (no status yet)');
  if (phase === 'Ready') return style.good(phase);
  if (phase === 'Failed') return style.bad(phase);
  return phase === 'Pending' ? phase : style.warn(phase);
}

/** Colours a check's outcome in a padded cell, leaving its padding plain. */
function paintOutcome(cell: string, style: Style): string {
  const outcome = cell.trimEnd();
  const paint = outcome === 'Pass' ? style.good : outcome === 'Fail' ? style.bad : style.warn;
  return paint(outcome) + cell.slice(outcome.length);
}

const labelWidth = 'Conditions'.length;

const revisionText = (n: number | undefined): string => (n === undefined ? '-' : String(n));

/** One Release as `rollguard status NAME` prints it. */
export function renderStatus(view: ReleaseView, style: Style, now = new Date()): string[] {
  const facts = factsOf(view);
  const { metadata } = view.release;
  const lines = fields(
    [
      ['Release', style.bold(`${metadata.namespace}/${metadata.name}`)],
      ['Phase', phaseText(facts.phase, style) + (view.snapshot?.paused ? style.warn(' (paused)') : '')],
      ['Generation', `${metadata.generation ?? '-'} (observed ${facts.generation ?? '-'})`],
      ['Revisions', `current ${revisionText(facts.currentRevision)}, stable ${revisionText(facts.stableRevision)}`],
      ['Spec', imagesOf(view.release).join(', ')],
      ['Pods', view.progress ? progressBar(view.progress) : style.dim('no Deployment yet')],
    ],
    labelWidth,
  );
  const row = (label: string, value: string): string => `${label.padEnd(labelWidth)}  ${value}`;

  const verdict = facts.lastVerdict;
  if (verdict) {
    const judged = verdict.healthy ? style.good('healthy') : style.bad('unhealthy');
    lines.push(
      row(
        'Health',
        `${judged} at revision ${verdict.revision}, ${age(verdict.time, now)} ago (failing weight ${verdict.failingWeight}, threshold ${verdict.threshold})`,
      ),
    );
    const rows = verdict.checks.map((c) => [
      c.name,
      c.kind,
      c.outcome,
      c.value === undefined ? '-' : String(c.value),
      String(c.weight),
      c.reason ?? '',
    ]);
    const paint = (cell: string, _row: number, column: number): string =>
      column === 2 ? paintOutcome(cell, style) : cell;
    lines.push(
      ...table(['CHECK', 'KIND', 'RESULT', 'VALUE', 'WEIGHT', 'REASON'], rows, paint).map((row) => `  ${row}`),
    );
  } else {
    lines.push(row('Health', style.dim('no verdict yet')));
  }

  const rollback = facts.lastRollback;
  if (rollback) {
    lines.push(
      row(
        'Rollback',
        `${rollback.id}: revision ${rollback.fromRevision} → ${rollback.toRevision} (${rollback.trigger}), ${age(rollback.time, now)} ago: ${rollback.reason}`,
      ),
    );
  }
  if (facts.conditions.length > 0) {
    lines.push('Conditions');
    const rows = facts.conditions.map((c) => [c.type, c.status, c.reason, age(c.lastTransitionTime, now), c.message]);
    lines.push(...table(['TYPE', 'STATUS', 'REASON', 'AGE', 'MESSAGE'], rows).map((row) => `  ${row}`));
  }
  lines.push(row('Workflow', workflowUrl(view.temporalNamespace, view.workflowId)));
  if (view.unanswered) lines.push(style.warn(row('Note', `showing the Release's status: ${view.unanswered}`)));
  return lines;
}

/** The same facts for `-o json|yaml`. */
export function statusDocument(view: ReleaseView) {
  const facts = factsOf(view);
  const { metadata } = view.release;
  return {
    namespace: metadata.namespace,
    name: metadata.name,
    generation: metadata.generation,
    observedGeneration: facts.generation,
    phase: facts.phase ?? 'Pending',
    paused: view.snapshot?.paused ?? view.release.spec.paused,
    currentRevision: facts.currentRevision,
    stableRevision: facts.stableRevision,
    images: imagesOf(view.release),
    progress: view.progress,
    lastVerdict: facts.lastVerdict,
    lastRollback: facts.lastRollback,
    conditions: facts.conditions,
    workflow: {
      id: view.workflowId,
      url: workflowUrl(view.temporalNamespace, view.workflowId),
      answered: view.snapshot !== undefined,
      ...(view.unanswered ? { unanswered: view.unanswered } : {}),
    },
  };
}
