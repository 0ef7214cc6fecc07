import type { ReleaseInput } from '../../src/domain/api/index.ts';
import { startController, type ControllerOptions, type RunningController } from '../../src/controller/index.ts';
import type { KubeClients } from '../../src/kube/client.ts';
import { isNotFound } from '../../src/kube/errors.ts';
import { createLogger } from '../../src/telemetry/log.ts';
import { releaseWorkflowId, statusManager } from '../../src/domain/release/ref.ts';
import type { TemporalConnection } from '../../src/temporal/client.ts';
import { installCrd, sampleRelease } from './crd.ts';
import { createNamespace, deleteNamespace, kube, waitFor } from './stack.ts';
import { temporalOfStack, terminateQuietly } from './temporal.ts';

/** A Release as the API server returns it, loosely typed: tests read whatever field they check. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StoredRelease = any;

/**
 * A namespace of its own, the CRD installed, a Temporal client, and controllers run in-process that
 * serve only that namespace (and keep their Lease there), so tests never act on each other's Releases.
 */
export async function controllerHarness(prefix: string) {
  const admin: KubeClients = kube();
  await installCrd(admin.config);
  const namespace = await createNamespace(admin, prefix);
  const taskQueue = `controller-test-${namespace}`;
  const temporal: TemporalConnection = await temporalOfStack();
  const logs: Record<string, unknown>[] = [];
  const controllers: RunningController[] = [];
  const workflowIds = new Set<string>();
  const releases = admin.releases;
  const log = createLogger(
    {},
    {
      level: 'debug',
      write: (_level, line) => {
        logs.push(JSON.parse(line) as Record<string, unknown>);
        if (process.env.ROLLGUARD_TEST_LOG) console.error(line);
      },
    },
  );

  const remember = (release: StoredRelease): StoredRelease => {
    workflowIds.add(releaseWorkflowId({ namespace, name: release.metadata.name, uid: release.metadata.uid }));
    return release;
  };

  return {
    admin,
    namespace,
    taskQueue,
    client: temporal.client,
    logs,

    async startController(options: Partial<ControllerOptions> = {}): Promise<RunningController> {
      const controller = await startController({
        kubeConfig: admin.config,
        temporal: temporal.client,
        namespaces: [namespace],
        leaseNamespace: namespace,
        leaseDurationSeconds: 4,
        leaseRenewIntervalMs: 500,
        retry: { baseDelayMs: 200, maxDelayMs: 2000 },
        log,
        // No worker polls this queue: the workflows the controller starts keep their messages in
        // history for the test to read, and no other test's worker runs them.
        taskQueue,
        ...options,
      });
      controllers.push(controller);
      return controller;
    },

    async untilLeader(...candidates: RunningController[]): Promise<RunningController> {
      await waitFor('a controller to hold the lease', async () => candidates.some((c) => c.isLeader()), {
        timeoutMs: 30_000,
      });
      return candidates.find((c) => c.isLeader()) as RunningController;
    },

    async create(name: string, edit: (release: ReleaseInput) => void = () => undefined): Promise<StoredRelease> {
      const body = sampleRelease(name);
      edit(body);
      return remember(await releases.create(namespace, body));
    },

    async get(name: string): Promise<StoredRelease> {
      try {
        return await releases.get({ namespace, name });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },

    patch: (name: string, body: object): Promise<StoredRelease> => releases.patch({ namespace, name }, 'merge', body),
    /** Writes status as the workflow would (its field manager): a status written by anyone else is restored. */
    patchStatus: (name: string, status: object): Promise<StoredRelease> =>
      releases.patchStatus({ namespace, name }, 'merge', { status }, { fieldManager: statusManager }),
    remove: (name: string): Promise<unknown> => releases.delete({ namespace, name }),
    workflowId: (release: StoredRelease): string =>
      releaseWorkflowId({ namespace, name: release.metadata.name, uid: release.metadata.uid }),

    /** Stops the controllers, ends the workflows the tests started, and deletes the namespace. */
    async cleanup(): Promise<void> {
      await Promise.all(controllers.map((c) => c.stop()));
      const list = (await releases.list(namespace)) as { items: StoredRelease[] };
      for (const release of list.items) {
        remember(release);
        await releases.patch({ namespace, name: release.metadata.name }, 'merge', { metadata: { finalizers: null } });
      }
      await Promise.all([...workflowIds].map((id) => terminateQuietly(temporal.client, id)));
      await deleteNamespace(admin, namespace);
      await temporal.connection.close();
    },
  };
}

export type ControllerHarness = Awaited<ReturnType<typeof controllerHarness>>;
