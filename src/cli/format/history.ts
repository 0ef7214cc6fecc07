import type { RollbackRecord } from '../../domain/api/index.ts';
import type { RevisionSummary, TransitionRecord } from '../../domain/release/records.ts';
import type { Style } from '../output.ts';
import { age, table } from './text.ts';

export interface RevisionEntry {
  revision: number;
  images: string[];
  createdAt: string;
  /** Stable, Failed, RolledBack, Superseded or InProgress, as the workflow recorded it; unknown without it. */
  outcome?: string;
  current: boolean;
  stable: boolean;
}

export interface RollbackEntry {
  id: string;
  fromRevision?: number;
  toRevision?: number;
  trigger?: string;
  time: string;
  reason: string;
}

export interface ReleaseHistory {
  namespace: string;
  name: string;
  /** Where the revisions come from: the workflow's status query, or the ControllerRevisions when it did not answer. */
  source: 'workflow' | 'controllerrevisions';
  /** Why the workflow did not answer, when it did not. */
  unanswered?: string;
  revisions: RevisionEntry[];
  rollbacks: RollbackEntry[];
}

export function revisionEntries(revisions: RevisionSummary[], current?: number, stable?: number): RevisionEntry[] {
  return revisions.map((r) => ({ ...r, current: r.revision === current, stable: r.revision === stable }));
}

// The workflow words every rollback transition as "rollback <id>: revision <from> → <to> (<trigger>): <reason>".
const rollbackMessage = /^rollback (\S+): revision (\d+) → (\d+) \((\w+)\): (.*)$/s;

/** Rollbacks from the workflow's transitions, plus the last one from status when the transitions no longer hold it. */
export function rollbackEntries(history: TransitionRecord[], last: RollbackRecord | undefined): RollbackEntry[] {
  const entries: RollbackEntry[] = history
    .filter((t) => t.to === 'RollingBack')
    .map((t) => {
      const m = rollbackMessage.exec(t.message);
      if (!m) return { id: '', time: t.at, reason: t.message, trigger: t.reason };
      return {
        id: m[1] as string,
        fromRevision: Number(m[2]),
        toRevision: Number(m[3]),
        trigger: m[4] as string,
        time: t.at,
        reason: m[5] as string,
      };
    });
  if (last && !entries.some((e) => e.id === last.id)) {
    entries.push({
      id: last.id,
      fromRevision: last.fromRevision,
      toRevision: last.toRevision,
      trigger: last.trigger,
      time: last.time,
      reason: last.reason,
    });
  }
  return entries.sort((a, b) => a.time.localeCompare(b.time));
}

/** Colours the outcome in a padded cell, leaving its padding plain. */
function paintOutcome(cell: string, style: Style): string {
  const outcome = cell.trimEnd();
  const paint =
    outcome === 'Stable'
      ? style.good
      : outcome === 'Failed' || outcome === 'RolledBack'
        ? style.bad
        : outcome === '-'
          ? (t: string) => t
          : style.warn;
  return paint(outcome) + cell.slice(outcome.length);
}

export function renderHistory(history: ReleaseHistory, style: Style, now = new Date()): string[] {
  const marks = (e: RevisionEntry): string =>
    [e.current ? 'current' : '', e.stable ? 'stable' : ''].filter(Boolean).join(', ');
  const rows = history.revisions.map((e) => [
    String(e.revision),
    e.images.join(','),
    `${age(e.createdAt, now)} ago`,
    e.outcome ?? '-',
    marks(e),
  ]);
  const lines = [style.bold(`Release ${history.namespace}/${history.name}`), ''];
  if (rows.length === 0) lines.push(style.dim('no revisions yet'));
  else {
    lines.push(
      ...table(['REVISION', 'IMAGES', 'CREATED', 'OUTCOME', ''], rows, (cell, row, column) =>
        column === 3 ? paintOutcome(cell, style) : cell,
      ),
    );
  }
  if (history.source === 'controllerrevisions') {
    lines.push(
      style.warn(
        `(read from the ControllerRevisions, without outcomes: ${history.unanswered ?? 'the workflow did not answer'})`,
      ),
    );
  }
  lines.push('', 'Rollbacks');
  if (history.rollbacks.length === 0) lines.push(style.dim('  none'));
  const rollbackRows = history.rollbacks.map((r) => [
    r.id || '-',
    r.fromRevision !== undefined ? `${r.fromRevision} → ${r.toRevision}` : '-',
    r.trigger ?? '-',
    `${age(r.time, now)} ago`,
    r.reason,
  ]);
  if (rollbackRows.length > 0)
    lines.push(...table(['ID', 'REVISIONS', 'TRIGGER', 'WHEN', 'REASON'], rollbackRows).map((l) => `  ${l}`));
  return lines;
}
