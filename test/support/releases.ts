import { isConflict } from '../../src/kube/errors.ts';
import { expect } from 'vitest';
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { toolPath } from '../../dev/stack/tools.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../../dev/stack/paths.ts';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { parseRelease, type Release, type ReleaseInput, type ReleasePhase } from '../../src/domain/api/index.ts';
import { createLogger } from '../../src/telemetry/log.ts';
import { type ReleaseRef, releaseLabel, releaseWorkflowId } from '../../src/domain/release/ref.ts';
import { watchDeployments, type DeploymentCache } from '../../src/kube/deployment-cache.ts';
import { watchReleaseSelectors, type ReleaseSelectors } from '../../src/kube/release-selectors.ts';
import { createReleaseWorker } from '../../src/server/worker.ts';
import type { WorkerTuning } from '../../src/server/tuning.ts';
import { preloadModules, workflowsPath } from '../../src/server/workflow-bundle.ts';
import { type ControllerOptions, type RunningController, startController } from '../../src/controller/index.ts';
import { specSignal, statusQuery } from '../../src/workflows/messages.ts';
import type { ReleaseSnapshot } from '../../src/domain/release/records.ts';
import type { SinkTarget } from '../../src/domain/release/notifications.ts';
import type { ReportDestination } from '../../src/activities/inspection/publish.ts';
import { installCrd } from './crd.ts';
import { createNamespace, deleteNamespace, kube, stackEnv, waitFor } from './stack.ts';

const run = promisify(execFile);

export const historiesDir = join(repoRoot, 'test', 'fixtures', 'histories');

let bundle: Promise<{ code: string }> | undefined;
/** One workflow bundle per test process: webpack takes seconds. */
export const workflowBundle = (): Promise<{ code: string }> =>
  (bundle ??= bundleWorkflowCode({ workflowsPath, preloadModules, logger: quietLogger }));

/**
 * The tests' checks probe servers they start on 127.0.0.1, which rollguard refuses by default; they
 * name it exactly, which on this stack opens the control plane (Temporal, the API server) too.
 */
export const testCheckEgress = { allow: '127.0.0.1/32', controlPlane: [stackEnv.TEMPORAL_ADDRESS] };

const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} };

/**
 * A namespace of the local cluster with the Release CRD, a Temporal client and a rollguard worker:
 * what each workflow test needs. `apply` does what the controller does for a Release change.
 */
export class ReleaseHarness {
  readonly clients = kube();
  namespace = '';
  client!: Client;
  private connection!: Connection;
  private worker!: Worker;
  private deployments?: DeploymentCache;
  private selectors?: ReleaseSelectors;
  private running!: Promise<void>;
  private refs: ReleaseRef[] = [];
  taskQueue = '';

  private controller: RunningController | undefined;
  private controllerOptions: ControllerOptions | undefined;

  /**
   * With `controller`, rollguard's controller runs in-process and does what a cluster change asks;
   * without, `apply` signals the workflow itself, as the controller would.
   */
  async start(
    prefix: string,
    {
      controller = false,
      operatorSinks,
      inspectionReports,
      tuning,
    }: {
      controller?: boolean;
      /** The worker's slots and cache, as `rollguard run`'s flags set them. */
      tuning?: WorkerTuning;
      operatorSinks?: SinkTarget[];
      inspectionReports?: (namespace: string) => ReportDestination;
    } = {},
  ): Promise<void> {
    Runtime.install({ logger: { ...quietLogger, log() {} } });
    await installCrd(this.clients.config);
    this.namespace = await createNamespace(this.clients, prefix);
    // A task queue of its own: no other test's (or developer's) worker runs these workflows.
    this.taskQueue = `test-${this.namespace}`;
    this.connection = await Connection.connect({ address: stackEnv.TEMPORAL_ADDRESS });
    this.client = new Client({ connection: this.connection, namespace: stackEnv.TEMPORAL_NAMESPACE });
    const log = createLogger({ test: prefix }, { level: 'warn' });
    // As `rollguard run` does: rollouts read their Deployments, and admission the Releases' selectors,
    // from shared watches.
    this.deployments = await watchDeployments(this.clients, { label: releaseLabel, log });
    this.selectors = await watchReleaseSelectors(this.clients, { log });
    this.worker = await createReleaseWorker({
      connection: await NativeConnection.connect({ address: stackEnv.TEMPORAL_ADDRESS }),
      namespace: stackEnv.TEMPORAL_NAMESPACE,
      kube: this.clients,
      deployments: this.deployments,
      selectors: this.selectors,
      log,
      defaultPrometheus: stackEnv.PROMETHEUS_URL,
      checkEgress: testCheckEgress,
      workflowBundle: await workflowBundle(),
      taskQueue: this.taskQueue,
      ...(operatorSinks ? { operatorSinks } : {}),
      ...(inspectionReports ? { inspectionReports: inspectionReports(this.namespace) } : {}),
      ...(tuning ? { tuning } : {}),
    });
    this.running = this.worker.run();
    if (controller) {
      this.controllerOptions = {
        kubeConfig: this.clients.config,
        temporal: this.client,
        namespaces: [this.namespace],
        leaseNamespace: this.namespace,
        taskQueue: this.taskQueue,
        log: createLogger({ test: prefix }, { level: 'warn' }),
      };
      this.controller = await startController(this.controllerOptions);
    }
  }

  /** Stops the controller and starts a new one, as a restarted `rollguard run`: it remembers nothing it sent. */
  async restartController(): Promise<void> {
    if (!this.controller || !this.controllerOptions) throw new Error('this harness runs no controller');
    await this.controller.stop();
    const controller = await startController(this.controllerOptions);
    this.controller = controller;
    await waitFor('the new controller to hold the lease', async () => controller.isLeader(), { timeoutMs: 30_000 });
  }

  async stop(): Promise<void> {
    await this.controller?.stop();
    if (process.env.ROLLGUARD_RECORD_HISTORIES) await this.recordHistories();
    // Terminated rather than deleted: a test's workflows must not outlive it and meet a later test's code.
    await Promise.all(
      this.refs.map((ref) =>
        this.handle(ref)
          .terminate('test finished')
          .catch(() => undefined),
      ),
    );
    this.worker?.shutdown();
    await this.running?.catch(() => undefined);
    await this.deployments?.stop();
    await this.selectors?.stop();
    await this.connection?.close();
    await deleteNamespace(this.clients, this.namespace);
  }

  /**
   * Saves each workflow's history under test/fixtures/histories/, where the replay test checks that
   * the current workflow code still replays them: a change that would break running workflows fails.
   */
  private async recordHistories(): Promise<void> {
    await mkdir(historiesDir, { recursive: true });
    for (const ref of this.refs) {
      // The Temporal CLI writes the JSON form that historyFromJSON reads back.
      const { stdout } = await run(
        await toolPath('temporal', 'temporal'),
        [
          'workflow',
          'show',
          '--address',
          stackEnv.TEMPORAL_ADDRESS,
          '--workflow-id',
          releaseWorkflowId(ref),
          '--output',
          'json',
        ],
        { maxBuffer: 1 << 26 },
      );
      const file = join(historiesDir, `${this.namespace.replace(/-[0-9a-f]{6}$/, '')}-${ref.name}.json`);
      await writeFile(file, stdout);
    }
  }

  private target(name: string) {
    return { namespace: this.namespace, name };
  }

  /** Runs the controller's resync now: workflows that are missing or closed are started again. */
  resync(): void {
    if (!this.controller) throw new Error('this harness runs no controller');
    this.controller.resync();
  }

  /** Merge-patches a Release's metadata (annotations, labels), as `kubectl annotate` would. */
  async annotate(name: string, annotations: Record<string, string>): Promise<void> {
    await this.clients.releases.patch(this.target(name), 'merge', { metadata: { annotations } });
  }

  async read(name: string): Promise<Release> {
    const parsed = parseRelease(await this.clients.releases.get(this.target(name)));
    if (!parsed.ok) throw parsed.error;
    return parsed.release;
  }

  /** Creates or replaces a Release, then signals its workflow as the controller would. */
  async apply(release: ReleaseInput & { metadata: { name: string } }): Promise<Release> {
    const name = release.metadata.name;
    const body = { ...release, metadata: { ...release.metadata, namespace: this.namespace } } as KubernetesObject;
    // As kubectl replace does: a status write between the read and the replace (a 409) is read again.
    for (let attempt = 1; ; attempt++) {
      const existing = await this.read(name).catch(() => undefined);
      try {
        if (existing) {
          body.metadata = {
            ...body.metadata,
            ...(existing.metadata.resourceVersion ? { resourceVersion: existing.metadata.resourceVersion } : {}),
          };
          await this.clients.releases.replace(this.target(name), body);
        } else {
          await this.clients.releases.create(this.namespace, body);
        }
        break;
      } catch (err) {
        if (!isConflict(err) || attempt >= 5) throw err;
      }
    }
    const stored = await this.read(name);
    const ref = this.ref(stored);
    if (!this.refs.some((r) => r.uid === ref.uid)) this.refs.push(ref);
    if (this.controller) return stored;
    await this.client.workflow.signalWithStart('releaseWorkflow', {
      workflowId: releaseWorkflowId(ref),
      taskQueue: this.taskQueue,
      args: [{ ref }],
      signal: specSignal,
      signalArgs: [{ generation: stored.metadata.generation ?? 1, spec: stored.spec }],
    });
    return stored;
  }

  ref(release: Release): ReleaseRef {
    return { namespace: this.namespace, name: release.metadata.name, uid: release.metadata.uid ?? '' };
  }

  handle(ref: ReleaseRef): WorkflowHandle {
    return this.client.workflow.getHandle(releaseWorkflowId(ref));
  }

  async snapshot(name: string): Promise<ReleaseSnapshot> {
    return await this.handle(this.ref(await this.read(name))).query(statusQuery);
  }

  /** Polls the Release's status until its phase (and, optionally, more) is as expected. */
  async waitForStatus(
    name: string,
    phase: ReleasePhase,
    more: (r: Release) => boolean = () => true,
    timeoutMs = 60_000,
  ): Promise<Release> {
    let last: Release | undefined;
    await waitFor(
      `${name} to be ${phase}`,
      async () => {
        last = await this.read(name);
        return last.status?.phase === phase && more(last);
      },
      { timeoutMs, hint: () => `last status: ${JSON.stringify(last?.status ?? {})}` },
    );
    return last as Release;
  }

  /**
   * Waits until rollguard rolled the Release back on its own from `from` to `to`: Failed, the last
   * rollback Automatic, and the stable revision serving again.
   */
  async rolledBackOnItsOwn(
    name: string,
    { from, to }: { from: number; to: number },
    timeoutMs = 90_000,
  ): Promise<Release> {
    const failed = await this.waitForStatus(
      name,
      'Failed',
      (r) => r.status?.lastRollback?.trigger === 'Automatic',
      timeoutMs,
    );
    expect(failed.status).toMatchObject({
      currentRevision: to,
      stableRevision: to,
      lastRollback: { fromRevision: from, toRevision: to },
    });
    return failed;
  }

  deployment(name: string): Promise<V1Deployment> {
    return this.clients.apps.readNamespacedDeployment({ name, namespace: this.namespace });
  }

  /** Images of the Ready pods of a Release's Deployment. */
  async readyImages(app: string): Promise<string[]> {
    const pods = await this.clients.core.listNamespacedPod({ namespace: this.namespace, labelSelector: `app=${app}` });
    return pods.items
      .filter(
        (p) =>
          !p.metadata?.deletionTimestamp &&
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      )
      .map((p) => p.spec?.containers[0]?.image ?? '');
  }
}
