import type { ReleasePhase } from '../../domain/api/index.ts';
import { workflowUrl } from '../links.ts';
import type { Style } from '../output.ts';
import { factsOf, type ReleaseView } from '../release-view.ts';
import { imagesOf } from '../releases.ts';
import { age, fields, progressBar, table } from './text.ts';
import { strategyPlan } from '../../domain/release/strategy-plan.ts';
import { describeStrategy } from '../../domain/release/strategy-report.ts';

/** "canary, step 3/7: setWeight 40, analysis 1m20s left; stable 6 pods (60 %), canary 4 pods (40 %)". */
export function strategyText(view: ReleaseView, style: Style, now: Date): string | undefined {
  const status = view.release.status?.strategy;
  const plan = strategyPlan(view.release.spec);
  if (!status || !plan || plan.type !== status.type) return undefined;
  const line = describeStrategy(plan, status, now);
  const painted = status.state === 'Aborted' ? style.bad(line) : status.state === 'Held' ? style.warn(line) : line;
  const sides =
    status.state === 'Progressing' || status.state === 'Held'
      ? `; stable ${status.replicas.stable} pods (${status.weights.stable} %), canary ${status.replicas.canary} pods (${status.weights.canary} %)`
      : '';
  return `${status.type === 'Canary' ? 'canary' : 'blue-green'} of revision ${status.revision}, ${painted}${sides}`;
}

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
  const strategy = strategyText(view, style, now);
  if (strategy) lines.push(row('Strategy', strategy));

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
    ...(view.release.status?.strategy ? { strategy: view.release.status.strategy } : {}),
    conditions: facts.conditions,
    workflow: {
      id: view.workflowId,
      url: workflowUrl(view.temporalNamespace, view.workflowId),
      answered: view.snapshot !== undefined,
      ...(view.unanswered ? { unanswered: view.unanswered } : {}),
    },
  };
}
