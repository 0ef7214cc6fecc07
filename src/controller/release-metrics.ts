import type { KubernetesObject } from '@kubernetes/client-node';
import { observeStatus, type ObservedStatus, type SeenRelease } from '../domain/release/rollout-observation.ts';
import { exportReleasePhases, rolloutDuration, verdictFailingWeight } from '../telemetry/metrics.ts';
import type { ReleaseInformer } from './release-informer.ts';

type Release = KubernetesObject & { status?: ObservedStatus };

/**
 * The active controller's part of the metrics, all read from its Release cache: one phase series per
 * Release (rollguard_release_phase), and the rollouts and verdicts each status change shows.
 */
export function releaseMetrics() {
  const seen = new Map<string, SeenRelease>();
  let unexport: (() => void) | undefined;
  return {
    /** Exports the cache's phases until stop(). */
    start(cache: ReleaseInformer): void {
      unexport = exportReleasePhases({
        *phases() {
          for (const object of cache.list() as Release[]) {
            const { uid, namespace, name } = object.metadata ?? {};
            const phase = object.status?.phase;
            if (uid && namespace && name && phase) yield { uid, namespace, name, phase };
          }
        },
      });
    },
    changed(object: KubernetesObject): void {
      const uid = object.metadata?.uid;
      if (!uid) return;
      const { seen: next, rollout, verdict } = observeStatus(seen.get(uid), (object as Release).status, Date.now());
      seen.set(uid, next);
      if (rollout) rolloutDuration.observe({ outcome: rollout.outcome }, rollout.seconds);
      if (verdict) verdictFailingWeight.observe({ verdict: verdict.verdict }, verdict.failingWeightRatio);
    },
    deleted(object: KubernetesObject): void {
      if (object.metadata?.uid) seen.delete(object.metadata.uid);
    },
    stop(): void {
      unexport?.();
      seen.clear();
    },
  };
}
