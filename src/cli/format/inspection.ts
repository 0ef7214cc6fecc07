import type { InspectionScope, InspectionSummary, TargetStatus } from '../../domain/inspection/types.ts';
import { targetStatuses } from '../../domain/inspection/types.ts';
import type { ScheduleRow } from '../inspection-schedules.ts';
import type { Style } from '../output.ts';
import { table } from './text.ts';

export const describeScope = (scope: InspectionScope): string =>
  [
    scope.namespace ? `namespace ${scope.namespace}` : 'all namespaces',
    ...(scope.selector ? [`-l ${scope.selector}`] : []),
  ].join(' ');

const paint = (status: TargetStatus, style: Style) => (text: string) =>
  status === 'Healthy' ? style.good(text) : status === 'Warning' ? style.warn(text) : style.bad(text);

/** What `rollguard inspect run` prints: the counts, the Releases that are not Healthy, where the report is. */
export function renderSummary(summary: InspectionSummary, style: Style, uiLink: string): string[] {
  const counts = targetStatuses.map((s) => paint(s, style)(`${summary.counts[s]} ${s}`)).join(', ');
  const kinds = Object.entries(summary.findingsByKind)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  const lines = [
    `${style.bold(summary.clean ? 'nothing found' : 'findings')}: ${summary.releases} Releases inspected in ${(summary.durationMs / 1000).toFixed(1)}s: ${counts}`,
    `cluster: ${paint(summary.cluster.status, style)(summary.cluster.status)}${summary.cluster.findings.map((f) => `; ${f.subject}: ${f.message}`).join('')}`,
  ];
  if (kinds) lines.push(`findings by kind: ${kinds}`);
  if (summary.notHealthy.length > 0) {
    lines.push(
      '',
      ...table(
        ['STATUS', 'RELEASE', 'FINDINGS'],
        summary.notHealthy.map((t) => [t.status, `${t.namespace}/${t.name}`, t.kinds.join(', ')]),
        (cell, row, column) => (column === 0 ? paint(summary.notHealthy[row]?.status ?? 'Failing', style)(cell) : cell),
      ),
    );
  }
  const where = [
    ...(summary.report.html ? [`report: ${summary.report.html}`] : []),
    ...(summary.report.configMap
      ? [
          `latest report in ConfigMap ${summary.report.configMap.namespace}/${summary.report.configMap.name}${summary.report.configMap.truncated ? ' (too large: summary only, or no HTML)' : ''}`,
        ]
      : []),
  ];
  lines.push('', ...where, `workflow: ${uiLink}`);
  return lines;
}

export function renderSchedules(rows: ScheduleRow[]): string[] {
  return table(
    ['NAME', 'CRON', 'SCOPE', 'STATE', 'LAST RUN', 'NEXT RUN'],
    rows.map((r) => [
      r.name,
      r.cron,
      describeScope(r.scope),
      r.paused ? 'paused' : 'active',
      r.lastRun?.at ?? '-',
      r.nextRun ?? '-',
    ]),
  );
}
