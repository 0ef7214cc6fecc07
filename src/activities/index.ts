import type { KubeClients } from '../kube/client.ts';
import type { DeploymentCache } from '../kube/deployment-cache.ts';
import type { ReleaseSelectors } from '../kube/release-selectors.ts';
import type { SpecMessage, UncheckedSpecMessage } from '../domain/release/records.ts';
import { readSpecMessage } from '../domain/release/spec-message.ts';
import type { Logger } from '../telemetry/log.ts';
import { createCheckMeasurer, createHealthActivities, type HealthDeps } from './checks/analysis.ts';
import { controlPlaneOf, createEgressGuard, type EgressConfig } from './checks/egress.ts';
import { kubeSecretReader } from './checks/secret-headers.ts';
import { createDependencyActivities } from './cluster/dependencies.ts';
import { createDeploymentActivities } from './cluster/deployment.ts';
import { createReleaseActivities } from './cluster/release.ts';
import { createRevisionActivities } from './cluster/revisions.ts';
import { createStatusActivities } from './cluster/status.ts';
import { createTrafficActivities } from './cluster/traffic.ts';
import { createHookActivities } from './hooks/run.ts';
import { createNotificationActivities } from './notify/delivery.ts';
import type { SinkTarget } from '../domain/release/notifications.ts';
import { createInspectionActivities } from './inspection/inspect.ts';
import { createReportActivities, type ReportDestination } from './inspection/publish.ts';
import { createRecipientActivities } from './inspection/recipients.ts';
import { createStreakActivities } from './inspection/streak.ts';

export interface ActivityDeps {
  kube: KubeClients;
  log: Logger;
  /** The worker's shared watch of rollguard's Deployments, which rollouts read instead of polling. */
  deployments?: DeploymentCache | undefined;
  /** The worker's shared watch of every Release's selector, which the admission check reads instead of listing. */
  selectors?: ReleaseSelectors | undefined;
  health?: HealthDeps;
  /** Used by Prometheus checks that name no address. */
  defaultPrometheus?: string;
  /**
   * Where checks may send requests. Always enforced: without settings, only the revision's pods and
   * in-cluster Services, never loopback, link-local or the control plane (this kubeconfig's API server).
   */
  egress?: EgressConfig;
  /** How long admission waits for a Secret that checks' headers name to appear (default 15 s). */
  secretGraceMs?: number;
  /** Sinks every Release's notifications go to (rollguard run --notifications). */
  operatorSinks?: SinkTarget[];
  /** Where inspection reports go (a directory, a ConfigMap); nowhere but the workflow's result without. */
  inspectionReports?: ReportDestination | undefined;
}

/** Every activity a Release workflow runs, built from what they need to reach the world. */
export function createActivities({
  kube,
  log,
  deployments,
  selectors,
  health,
  defaultPrometheus,
  egress: settings = {},
  secretGraceMs,
  operatorSinks = [],
  inspectionReports,
}: ActivityDeps) {
  const egress = createEgressGuard({
    ...settings,
    controlPlane: [...controlPlaneOf(kube.config.getCurrentCluster()?.server), ...(settings.controlPlane ?? [])],
  });
  // Checks read the Secrets their headers name themselves, so no Secret's value passes the workflow.
  const readSecret = kubeSecretReader(kube);
  const checkDeps = { egress, readSecret, ...(defaultPrometheus ? { defaultPrometheus } : {}), ...health };
  const revisions = createRevisionActivities(kube);
  return {
    ...revisions,
    ...createTrafficActivities(kube),
    ...createDeploymentActivities(kube, { deployments, readRevision: revisions.readRevision }),
    ...createStatusActivities(kube, log, deployments),
    ...createReleaseActivities(kube, { selectors }),
    ...createHealthActivities(checkDeps),
    ...createInspectionActivities({ kube, measureOnce: createCheckMeasurer(checkDeps), defaultPrometheus }),
    ...createReportActivities({ kube, log, destination: inspectionReports }),
    ...createDependencyActivities({
      egress,
      readSecret,
      ...(defaultPrometheus ? { defaultPrometheus } : {}),
      ...(secretGraceMs !== undefined ? { secretGraceMs } : {}),
    }),
    ...createNotificationActivities({ kube, log, readSecret, egress, operatorSinks }),
    ...createRecipientActivities({ kube, operatorSinks }),
    ...createStreakActivities(),
    ...createHookActivities({ kube, readSecret, egress }),
    /** Checks the spec a Signal carried against the Release schema: workflow code loads no schema library. */
    async readSpec(message: UncheckedSpecMessage): Promise<SpecMessage | { invalid: string }> {
      return readSpecMessage({ generation: message.generation, spec: message.unchecked });
    },
    /** The worker's settings a workflow decides with; whether operator-wide sinks exist, not what they are. */
    async operatorDefaults(): Promise<{ defaultPrometheus?: string; operatorSinks?: true }> {
      return {
        ...(defaultPrometheus ? { defaultPrometheus } : {}),
        ...(operatorSinks.length > 0 ? { operatorSinks: true as const } : {}),
      };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
