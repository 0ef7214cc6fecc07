import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { renderReportHtml } from '../../domain/inspection/html.ts';
import { isClean, summarize } from '../../domain/inspection/report.ts';
import type { InspectionReport, ReportLocation } from '../../domain/inspection/types.ts';
import { shortHash } from '../../domain/release/names.ts';
import type { KubeClients } from '../../kube/client.ts';
import { apiMessage, apiStatus, isConflict, isNotFound } from '../../kube/errors.ts';
import { inspectionDuration, inspectionFindings, inspectionReleases, inspectionRuns } from '../../telemetry/metrics.ts';
import type { Logger } from '../../telemetry/log.ts';

/** Where the worker puts each inspection's report: configured per worker, since it writes the files. */
export interface ReportDestination {
  /** A directory: every run's HTML and JSON, plus latest.html and latest.json. */
  directory?: string;
  /** The latest run's report, in a ConfigMap (as much of it as fits in its 1 MiB). */
  configMap?: { namespace: string; name: string };
  /** Runs kept in the directory (default 30); the oldest beyond it are deleted. */
  keep?: number;
}

/** A ConfigMap holds at most 1 MiB, metadata included: the data stays under this. */
export const configMapBudget = 900 * 1024;

/** The ConfigMap's keys, in the order they are dropped when they do not fit. */
export const reportKeys = { summary: 'summary.json', json: 'report.json', html: 'report.html' } as const;

/** `inspection-20261126T020000Z-1a2b3c4d`: sorted by time; the hash tells apart runs of the same second. */
const fileStem = (report: InspectionReport): string =>
  `inspection-${report.startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${shortHash(report.id)}`;

const size = (text: string): number => Buffer.byteLength(text, 'utf8');

/** What of the report goes into the ConfigMap: all of it when it fits, else the parts that do, summary first. */
export function configMapData(
  report: InspectionReport,
  html: string,
  json: string,
): {
  data: Record<string, string>;
  truncated: boolean;
} {
  const summary = JSON.stringify(summarize(report, {}));
  const data: Record<string, string> = { [reportKeys.summary]: summary };
  let used = size(summary);
  for (const [key, text] of [
    [reportKeys.json, json],
    [reportKeys.html, html],
  ] as const) {
    if (used + size(text) > configMapBudget) continue;
    data[key] = text;
    used += size(text);
  }
  return { data, truncated: Object.keys(data).length < 3 };
}

export function createReportActivities({
  kube,
  log,
  destination = {},
}: {
  kube: KubeClients;
  log: Logger;
  destination?: ReportDestination | undefined;
}) {
  async function writeDirectory(dir: string, report: InspectionReport, html: string, json: string) {
    await mkdir(dir, { recursive: true });
    const stem = fileStem(report);
    const files = { html: join(dir, `${stem}.html`), json: join(dir, `${stem}.json`) };
    // Written whole, then renamed: a reader never sees half a report.
    for (const [path, text] of [
      [files.html, html],
      [files.json, json],
      [join(dir, 'latest.html'), html],
      [join(dir, 'latest.json'), json],
    ] as const) {
      await writeFile(`${path}.tmp`, text);
      await rename(`${path}.tmp`, path);
    }
    const keep = destination.keep ?? 30;
    const runs = (await readdir(dir)).filter((f) => /^inspection-.*\.html$/.test(f)).sort();
    for (const old of runs.slice(0, Math.max(0, runs.length - keep))) {
      await rm(join(dir, old), { force: true });
      await rm(join(dir, old.replace(/\.html$/, '.json')), { force: true });
    }
    return files;
  }

  async function writeConfigMap(
    at: { namespace: string; name: string },
    report: InspectionReport,
    html: string,
    json: string,
  ) {
    const { data, truncated } = configMapData(report, html, json);
    const body = {
      metadata: {
        name: at.name,
        namespace: at.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'rollguard', 'rollguard.dev/report': 'inspection' },
        annotations: {
          'rollguard.dev/inspection-id': report.id,
          'rollguard.dev/inspection-started-at': report.startedAt,
          'rollguard.dev/truncated': String(truncated),
        },
      },
      data,
    };
    try {
      try {
        await kube.core.replaceNamespacedConfigMap({ ...at, body });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        await kube.core.createNamespacedConfigMap({ namespace: at.namespace, body });
      }
    } catch (err) {
      const status = apiStatus(err);
      if (status !== undefined && status >= 400 && status < 500 && !isConflict(err) && status !== 429)
        throw ApplicationFailure.nonRetryable(
          `cannot write the report to ConfigMap ${at.namespace}/${at.name}: ${apiMessage(err)}`,
          'ReportRefused',
        );
      throw err;
    }
    return { ...at, keys: Object.keys(data), truncated };
  }

  /** Writes the report where the worker is configured to, and counts the run in the metrics. */
  async function publishInspectionReport({ report }: { report: InspectionReport }): Promise<ReportLocation> {
    const html = renderReportHtml(report);
    const json = JSON.stringify(report, null, 2);
    const location: ReportLocation = {};
    if (destination.directory) Object.assign(location, await writeDirectory(destination.directory, report, html, json));
    // Compact there: the ConfigMap's 1 MiB is the tighter limit.
    if (destination.configMap)
      location.configMap = await writeConfigMap(destination.configMap, report, html, JSON.stringify(report));
    inspectionRuns.inc({ outcome: isClean(report) ? 'clean' : 'findings' });
    inspectionDuration.observe(report.durationMs / 1000);
    for (const finding of [...report.targets.flatMap((t) => t.findings), ...report.cluster.findings])
      inspectionFindings.inc({ kind: finding.kind, severity: finding.severity });
    for (const [status, count] of Object.entries(report.counts)) inspectionReleases.set({ status }, count);
    log.info('inspection report written', { id: report.id, counts: report.counts, ...location });
    return location;
  }

  /** An inspection that ended without a report still counts, as failed. */
  async function recordFailedInspection({ id, reason }: { id: string; reason: string }): Promise<void> {
    inspectionRuns.inc({ outcome: 'failed' });
    log.warn('inspection failed', { id, reason });
  }

  return { publishInspectionReport, recordFailedInspection };
}
