import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { kubeClients } from '../kube/client.ts';
import { createLogger, type Logger } from '../telemetry/log.ts';
import { resolveTaskQueue } from '../temporal/task-queue.ts';
import { campaign } from './lease.ts';
import type { RetryPolicy } from '../kube/informer.ts';
import { startReleaseLoop, type ReleaseLoop } from './release-loop.ts';
import { releasePatches } from './release-patches.ts';
import { releaseWorkflows } from './release-workflows.ts';

export interface ControllerOptions {
  kubeConfig: KubeConfig;
  temporal: Client;
  /** Namespaces whose Releases this controller serves; all when empty or absent. */
  namespaces?: string[];
  /** How often every Release is checked against its workflow (default 5 minutes). */
  resyncPeriodMs?: number;
  /** Where the Lease lives (default: POD_NAMESPACE, the pod's namespace, else rollguard-system). */
  leaseNamespace?: string;
  /** This controller's name in the Lease (default: host name and a random suffix). */
  identity?: string;
  leaseDurationSeconds?: number;
  leaseRenewIntervalMs?: number;
  /** How long deletion waits for a workflow to close before it is tried again later (default 60 s). */
  deletionWaitMs?: number;
  retry?: RetryPolicy;
  log?: Logger;
  /** The task queue new workflows are started on (default: this cluster's, see resolveTaskQueue; tests give their own). */
  taskQueue?: string;
}

export interface RunningController {
  readonly identity: string;
  isLeader(): boolean;
  /** Runs a resync now, if this controller is the active one. */
  resync(): void;
  stop(): Promise<void>;
}

const serviceAccountNamespaceFile = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export function defaultLeaseNamespace(): string {
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  try {
    return readFileSync(serviceAccountNamespaceFile, 'utf8').trim() || 'rollguard-system';
  } catch {
    return 'rollguard-system';
  }
}

/**
 * Starts the controller: it campaigns for the Lease and, while it holds it, turns Release changes into
 * messages to their workflows. Resolves at once; a standby waits for the Lease in the background.
 */
export async function startController(options: ControllerOptions): Promise<RunningController> {
  const identity = options.identity ?? `${hostname()}-${randomUUID().slice(0, 8)}`;
  const log = (options.log ?? createLogger()).child({ component: 'controller', identity });
  const kube = kubeClients(options.kubeConfig);
  const { taskQueue } = options.taskQueue ? { taskQueue: options.taskQueue } : await resolveTaskQueue(kube.core);
  const loopOptions = {
    kube,
    workflows: releaseWorkflows(options.temporal, { taskQueue }),
    patches: releasePatches(kube, identity),
    namespaces: options.namespaces ?? [],
    resyncPeriodMs: options.resyncPeriodMs ?? 5 * 60_000,
    deletionWaitMs: options.deletionWaitMs ?? 60_000,
    log,
    ...(options.retry ? { retry: options.retry } : {}),
  };
  let loop: ReleaseLoop | undefined;
  const candidate = campaign(
    {
      coordination: kube.coordination,
      namespace: options.leaseNamespace ?? defaultLeaseNamespace(),
      identity,
      log,
      ...(options.leaseDurationSeconds ? { durationSeconds: options.leaseDurationSeconds } : {}),
      ...(options.leaseRenewIntervalMs ? { renewIntervalMs: options.leaseRenewIntervalMs } : {}),
    },
    {
      async started() {
        loop = await startReleaseLoop(loopOptions);
      },
      async stopped() {
        const active = loop;
        loop = undefined;
        await active?.stop();
      },
    },
  );
  return {
    identity,
    isLeader: () => candidate.isLeader() && loop !== undefined,
    resync: () => loop?.resync(),
    stop: () => candidate.stop(),
  };
}
