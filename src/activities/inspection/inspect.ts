import { ApplicationFailure } from '@temporalio/common';
import pLimit from 'p-limit';
import pRetry, { AbortError } from 'p-retry';
import {
  clusterFindings,
  releaseFindings,
  statusOf,
  type ClusterObservation,
} from '../../domain/inspection/findings.ts';
import type {
  Finding,
  InspectionScope,
  InspectionSettings,
  InspectionTarget,
  TargetReport,
} from '../../domain/inspection/types.ts';
import { getRaw } from '../../kube/raw.ts';
import { apiMessage, apiStatus } from '../../kube/errors.ts';
import { currentActivityHooks } from '../checks/activity-context.ts';
import { observeRelease, ReleaseGone, type ObserveDeps } from './observe.ts';

/** 4xx answers other than 408 and 429 are not fixed by asking again (RBAC, a bad selector). */
const permanent = (err: unknown): boolean => {
  const status = apiStatus(err);
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
};

const describe = (err: unknown): string => (apiStatus(err) !== undefined ? apiMessage(err) : (err as Error).message);

export function createInspectionActivities(deps: ObserveDeps) {
  const { kube } = deps;

  /** The Releases in scope, by namespace and name. A selector the API server refuses is not retried. */
  async function listInspectionTargets({ scope }: { scope: InspectionScope }): Promise<InspectionTarget[]> {
    try {
      const list = await kube.releases.list(scope.namespace, scope.selector ? { labelSelector: scope.selector } : {});
      return list.items
        .map((r) => ({ namespace: r.metadata?.namespace ?? '', name: r.metadata?.name ?? '' }))
        .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    } catch (err) {
      if (!permanent(err)) throw err;
      throw ApplicationFailure.nonRetryable(
        `cannot list the Releases${scope.selector ? ` matching "${scope.selector}"` : ''}: ${describe(err)}`,
        'InspectionScopeRefused',
      );
    }
  }

  /** One Release, its transient failures retried with backoff; after the last attempt, an Error report. */
  async function inspectOne(
    target: InspectionTarget,
    settings: InspectionSettings,
    signal: AbortSignal | undefined,
  ): Promise<TargetReport | undefined> {
    const started = Date.now();
    let attempts = 0;
    try {
      const seen = await pRetry(
        async () => {
          attempts += 1;
          try {
            return await observeRelease(deps, target, signal);
          } catch (err) {
            throw err instanceof ReleaseGone || permanent(err) ? new AbortError(err as Error) : err;
          }
        },
        {
          retries: settings.retries,
          factor: 2,
          minTimeout: settings.backoffMs,
          maxTimeout: Math.max(settings.backoffMs, settings.backoffMs * 2 ** settings.retries),
          randomize: true,
          ...(signal ? { signal } : {}),
        },
      );
      const findings = releaseFindings(seen, settings, Date.now());
      return {
        ...target,
        status: statusOf(findings),
        ...(seen.phase ? { phase: seen.phase } : {}),
        ...(seen.currentRevision !== undefined ? { currentRevision: seen.currentRevision } : {}),
        ...(seen.deployment?.revision !== undefined ? { deploymentRevision: seen.deployment.revision } : {}),
        findings,
        attempts,
        durationMs: Date.now() - started,
      };
    } catch (err) {
      if (err instanceof ReleaseGone) return undefined;
      if (signal?.aborted) throw err;
      const finding: Finding = {
        kind: 'InspectionError',
        severity: 'Failing',
        subject: `Release ${target.name}`,
        message: `could not be inspected after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${describe(err)}`,
        evidence: { value: attempts, threshold: `${settings.retries + 1} attempts` },
      };
      return { ...target, status: 'Error', findings: [finding], attempts, durationMs: Date.now() - started };
    }
  }

  /**
   * Inspects a batch of Releases, `settings.concurrency` at once, heartbeating as each one ends. A
   * Release deleted meanwhile is left out; one that cannot be inspected is reported as Error.
   */
  async function inspectReleases({
    targets,
    settings,
  }: {
    targets: InspectionTarget[];
    settings: InspectionSettings;
  }): Promise<TargetReport[]> {
    const hooks = currentActivityHooks();
    const limit = pLimit(settings.concurrency);
    let done = 0;
    const reports = await Promise.all(
      targets.map((target) =>
        limit(async () => {
          const report = await inspectOne(target, settings, hooks.signal);
          hooks.heartbeat({ done: (done += 1), of: targets.length });
          return report;
        }),
      ),
    );
    return reports.filter((r): r is TargetReport => r !== undefined);
  }

  /** The cluster-level signals: every node Ready, the API server's /readyz. */
  async function inspectCluster(): Promise<{
    nodes: { total: number; ready: number };
    findings: Finding[];
    skipped?: string[];
  }> {
    const skipped: string[] = [];
    const [nodes, readyz] = await Promise.all([
      kube.core.listNode().then(
        (list) =>
          list.items.map((n) => {
            const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
            return {
              name: n.metadata?.name ?? '',
              ready: ready?.status === 'True',
              ...(ready?.lastTransitionTime ? { since: new Date(ready.lastTransitionTime).toISOString() } : {}),
              ...(ready?.reason ? { reason: ready.reason } : {}),
            };
          }),
        (err: unknown) => {
          // A rollguard serving named namespaces may not list nodes: the rest of the inspection stands.
          if (!permanent(err)) throw err;
          skipped.push(`nodes not checked: ${describe(err)} (deploy/rbac grants list on nodes)`);
          return [];
        },
      ),
      readyzOf(),
    ]);
    const seen: ClusterObservation = { nodes, readyz };
    return {
      nodes: { total: nodes.length, ready: nodes.filter((n) => n.ready).length },
      findings: clusterFindings(seen),
      ...(skipped.length > 0 ? { skipped } : {}),
    };
  }

  async function readyzOf(): Promise<ClusterObservation['readyz']> {
    try {
      const { status, body } = await getRaw(kube.config, '/readyz?verbose');
      // verbose lists each check: "[+]etcd ok", "[-]etcd failed: reason withheld".
      const failing = body
        .split('\n')
        .filter((line) => line.startsWith('[-]'))
        .map((line) => line.slice(3).split(' ')[0] ?? line);
      if (status === 401 || status === 403)
        return {
          ok: false,
          status,
          failing: [],
          error: `rollguard may not read /readyz (HTTP ${status}); grant get on the non-resource URL /readyz (deploy/rbac)`,
        };
      return { ok: status === 200, status, failing };
    } catch (err) {
      return { ok: false, failing: [], error: (err as Error).message };
    }
  }

  return { listInspectionTargets, inspectReleases, inspectCluster };
}
