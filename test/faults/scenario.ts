import type { KubernetesObject } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import type { ReleaseInput, ReleasePhase, ReleaseStatus } from '../../src/domain/api/index.ts';
import { releaseWorkflowId, revisionAnnotation } from '../../src/domain/release/ref.ts';
import { dataDir } from '../../dev/stack/paths.ts';
import type { TemporalConnection } from '../../src/temporal/client.ts';
import { RollguardProcess, stackShell } from '../integration/cli-process.ts';
import { installCrd } from '../support/crd.ts';
import { createNamespace, deleteNamespace, kube, waitFor } from '../support/stack.ts';
import { temporalOfStack, terminateQuietly } from '../support/temporal.ts';
import { type Measurement, recordRecovery } from './recovery.ts';

/** A Release as the API server returns it, with the fields the fault tests read. */
export interface StoredRelease {
  metadata: { name: string; uid: string; generation?: number };
  status?: ReleaseStatus;
}

/**
 * One fault test's world on the fault stack: a namespace of its own, the `rollguard run` processes
 * it starts (and may kill), and the Releases it creates, read back as a user would.
 */
export class FaultScenario {
  readonly clients = kube();
  namespace = '';
  private temporal: TemporalConnection | undefined;
  private readonly processes: RollguardProcess[] = [];
  private readonly workflowIds = new Set<string>();

  async start(prefix: string): Promise<this> {
    await installCrd(this.clients.config);
    this.namespace = await createNamespace(this.clients, prefix);
    return this;
  }

  /** Temporal as a user's `temporal` CLI would reach it; connected on first use, so it may be down at the start. */
  async client(): Promise<Client> {
    this.temporal ??= await temporalOfStack();
    return this.temporal.client;
  }

  /**
   * Starts a `rollguard run` serving this namespace, allowed to probe the test's servers on
   * 127.0.0.1 (docs/check-egress.md). Resolves once it serves /healthz.
   */
  async rollguard(): Promise<RollguardProcess> {
    const process = new RollguardProcess();
    this.processes.push(process);
    await process.start(this.namespace, [], { env: { ...stackShell(), ROLLGUARD_CHECK_ALLOW: '127.0.0.1/32' } });
    return process;
  }

  private target(name: string) {
    return { namespace: this.namespace, name };
  }

  async create(release: ReleaseInput & { metadata: { name: string } }): Promise<StoredRelease> {
    const body = { ...release, metadata: { ...release.metadata, namespace: this.namespace } } as KubernetesObject;
    const created = (await this.clients.releases.create(this.namespace, body)) as StoredRelease;
    this.workflowIds.add(this.workflowId(created));
    return created;
  }

  /** Replaces the Release's spec, as `kubectl apply` of an edited manifest would. */
  async update(release: ReleaseInput & { metadata: { name: string } }): Promise<StoredRelease> {
    return (await this.clients.releases.patch(this.target(release.metadata.name), 'merge', {
      spec: release.spec,
    })) as StoredRelease;
  }

  async read(name: string): Promise<StoredRelease> {
    return (await this.clients.releases.get(this.target(name))) as StoredRelease;
  }

  workflowId(release: StoredRelease): string {
    return releaseWorkflowId({ namespace: this.namespace, name: release.metadata.name, uid: release.metadata.uid });
  }

  /** Polls until the Release's status matches; resolves with it and when it was first seen so. */
  async waitFor(
    name: string,
    what: string,
    matches: (status: ReleaseStatus) => boolean,
    { timeoutMs = 120_000, intervalMs = 250 } = {},
  ): Promise<{ release: StoredRelease; at: number }> {
    let last: StoredRelease | undefined;
    await waitFor(
      `${this.namespace}/${name}: ${what}`,
      async () => {
        last = await this.read(name);
        return last.status !== undefined && matches(last.status);
      },
      { timeoutMs, intervalMs, hint: () => `last status: ${JSON.stringify(last?.status ?? {})}` },
    );
    return { release: last as StoredRelease, at: Date.now() };
  }

  waitForPhase(
    name: string,
    phase: ReleasePhase,
    more: (status: ReleaseStatus) => boolean = () => true,
    options: { timeoutMs?: number } = {},
  ) {
    return this.waitFor(name, `phase ${phase}`, (status) => status.phase === phase && more(status), options);
  }

  /** The revision number the Deployment was last applied with (rollguard's annotation), or undefined. */
  async appliedRevision(name: string): Promise<number | undefined> {
    const deployment = await this.clients.apps
      .readNamespacedDeployment({ name, namespace: this.namespace })
      .catch(() => undefined);
    const value = deployment?.metadata?.annotations?.[revisionAnnotation];
    return value === undefined ? undefined : Number(value);
  }

  record(measurement: Measurement): Promise<void> {
    return recordRecovery(dataDir, measurement);
  }

  /** Kills what it started, ends its workflows, deletes its namespace. */
  async cleanup(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill()));
    if (this.temporal) {
      const client = this.temporal.client;
      await Promise.all([...this.workflowIds].map((id) => terminateQuietly(client, id).catch(() => undefined)));
      await this.temporal.connection.close();
    }
    await deleteNamespace(this.clients, this.namespace);
  }
}
