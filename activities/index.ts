import type { KubeClients } from '../src/kube/client.ts';
import type { Logger } from '../src/log.ts';
import { createHealthActivities, type HealthDeps } from './health/analysis.ts';
import { controlPlaneOf, createEgressGuard, type EgressConfig } from './health/egress.ts';
import { createDependencyActivities } from './release/dependencies.ts';
import { createDeploymentActivities } from './release/deployment.ts';
import { createReleaseActivities } from './release/release.ts';
import { createRevisionActivities } from './release/revisions.ts';
import { createStatusActivities } from './release/status.ts';

export interface ActivityDeps {
  kube: KubeClients;
  log: Logger;
  health?: HealthDeps;
  /** Used by Prometheus checks that name no address. */
  defaultPrometheus?: string;
  /**
   * Where checks may send requests. Always enforced: without settings, only the revision's pods and
   * in-cluster Services, never loopback, link-local or the control plane (this kubeconfig's API server).
   */
  egress?: EgressConfig;
}

/** Every activity a Release workflow runs, built from what they need to reach the world. */
export function createActivities({ kube, log, health, defaultPrometheus, egress: settings = {} }: ActivityDeps) {
  const egress = createEgressGuard({ ...settings, controlPlane: [...controlPlaneOf(kube.config.getCurrentCluster()?.server), ...(settings.controlPlane ?? [])] });
  return {
    ...createRevisionActivities(kube),
    ...createDeploymentActivities(kube),
    ...createStatusActivities(kube, log),
    ...createReleaseActivities(kube),
    ...createHealthActivities({ egress, ...(defaultPrometheus ? { defaultPrometheus } : {}), ...health }),
    ...createDependencyActivities({ egress, ...(defaultPrometheus ? { defaultPrometheus } : {}) }),
    async operatorDefaults(): Promise<{ defaultPrometheus?: string }> {
      return defaultPrometheus ? { defaultPrometheus } : {};
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
