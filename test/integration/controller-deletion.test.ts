import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningController } from '../../src/controller/index.ts';
import { cleanupFinalizer, releaseLabel, rollbackAnnotation } from '../../src/domain/release/ref.ts';
import { controllerHarness, type ControllerHarness, type StoredRelease } from '../support/controller.ts';
import { waitFor } from '../support/stack.ts';
import { installTools, succeed } from '../support/install-tools.ts';
import { ownerReference } from '../../src/activities/cluster/owner.ts';
import { isNotFound } from '../../src/kube/errors.ts';
import { signalsOf, specGenerations, terminateQuietly, workflowStatus } from '../support/temporal.ts';

let h: ControllerHarness;
let kubectl: string;
let controller: RunningController;

beforeAll(async () => {
  h = await controllerHarness('deletion');
  ({ kubectl } = await installTools());
  controller = await h.startController();
  await h.untilLeader(controller);
});
afterAll(() => h?.cleanup());

/** A Release the controller has taken on: finalizer added and its workflow started. */
async function adopted(
  name: string,
  deletionPolicy?: 'Delete' | 'Orphan',
): Promise<{ release: StoredRelease; workflowId: string }> {
  const release = await h.create(name, (r) => {
    if (deletionPolicy) r.spec = { ...r.spec, deletionPolicy };
  });
  const workflowId = h.workflowId(release);
  await waitFor(
    `${name}'s workflow to get its spec`,
    async () => (await specGenerations(h.client, workflowId)).length > 0,
  );
  return { release, workflowId };
}

const gone = (name: string) =>
  waitFor(`${name} to disappear`, async () => (await h.get(name)) === undefined, { timeoutMs: 30_000 });

describe('deleting a Release', () => {
  it('tells its workflow, holds the Release until the workflow has closed, then lets it go', async () => {
    const { workflowId } = await adopted('doomed');
    await h.remove('doomed');
    await waitFor('the delete signal', async () =>
      (await signalsOf(h.client, workflowId)).some((s) => s.name === 'delete'),
    );
    // Until the workflow has closed, the finalizer holds the Release. No worker runs in this test, so
    // terminating stands in for the workflow finishing its cleanup (a worker of another test run that
    // polls the same task queue may have completed it already).
    const doomed = await h.get('doomed'); // read before the workflow's status: a workflow running now was running then
    if ((await workflowStatus(h.client, workflowId))?.status === 'RUNNING')
      expect(doomed?.metadata.finalizers).toContain(cleanupFinalizer);
    await terminateQuietly(h.client, workflowId);
    await gone('doomed');
    expect((await signalsOf(h.client, workflowId)).filter((s) => s.name === 'delete')).toHaveLength(1);
  });

  it("of more Releases than the controller runs at once, whose workflows cannot close, holds up no other Release's work", async () => {
    // The controller runs 8 Releases' work at a time, and no worker polls this queue: these workflows
    // take the delete signal and stay running, as they do while the workers are down.
    const doomed = await Promise.all(Array.from({ length: 12 }, (_, i) => adopted(`crowd-${i}`)));
    const { workflowId } = await adopted('bystander');
    await Promise.all(doomed.map(({ release }) => h.remove(release.metadata.name)));
    // Every workflow is told, and the bystander is served, well within the minute (deletionWaitMs) that
    // a deletion waiting for its workflow used to hold each of the 8 slots for.
    await waitFor(
      'every delete signal',
      async () => {
        const signals = await Promise.all(doomed.map((d) => signalsOf(h.client, d.workflowId)));
        return signals.every((names) => names.some((s) => s.name === 'delete'));
      },
      { timeoutMs: 15_000 },
    );
    await h.patch('bystander', { spec: { deletionPolicy: 'Delete' } });
    await waitFor(
      'the bystander to get its new spec',
      async () => (await specGenerations(h.client, workflowId)).includes(2),
      { timeoutMs: 15_000 },
    );
    // The finalizers hold the crowd until their workflows close; then each Release goes.
    const held = await Promise.all(doomed.map(({ release }) => h.get(release.metadata.name)));
    expect(held.filter((r) => r?.metadata.finalizers?.includes(cleanupFinalizer))).toHaveLength(doomed.length);
    await Promise.all(doomed.map((d) => terminateQuietly(h.client, d.workflowId)));
    await Promise.all(doomed.map(({ release }) => gone(release.metadata.name)));
    for (const { workflowId: id } of doomed)
      expect((await signalsOf(h.client, id)).filter((s) => s.name === 'delete')).toHaveLength(1);
  });

  it('is not held up by a workflow that has already closed', async () => {
    const { workflowId } = await adopted('closed');
    await terminateQuietly(h.client, workflowId);
    await h.remove('closed');
    await gone('closed');
    expect((await signalsOf(h.client, workflowId)).map((s) => s.name)).toEqual(['spec']);
  });

  it('is not held up when the workflow never existed', async () => {
    // Made while no controller runs, with the finalizer already on: a Release whose workflow is missing.
    await controller.stop();
    const release = await h.create(
      'never-started',
      (r) => (r.metadata = { ...r.metadata, finalizers: [cleanupFinalizer] }),
    );
    await h.remove('never-started');
    controller = await h.startController();
    await gone('never-started');
    expect(await workflowStatus(h.client, h.workflowId(release))).toBeUndefined();
  });
});

describe("what happens to a Release's workload when it is deleted (spec.deletionPolicy)", () => {
  /** A Deployment and a ControllerRevision that the Release owns, as rollguard's worker makes them. */
  async function withWorkload(name: string, policy?: 'Delete' | 'Orphan') {
    const { release, workflowId } = await adopted(name, policy);
    const owner = ownerReference({ namespace: h.namespace, name, uid: release.metadata.uid });
    const metadata = { name, labels: { [releaseLabel]: name }, ownerReferences: [owner] };
    await h.admin.apps.createNamespacedDeployment({
      namespace: h.namespace,
      body: {
        metadata,
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: 'app', image: 'example/app:v1' }] },
          },
        },
      },
    });
    await h.admin.apps.createNamespacedControllerRevision({
      namespace: h.namespace,
      body: { metadata: { ...metadata, name: `${name}-1` }, revision: 1, data: {} },
    });
    // The workflow has done its cleanup (no worker runs in this file).
    await terminateQuietly(h.client, workflowId);
  }
  const deployment = (name: string) =>
    h.admin.apps.readNamespacedDeployment({ namespace: h.namespace, name }).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
  const revisionGone = (name: string) =>
    waitFor(`${name}'s ControllerRevision to be collected`, () =>
      h.admin.apps.readNamespacedControllerRevision({ namespace: h.namespace, name: `${name}-1` }).then(
        () => false,
        (err: unknown) => isNotFound(err),
      ),
    );

  it('by default the Deployment stays, owned by nothing, and the revisions go', async () => {
    await withWorkload('kept');
    await h.remove('kept');
    await gone('kept');
    await revisionGone('kept');
    // The garbage collector has collected what the Release still owned (its revision): the Deployment is not among it.
    const left = await deployment('kept');
    expect(left).toBeDefined();
    expect(left?.metadata?.ownerReferences ?? []).toEqual([]);
    expect(left?.metadata?.deletionTimestamp).toBeUndefined();
  });

  it('deletionPolicy Delete deletes the Deployment with the Release', async () => {
    await withWorkload('dropped', 'Delete');
    await h.remove('dropped');
    await gone('dropped');
    await waitFor('the Deployment to be collected', async () => (await deployment('dropped')) === undefined);
  });

  it('kubectl delete --cascade=orphan keeps the Deployment and the revisions, whatever the policy', async () => {
    await withWorkload('cascade', 'Delete');
    await succeed(kubectl, ['delete', 'release', 'cascade', '-n', h.namespace, '--cascade=orphan']);
    await gone('cascade');
    const left = await deployment('cascade');
    expect(left).toBeDefined();
    expect(left?.metadata?.ownerReferences ?? []).toEqual([]);
    const revision = await h.admin.apps.readNamespacedControllerRevision({ namespace: h.namespace, name: 'cascade-1' });
    expect(revision.metadata?.ownerReferences ?? []).toEqual([]);
  });
});

describe('self-healing', () => {
  it('a Release whose workflow was terminated gets a new run at the next resync, recovering its revisions; others get nothing', async () => {
    await h.untilLeader(controller);
    const healed = await adopted('healed');
    const steady = await adopted('steady');
    await h.patchStatus('healed', { phase: 'Ready', currentRevision: 3, stableRevision: 2 });
    const before = await workflowStatus(h.client, healed.workflowId);
    await terminateQuietly(h.client, healed.workflowId);

    controller.resync();
    await waitFor('a new run of the terminated workflow', async () => {
      const now = await workflowStatus(h.client, healed.workflowId);
      return now?.status === 'RUNNING' && now.runId !== before?.runId;
    });
    const history = await h.client.workflow.getHandle(healed.workflowId).fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(defaultPayloadConverter.fromPayload(input ?? {})).toMatchObject({
      recovered: { currentRevision: 3, stableRevision: 2 },
    });
    expect(await specGenerations(h.client, healed.workflowId)).toEqual([1]);

    // A rollback request marks the point by which the resync has handled `steady` too.
    await h.patch('steady', { metadata: { annotations: { [rollbackAnnotation]: 'previous' } } });
    await waitFor('the rollback signal', async () =>
      (await signalsOf(h.client, steady.workflowId)).some((s) => s.name === 'rollback'),
    );
    expect((await signalsOf(h.client, steady.workflowId)).map((s) => s.name)).toEqual(['spec', 'rollback']);
  });
});
