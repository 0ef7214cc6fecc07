import type { KubernetesObject, V1Deployment, V1ManagedFieldsEntry, V1Pod } from '@kubernetes/client-node';
import type { Condition, DeploymentTemplate } from '../../domain/api/index.ts';
import { parseRelease } from '../../domain/api/index.ts';
import type { DeploymentObservation, PodObservation, ReleaseObservation } from '../../domain/inspection/findings.ts';
import type { InspectionTarget } from '../../domain/inspection/types.ts';
import { httpDefaults } from '../../domain/health/types.ts';
import { analysisInput } from '../../domain/release/analysis-plan.ts';
import { deploymentName, releaseLabelValue } from '../../domain/release/names.ts';
import { fieldManager, releaseLabel, revisionAnnotation, type ReleaseRef } from '../../domain/release/ref.ts';
import { type KubeClients, labelSelector } from '../../kube/client.ts';
import { isNotFound } from '../../kube/errors.ts';
import type { MeasureOnce } from '../checks/analysis.ts';
import { isOwnedBy } from '../cluster/owner.ts';

/** Who may write a Deployment's spec without it being a hand edit: rollguard and Kubernetes' own controllers. */
const ownManagers = new Set([fieldManager, 'kube-controller-manager']);

export interface ObserveDeps {
  kube: KubeClients;
  measureOnce: MeasureOnce;
  defaultPrometheus?: string | undefined;
}

/** The Release is gone (deleted since it was listed): nothing to inspect. */
export class ReleaseGone extends Error {
  override name = 'ReleaseGone';
}

const imagesOf = (containers: { name: string; image?: string }[] | undefined): Record<string, string> =>
  Object.fromEntries((containers ?? []).map((c) => [c.name, c.image ?? '']));

/** The latest edit of the Deployment's spec by a field manager that is not rollguard nor a controller. */
function lastForeignEdit(entries: V1ManagedFieldsEntry[] | undefined): DeploymentObservation['lastForeignEdit'] {
  const edits = (entries ?? [])
    .filter((e) => e.manager && !ownManagers.has(e.manager) && e.subresource !== 'status')
    .filter((e) => JSON.stringify(e.fieldsV1 ?? {}).includes('"f:spec"'))
    .sort((a, b) => new Date(b.time ?? 0).getTime() - new Date(a.time ?? 0).getTime());
  const edit = edits[0];
  if (!edit?.manager) return undefined;
  return { manager: edit.manager, ...(edit.time ? { time: new Date(edit.time).toISOString() } : {}) };
}

function deploymentObservation(d: V1Deployment): DeploymentObservation {
  const s = d.status ?? {};
  const available = s.conditions?.find((c) => c.type === 'Available');
  const stalled = s.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
  const revision = Number(d.metadata?.annotations?.[revisionAnnotation]);
  const edit = lastForeignEdit(d.metadata?.managedFields);
  return {
    name: d.metadata?.name ?? '',
    ...(Number.isInteger(revision) && revision > 0 ? { revision } : {}),
    replicas: d.spec?.replicas ?? 1,
    available: s.availableReplicas ?? 0,
    ready: s.readyReplicas ?? 0,
    updated: s.updatedReplicas ?? 0,
    ...(available?.status === 'False' && available.lastTransitionTime
      ? { unavailableSince: new Date(available.lastTransitionTime).toISOString() }
      : {}),
    ...(stalled?.message ? { stalled: stalled.message } : {}),
    images: imagesOf([...(d.spec?.template.spec?.initContainers ?? []), ...(d.spec?.template.spec?.containers ?? [])]),
    ...(edit ? { lastForeignEdit: edit } : {}),
  };
}

function podObservation(pod: V1Pod): PodObservation {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const statuses = pod.status?.containerStatuses ?? [];
  const waiting = statuses.find((c) => c.state?.waiting?.reason);
  return {
    name: pod.metadata?.name ?? '',
    ready: ready?.status === 'True',
    ...(ready?.lastTransitionTime ? { readySince: new Date(ready.lastTransitionTime).toISOString() } : {}),
    restarts: statuses.reduce((sum, c) => sum + (c.restartCount ?? 0), 0),
    ...(waiting?.state?.waiting?.reason
      ? {
          waiting: {
            container: waiting.name,
            reason: waiting.state.waiting.reason,
            ...(waiting.state.waiting.message ? { message: waiting.state.waiting.message } : {}),
          },
        }
      : {}),
  };
}

/** Since when the Release has been in its phase: the condition that turned with it, else its creation. */
function phaseSince(phase: string | undefined, conditions: readonly Condition[]): string | undefined {
  const type = phase === 'Failed' ? 'Stalled' : phase === 'Ready' ? 'Ready' : 'Reconciling';
  const condition = conditions.find((c) => c.type === type && c.status === 'True');
  return condition?.lastTransitionTime;
}

/** Reads everything the findings are decided from, for one Release, and measures its checks once. */
export async function observeRelease(
  { kube, measureOnce, defaultPrometheus }: ObserveDeps,
  target: InspectionTarget,
  signal?: AbortSignal,
): Promise<ReleaseObservation> {
  let object: KubernetesObject;
  try {
    object = await kube.releases.get(target);
  } catch (err) {
    if (isNotFound(err)) throw new ReleaseGone(`${target.namespace}/${target.name} was deleted`, { cause: err });
    throw err;
  }
  const parsed = parseRelease(object);
  const raw = object as KubernetesObject & {
    status?: { phase?: string; currentRevision?: number; stableRevision?: number; conditions?: Condition[] };
  };
  const status = raw.status ?? {};
  const ref: ReleaseRef = { ...target, uid: object.metadata?.uid ?? '' };
  const createdAt = object.metadata?.creationTimestamp
    ? new Date(object.metadata.creationTimestamp).toISOString()
    : undefined;

  const [deployment, revisions, pods] = await Promise.all([
    kube.apps
      .readNamespacedDeployment({ namespace: target.namespace, name: deploymentName(target.name) })
      .catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      }),
    kube.apps.listNamespacedControllerRevision({
      namespace: target.namespace,
      labelSelector: `${releaseLabel}=${releaseLabelValue(target.name)}`,
    }),
    parsed.ok
      ? kube.core.listNamespacedPod({
          namespace: target.namespace,
          labelSelector: labelSelector(parsed.release.spec.template.selector.matchLabels ?? {}),
        })
      : Promise.resolve({ items: [] as V1Pod[] }),
  ]);
  const owned = deployment && isOwnedBy(deployment, ref) ? deployment : undefined;
  const kept = revisions.items.filter((r) => isOwnedBy(r, ref));
  const templateOf = (n: number | undefined): DeploymentTemplate | undefined =>
    (kept.find((r) => r.revision === n)?.data as { template?: DeploymentTemplate } | undefined)?.template;
  const current = templateOf(status.currentRevision);
  const named = [status.currentRevision, status.stableRevision].filter((n): n is number => n !== undefined);
  const livePods = pods.items.filter((p) => !p.metadata?.deletionTimestamp);

  let checks: ReleaseObservation['checks'] = [];
  if (parsed.ok) {
    const podIps = livePods
      .filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      .flatMap((p) => (p.status?.podIP ? [p.status.podIP] : []));
    const input = analysisInput(parsed.release.spec, {
      podIps,
      namespace: target.namespace,
      readiness: { name: 'readiness', kind: 'Readiness', outcome: 'Pass', weight: 0, reason: '' },
      // A query that names {{revision}} judges the revision the Release runs, as its analysis did.
      ...(status.currentRevision !== undefined ? { queryVariables: { revision: String(status.currentRevision) } } : {}),
      ...(defaultPrometheus ? { defaultPrometheus } : {}),
    });
    // A per-pod check with no Ready pod has nothing to probe: the Deployment's findings say why.
    input.http = (input.http ?? []).filter((c) => c.urls.length > 0);
    const results = await measureOnce(input, { signal });
    const expectations = [
      ...(input.http ?? []).map((c) => {
        const range = c.expectedStatus ?? httpDefaults.expectedStatus;
        return `HTTP ${range.min}-${range.max}${c.body ? ' and a matching body' : ''}`;
      }),
      ...(input.prometheus ?? []).map((c) =>
        [c.min !== undefined ? `>= ${c.min}` : '', c.max !== undefined ? `<= ${c.max}` : '']
          .filter(Boolean)
          .join(' and '),
      ),
    ];
    checks = results.map((r, i) => (expectations[i] ? { ...r, expectation: expectations[i] } : r));
  }
  const phase = status.phase;
  const since = phaseSince(phase, status.conditions ?? []);
  return {
    namespace: target.namespace,
    name: target.name,
    ...(createdAt ? { createdAt } : {}),
    ...(phase ? { phase } : {}),
    ...(status.currentRevision !== undefined ? { currentRevision: status.currentRevision } : {}),
    ...(status.stableRevision !== undefined ? { stableRevision: status.stableRevision } : {}),
    ...(since ? { phaseSince: since } : {}),
    ...(owned ? { deployment: deploymentObservation(owned) } : {}),
    ...(current
      ? {
          revisionImages: imagesOf([
            ...((current.template.spec as { initContainers?: { name: string; image?: string }[] }).initContainers ??
              []),
            ...current.template.spec.containers,
          ]),
          ...(typeof current.replicas === 'number' ? { revisionReplicas: current.replicas } : {}),
        }
      : {}),
    missingRevisions: [...new Set(named)].filter((n) => !kept.some((r) => r.revision === n)),
    pods: livePods.map(podObservation),
    checks,
  };
}
