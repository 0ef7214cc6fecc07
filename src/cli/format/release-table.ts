import type { ReleasePhase } from '../../domain/api/index.ts';
import type { Style } from '../output.ts';
import { phaseText } from './status.ts';
import { age, table } from './text.ts';

/** The fields of a stored Release the table shows; read loosely, so one odd object cannot hide the others. */
interface StoredRelease {
  metadata?: { name?: string; namespace?: string; creationTimestamp?: string };
  spec?: { template?: { template?: { spec?: { containers?: { name?: string; image?: string }[] } } } };
  status?: { phase?: string; currentRevision?: number; stableRevision?: number };
}

export interface ReleaseRow {
  namespace: string;
  name: string;
  phase: string;
  currentRevision?: number;
  stableRevision?: number;
  images: string[];
  created?: string;
}

export function releaseRow(object: unknown): ReleaseRow {
  const r = object as StoredRelease;
  const containers = r.spec?.template?.template?.spec?.containers ?? [];
  return {
    namespace: r.metadata?.namespace ?? '',
    name: r.metadata?.name ?? '',
    phase: r.status?.phase ?? 'Pending',
    ...(r.status?.currentRevision !== undefined ? { currentRevision: r.status.currentRevision } : {}),
    ...(r.status?.stableRevision !== undefined ? { stableRevision: r.status.stableRevision } : {}),
    images: containers.map((c) => c.image ?? ''),
    ...(r.metadata?.creationTimestamp ? { created: r.metadata.creationTimestamp } : {}),
  };
}

/** Releases as `kubectl get releases` prints them, with the images added. */
export function renderReleaseTable(
  rows: ReleaseRow[],
  { allNamespaces, style, now = new Date() }: { allNamespaces: boolean; style: Style; now?: Date },
): string[] {
  const header = [...(allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'PHASE', 'CURRENT', 'STABLE', 'AGE', 'IMAGES'];
  const cells = rows.map((r) => [
    ...(allNamespaces ? [r.namespace] : []),
    r.name,
    r.phase,
    r.currentRevision === undefined ? '-' : String(r.currentRevision),
    r.stableRevision === undefined ? '-' : String(r.stableRevision),
    age(r.created, now),
    r.images.join(','),
  ]);
  const phaseColumn = allNamespaces ? 2 : 1;
  return table(header, cells, (cell, row, column) =>
    column === phaseColumn
      ? cell.replace(rows[row]?.phase ?? '', (phase) => phaseText(phase as ReleasePhase, style))
      : cell,
  );
}
