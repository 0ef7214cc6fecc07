import type { KubeClients } from '../src/kube/client.ts';
import type { Logger } from '../src/log.ts';
import { createHealthActivities, type HealthDeps } from './health/analysis.ts';
import { unreachablePrometheus } from './release/dependencies.ts';
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
}

/** Every activity a Release workflow runs, built from what they need to reach the world. */
export function createActivities({ kube, log, health, defaultPrometheus }: ActivityDeps) {
  return {
    ...createRevisionActivities(kube),
    ...createDeploymentActivities(kube),
    ...createStatusActivities(kube, log),
    ...createReleaseActivities(kube),
    ...createHealthActivities(health),
    unreachablePrometheus,
    async operatorDefaults(): Promise<{ defaultPrometheus?: string }> {
      return defaultPrometheus ? { defaultPrometheus } : {};
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
