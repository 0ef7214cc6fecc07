import { statusOf } from './findings.ts';
import type {
  ClusterReport,
  Finding,
  InspectionReport,
  InspectionScope,
  InspectionSettings,
  InspectionSummary,
  ReportLocation,
  StatusCounts,
  TargetReport,
  TargetStatus,
} from './types.ts';
import { targetStatuses } from './types.ts';

const rank = (status: TargetStatus): number => targetStatuses.indexOf(status);

/** Failing Releases first, then those not inspected, then warnings, then the healthy; by namespace and name within. */
export function worstFirst<T extends { status: TargetStatus; namespace: string; name: string }>(
  targets: readonly T[],
): T[] {
  return [...targets].sort(
    (a, b) => rank(a.status) - rank(b.status) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
  );
}

export function countStatuses(statuses: readonly TargetStatus[]): StatusCounts {
  const counts: StatusCounts = { Failing: 0, Error: 0, Warning: 0, Healthy: 0 };
  for (const s of statuses) counts[s] += 1;
  return counts;
}

/** Assembles the report of one inspection. Pure: the workflow passes its own clock's readings. */
export function assembleReport({
  id,
  schedule,
  scope,
  settings,
  startedAt,
  finishedAt,
  targets,
  cluster,
}: {
  id: string;
  schedule?: string | undefined;
  scope: InspectionScope;
  settings: InspectionSettings;
  startedAt: Date;
  finishedAt: Date;
  targets: TargetReport[];
  cluster: { nodes: ClusterReport['nodes']; findings: Finding[]; skipped?: string[] };
}): InspectionReport {
  const findingsByKind: InspectionReport['findingsByKind'] = {};
  for (const finding of [...targets.flatMap((t) => t.findings), ...cluster.findings]) {
    findingsByKind[finding.kind] = (findingsByKind[finding.kind] ?? 0) + 1;
  }
  return {
    id,
    ...(schedule ? { schedule } : {}),
    scope,
    settings,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    counts: countStatuses(targets.map((t) => t.status)),
    findingsByKind,
    cluster: {
      status: statusOf(cluster.findings),
      nodes: cluster.nodes,
      findings: cluster.findings,
      ...(cluster.skipped?.length ? { skipped: cluster.skipped } : {}),
    },
    targets: worstFirst(targets),
  };
}

/** True when the inspection found nothing: every Release and the cluster Healthy. */
export const isClean = (report: Pick<InspectionReport, 'counts' | 'cluster'>): boolean =>
  report.cluster.status === 'Healthy' &&
  report.counts.Failing === 0 &&
  report.counts.Error === 0 &&
  report.counts.Warning === 0;

const summaryLimit = 50;

/** The small form of a report that the workflow returns and the CLI prints. */
export function summarize(report: InspectionReport, location: ReportLocation): InspectionSummary {
  return {
    id: report.id,
    ...(report.schedule ? { schedule: report.schedule } : {}),
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    releases: report.targets.length,
    counts: report.counts,
    findingsByKind: report.findingsByKind,
    cluster: { status: report.cluster.status, findings: report.cluster.findings },
    notHealthy: report.targets
      .filter((t) => t.status !== 'Healthy')
      .slice(0, summaryLimit)
      .map((t) => ({
        namespace: t.namespace,
        name: t.name,
        status: t.status,
        kinds: [...new Set(t.findings.map((f) => f.kind))],
      })),
    clean: isClean(report),
    report: location,
  };
}
