import type { inspectionNotificationEvents } from '../api/notifications.ts';
import type { ReleaseRef } from '../release/ref.ts';
import type { SinkTarget } from '../release/notifications.ts';
import type { Finding, InspectionReport, ReportLocation, TargetStatus } from './types.ts';

/** A notification about an inspection: what it found about one Release or the cluster, or that it keeps failing. */
export interface InspectionNotification {
  /** Stable for this occurrence: the inspection's run id and what it is about (a Release's uid, or the cluster). */
  id: string;
  type: (typeof inspectionNotificationEvents)[number];
  /** The Release the findings are about; absent for the cluster's findings and for a failing inspection. */
  release?: ReleaseRef;
  message: string;
  /** When the inspection finished (or failed). */
  time: string;
  inspection: {
    /** The inspection's workflow id. */
    id: string;
    schedule?: string;
    /** Where its report was written. */
    report?: ReportLocation;
    /** For InspectionFailedRepeatedly: the runs in a row that failed, this one included. */
    failuresInARow?: number;
  };
  /** The Release's (or the cluster's) status in the report. */
  status?: TargetStatus;
  /** The findings, worst first, at most `findingsLimit` of `findingCount`. */
  findings?: Finding[];
  findingCount?: number;
}

/** Who is told about an inspection's findings: the operator's sinks if any takes them, and each Release's own that do. */
export interface InspectionRecipients {
  /** Whether an operator-wide sink takes InspectionFinding. */
  operator: boolean;
  /** The Releases with findings that still exist, with their uid and their own sinks that take InspectionFinding. */
  releases: { namespace: string; name: string; uid: string; sinks: SinkTarget[] }[];
}

/** A notification and the Release's own sinks it goes to (the operator's are added by the delivery). */
export interface AddressedNotification {
  notification: InspectionNotification;
  sinks: SinkTarget[];
}

/** A notification carries this many findings at most: its size in history stays bounded. */
export const findingsLimit = 20;

const severityRank = (f: Finding): number => (f.severity === 'Failing' ? 0 : 1);

function findingsOf(findings: readonly Finding[]): Pick<InspectionNotification, 'findings' | 'findingCount'> {
  const worst = [...findings].sort((a, b) => severityRank(a) - severityRank(b));
  return { findings: worst.slice(0, findingsLimit), findingCount: findings.length };
}

function summaryOf(findings: readonly Finding[]): string {
  const kinds = [...new Set(findings.map((f) => f.kind))].join(', ');
  return `${findings.length} finding${findings.length === 1 ? '' : 's'} (${kinds})`;
}

/**
 * The InspectionFinding notifications of a published report: one per Release with findings that
 * someone takes (its own sinks or the operator's), and one of the cluster's findings for the
 * operator's sinks. `run` is the inspection's run id: with the Release's uid, the notification's id.
 */
export function inspectionNotifications(
  report: InspectionReport,
  location: ReportLocation,
  recipients: InspectionRecipients,
  run: string,
): AddressedNotification[] {
  const inspection = { id: report.id, ...(report.schedule ? { schedule: report.schedule } : {}), report: location };
  const out: AddressedNotification[] = [];
  for (const target of report.targets) {
    if (target.findings.length === 0) continue;
    const found = recipients.releases.find((r) => r.namespace === target.namespace && r.name === target.name);
    if (!found || (!recipients.operator && found.sinks.length === 0)) continue;
    const release = { namespace: found.namespace, name: found.name, uid: found.uid };
    out.push({
      notification: {
        id: `${release.uid}.${run}.InspectionFinding`,
        type: 'InspectionFinding',
        release,
        message: `inspection ${report.id} found ${summaryOf(target.findings)}`,
        time: report.finishedAt,
        inspection,
        status: target.status,
        ...findingsOf(target.findings),
      },
      sinks: found.sinks,
    });
  }
  if (recipients.operator && report.cluster.findings.length > 0)
    out.push({
      notification: {
        id: `cluster.${run}.InspectionFinding`,
        type: 'InspectionFinding',
        message: `inspection ${report.id} found ${summaryOf(report.cluster.findings)} about the cluster`,
        time: report.finishedAt,
        inspection,
        status: report.cluster.status,
        ...findingsOf(report.cluster.findings),
      },
      sinks: [],
    });
  return out;
}

/** The notification that a scheduled inspection failed `failuresInARow` times in a row (operator sinks only). */
export function inspectionFailingNotification(
  inspection: { id: string; schedule?: string | undefined },
  { run, failuresInARow, reason, time }: { run: string; failuresInARow: number; reason: string; time: string },
): InspectionNotification {
  const schedule = inspection.schedule ? `inspection Schedule ${inspection.schedule}` : `inspection ${inspection.id}`;
  return {
    id: `inspection.${run}.InspectionFailedRepeatedly`,
    type: 'InspectionFailedRepeatedly',
    message: `${schedule} failed ${failuresInARow} times in a row; the last run: ${reason}`.slice(0, 2048),
    time,
    inspection: {
      id: inspection.id,
      ...(inspection.schedule ? { schedule: inspection.schedule } : {}),
      failuresInARow,
    },
  };
}

/** How a scheduled run of an inspection ended, as Temporal says (RUNNING while it runs). */
export type RunStatus =
  'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TERMINATED' | 'CONTINUED_AS_NEW' | 'TIMED_OUT';

/**
 * The runs in a row that failed, this one included: the Schedule's earlier runs, newest first,
 * counted back to the last that did not fail (one still running is passed over).
 */
export function inspectionFailureStreak(earlierNewestFirst: readonly string[]): number {
  let streak = 1;
  for (const status of earlierNewestFirst) {
    if (status === 'RUNNING') continue;
    if (status !== 'FAILED' && status !== 'TIMED_OUT') break;
    streak++;
  }
  return streak;
}
