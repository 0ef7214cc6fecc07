import type { RolloutProgress } from '../../domain/release/records.ts';

/** How long ago, as kubectl prints ages: "45s", "12m", "3h", "5d". */
export function age(time: string | Date | undefined, now: Date = new Date()): string {
  if (time === undefined) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now.getTime() - new Date(time).getTime()) / 1000));
  if (Number.isNaN(seconds)) return '<unknown>';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 2 * 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 2 * 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** A bar of updated pods out of the desired ones, with the counts people check: "[██████░░░░] 2/3 updated, 3/3 ready". */
export function progressBar(progress: RolloutProgress, width = 20): string {
  const { desired, updated, ready } = progress;
  const filled = desired > 0 ? Math.round((Math.min(updated, desired) / desired) * width) : width;
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${updated}/${desired} updated, ${ready}/${desired} ready`;
}

/**
 * Columns padded to their widest cell, three spaces apart, as `kubectl get` prints them. `paint`
 * colours a cell after it is padded, so escape codes do not throw the widths off.
 */
export function table(
  header: string[],
  rows: string[][],
  paint: (cell: string, row: number, column: number) => string = (cell) => cell,
): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map((row, r) =>
    row
      .map((cell, i) => {
        const padded = i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0);
        return r === 0 ? padded : paint(padded, r - 1, i);
      })
      .join('   ')
      .trimEnd(),
  );
}

/** Label/value lines with the values aligned. */
export function fields(
  entries: [string, string][],
  width = Math.max(...entries.map(([label]) => label.length)),
): string[] {
  return entries.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
}
