import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { DeliveryLedger } from '../../../src/controller/ledger.ts';
import type { ReleaseMeta } from '../../../src/controller/plan.ts';
import { deletionRecheckMs, reconcileRelease } from '../../../src/controller/reconcile-release.ts';
import { RunAgainLater } from '../../../src/controller/pending-work.ts';
import type { ReleasePatches } from '../../../src/controller/release-patches.ts';
import { ListedWorkflows, listTrustedMs } from '../../../src/controller/listed-workflows.ts';
import type { ListedWorkflow, ReleaseWorkflows, WorkflowState } from '../../../src/controller/release-workflows.ts';
import type { ReleaseWorkload } from '../../../src/controller/release-workload.ts';
import { createLogger } from '../../../src/telemetry/log.ts';
import { cleanupFinalizer, releaseWorkflowId, rollbackAnnotation } from '../../../src/domain/release/ref.ts';
import { EventReason } from '../../../src/domain/release/events.ts';
import { sampleRelease } from '../../support/crd.ts';

/** Fakes of Temporal and the API server that record what the controller sent. */
function world({
  workflow = { state: 'Missing' } as WorkflowState,
  deletionWaitMs = 60_000,
  ledger = new DeliveryLedger(),
  listed = new Map<string, ListedWorkflow>(),
} = {}) {
  const sent: string[] = [];
  const asked: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const patched = (meta: ReleaseMeta) =>
    ({ metadata: { ...meta, resourceVersion: `${meta.resourceVersion}+` } }) as KubernetesObject;
  const workflows: ReleaseWorkflows = {
    taskQueue: 'rollguard-0badc0de',
    describe: async () => (asked.push('describe'), workflow),
    listRunning: async () => listed,
    specInHistory: async () => 0,
    sendSpec: async (_ref, message) => void sent.push(`spec ${message.generation}`),
    sendRollback: async (_ref, request) =>
      void sent.push(`rollback ${request.toRevision ?? 'previous'} ${request.requestId}`),
    sendInvalidSpec: async (_ref, message) =>
      void sent.push(`invalid ${message.generation} ${message.problems.join('; ')}`),
    sendRestoreStatus: async (_ref, reason) => void sent.push(`restore ${reason}`),
    sendStrategyRequest: async (_ref, signal, request) => void sent.push(`${signal} ${request.requestId}`),
    sendDelete: async () => void sent.push('delete'),
  };
  const patches: ReleasePatches = {
    addFinalizer: async (meta) => (
      sent.push('addFinalizer'),
      patched({ ...meta, finalizers: [...meta.finalizers, cleanupFinalizer] })
    ),
    removeFinalizer: async () => (sent.push('removeFinalizer'), undefined),
    warn: async (_meta, event) => void sent.push(`event ${event.reason}`),
  };
  const log = createLogger(
    {},
    { write: (_level, line) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const workload: ReleaseWorkload = { orphan: async () => (sent.push('orphan'), true) };
  const list = new ListedWorkflows(workflows, log, () => clock);
  let clock = 0;
  const deps = {
    workflows,
    patches,
    workload,
    ledger,
    listed: list,
    log,
    deletionWaitMs,
  };
  return {
    sent,
    asked,
    logs,
    ledger,
    reconcile: (object: unknown) => reconcileRelease(object as KubernetesObject, deps),
    list: () => list.refresh(),
    later: (ms: number) => void (clock += ms),
  };
}

const stored = (metadata: Record<string, unknown> = {}, spec?: unknown, status?: object) => ({
  ...sampleRelease(),
  ...(spec !== undefined ? { spec } : {}),
  metadata: { name: 'web', namespace: 'shop', uid: 'uid-1', resourceVersion: '1', generation: 1, ...metadata },
  ...(status ? { status } : {}),
});

describe('reconciling one Release', () => {
  it('a new Release: finalizer, then the spec', async () => {
    const w = world();
    await w.reconcile(stored());
    expect(w.sent).toEqual(['addFinalizer', 'spec 1']);
  });

  it('an invalid Release is logged with its bad fields and its workflow told, once per generation', async () => {
    const w = world();
    await w.reconcile(stored({ finalizers: [cleanupFinalizer] }, { template: { replicas: -1 } }));
    await w.reconcile(stored({ finalizers: [cleanupFinalizer] }, { template: { replicas: -1 } }));
    expect(w.sent).toHaveLength(1);
    expect(w.sent[0]).toMatch(/^invalid 1 .*spec\.template/);
    expect(w.logs[0]).toMatchObject({ level: 'warn', release: 'shop/web' });
    expect(String(w.logs[0]?.error)).toContain('spec.template');
  });

  it("a status written by someone else is restored once per write, and rollguard's own writes are left alone", async () => {
    const running: WorkflowState = { state: 'Running', runId: 'r1', taskQueue: 'rollguard-0badc0de', generation: 1 };
    const w = world({ workflow: running });
    const managed = (manager: string, time: string) => ({ manager, operation: 'Update', subresource: 'status', time });
    const ours = managed('rollguard-status', '2026-11-26T10:00:00Z');
    const theirs = managed('kubectl-patch', '2026-11-26T10:00:05Z');
    await w.reconcile(stored({ finalizers: [cleanupFinalizer], managedFields: [ours] }));
    await w.reconcile(stored({ finalizers: [cleanupFinalizer], resourceVersion: '2', managedFields: [ours, theirs] }));
    await w.reconcile(stored({ finalizers: [cleanupFinalizer], resourceVersion: '2', managedFields: [ours, theirs] }));
    // rollguard's restore, in the same second: the same foreign write, not answered again.
    await w.reconcile(
      stored({
        finalizers: [cleanupFinalizer],
        resourceVersion: '3',
        managedFields: [theirs, { ...ours, time: '2026-11-26T10:00:05Z' }],
      }),
    );
    await w.reconcile(
      stored({
        finalizers: [cleanupFinalizer],
        resourceVersion: '4',
        managedFields: [{ ...ours, time: '2026-11-26T10:00:06Z' }],
      }),
    );
    // A later foreign write is answered again.
    await w.reconcile(
      stored({
        finalizers: [cleanupFinalizer],
        resourceVersion: '5',
        managedFields: [
          { ...ours, time: '2026-11-26T10:00:06Z' },
          { ...theirs, time: '2026-11-26T10:00:09Z' },
        ],
      }),
    );
    expect(w.sent).toEqual(['restore written by kubectl-patch', 'restore written by kubectl-patch']);
  });

  it('a rollback annotation is sent once and left in place, through the events until the status records it and after', async () => {
    const running: WorkflowState = { state: 'Running', runId: 'r1', taskQueue: 'rollguard-0badc0de', generation: 1 };
    const w = world({ workflow: running });
    const annotated = { finalizers: [cleanupFinalizer], annotations: { [rollbackAnnotation]: '2' } };
    await w.reconcile(stored(annotated));
    await w.reconcile(stored(annotated, undefined, { phase: 'RollingBack' }));
    await w.reconcile(stored(annotated, undefined, { phase: 'Ready', observedRollbackRequest: 'annotation:2' }));
    expect(w.sent).toEqual(['rollback 2 annotation:2']);

    // A new controller (a restart, or another replica taking over) knows only what the status says.
    const restarted = world({ workflow: running });
    await restarted.reconcile(
      stored(annotated, undefined, { phase: 'Ready', observedRollbackRequest: 'annotation:2' }),
    );
    expect(restarted.sent).toEqual([]);
  });

  it('a malformed rollback annotation gets one Warning Event, however often the Release is seen', async () => {
    const w = world({ workflow: { state: 'Running', runId: 'r1', taskQueue: 'rollguard-0badc0de', generation: 1 } });
    const release = stored({ finalizers: [cleanupFinalizer], annotations: { [rollbackAnnotation]: 'soon' } });
    await w.reconcile(release);
    await w.reconcile({ ...release, status: { phase: 'Ready' } });
    expect(w.sent).toEqual([`event ${EventReason.InvalidRollbackRequest}`]);
  });

  it('deletion with the workflow gone orphans the Deployment (the default policy) and removes the finalizer at once', async () => {
    const w = world({ workflow: { state: 'Missing' } });
    await w.reconcile(stored({ finalizers: [cleanupFinalizer], deletionTimestamp: '2026-01-01T00:00:00Z' }));
    expect(w.sent).toEqual(['orphan', 'removeFinalizer']);
  });

  it('deletion with deletionPolicy Delete leaves the Deployment to the garbage collector', async () => {
    const w = world({ workflow: { state: 'Missing' } });
    const deleting = stored(
      { finalizers: [cleanupFinalizer], deletionTimestamp: '2026-01-01T00:00:00Z' },
      {
        ...sampleRelease().spec,
        deletionPolicy: 'Delete',
      },
    );
    await w.reconcile(deleting);
    expect(w.sent).toEqual(['removeFinalizer']);
  });

  it('deletion keeps the finalizer while the workflow cleans up, sends delete only once, and looks again later without waiting', async () => {
    const w = world({ workflow: { state: 'Running', runId: 'r1', taskQueue: 'rollguard-0badc0de' } });
    const deleting = stored({ finalizers: [cleanupFinalizer], deletionTimestamp: '2026-01-01T00:00:00Z' });
    for (let look = 0; look < 2; look++) {
      const started = Date.now();
      const later = await w.reconcile(deleting).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(later).toBeInstanceOf(RunAgainLater);
      expect((later as RunAgainLater).delayMs).toBe(deletionRecheckMs(0));
      expect(Date.now() - started).toBeLessThan(deletionRecheckMs(0));
    }
    expect(w.sent).toEqual(['delete']);
  });

  it('deletion whose workflow is still running deletionWaitMs after the signal fails, naming the finalizer to remove by hand', async () => {
    const w = world({
      workflow: { state: 'Running', runId: 'r1', taskQueue: 'rollguard-0badc0de' },
      deletionWaitMs: 0,
    });
    const deleting = stored({ finalizers: [cleanupFinalizer], deletionTimestamp: '2026-01-01T00:00:00Z' });
    await expect(w.reconcile(deleting)).rejects.toThrow(
      /still running \d+s after the delete signal; the finalizer stays/,
    );
    await expect(w.reconcile(deleting)).rejects.toThrow(new RegExp(`remove the ${cleanupFinalizer} finalizer by hand`));
    expect(w.sent).toEqual(['delete']);
  });

  it('a deletion looks again soon at first, then at most every 5 s', () => {
    expect([0, 1_000, 4_000, 10_000, 60_000].map(deletionRecheckMs)).toEqual([250, 500, 2_000, 5_000, 5_000]);
  });

  it('deletion of a Release without the finalizer sends nothing', async () => {
    const w = world({ workflow: { state: 'Running', runId: 'r1', taskQueue: 'rollguard-0badc0de' } });
    await w.reconcile(stored({ deletionTimestamp: '2026-01-01T00:00:00Z' }));
    expect(w.sent).toEqual([]);
  });

  it('a workflow on a task queue this rollguard does not serve (an upgrade from one shared queue) is named in a warning', async () => {
    const w = world({ workflow: { state: 'Running', runId: 'r1', taskQueue: 'rollguard', generation: 1 } });
    await w.reconcile(stored({ finalizers: [cleanupFinalizer] }));
    expect(w.sent).toEqual([]);
    expect(w.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        workflowTaskQueue: 'rollguard',
        taskQueue: 'rollguard-0badc0de',
        remedy: expect.stringContaining('--task-queue rollguard'),
      }),
    );
  });

  describe('with the running workflows listed (after a start or a resync)', () => {
    const ready = { finalizers: [cleanupFinalizer], generation: 3 };
    const id = releaseWorkflowId({ namespace: 'shop', name: 'web', uid: 'uid-1' });
    const running: WorkflowState = { state: 'Running', runId: 'r1', taskQueue: 'rollguard-0badc0de', generation: 3 };

    it('a workflow listed with the generation is not asked, and nothing is sent', async () => {
      const w = world({
        workflow: running,
        listed: new Map([[id, { taskQueue: 'rollguard-0badc0de', generation: 3 }]]),
      });
      await w.list();
      await w.reconcile(stored(ready));
      expect(w.asked).toEqual([]);
      expect(w.sent).toEqual([]);
    });

    it('a workflow listed behind the generation is asked (the list lags), and gets the spec only if it lacks it', async () => {
      const w = world({
        workflow: running,
        listed: new Map([[id, { taskQueue: 'rollguard-0badc0de', generation: 2 }]]),
      });
      await w.list();
      await w.reconcile(stored(ready));
      expect(w.asked).toEqual(['describe']);
      expect(w.sent).toEqual([]);
    });

    it('a workflow not listed is asked, and started when it is missing', async () => {
      const w = world();
      await w.list();
      await w.reconcile(stored(ready));
      expect(w.asked).toEqual(['describe']);
      expect(w.sent).toEqual(['spec 3']);
    });

    it('a list older than a minute, or of another task queue, is not trusted', async () => {
      const old = world({
        workflow: running,
        listed: new Map([[id, { taskQueue: 'rollguard-0badc0de', generation: 3 }]]),
      });
      await old.list();
      old.later(listTrustedMs + 1);
      await old.reconcile(stored(ready));
      expect(old.asked).toEqual(['describe']);

      const elsewhere = world({
        workflow: running,
        listed: new Map([[id, { taskQueue: 'rollguard', generation: 3 }]]),
      });
      await elsewhere.list();
      await elsewhere.reconcile(stored(ready));
      expect(elsewhere.asked).toEqual(['describe']);
    });

    it('each listed workflow is used once: after that the ledger knows, or the workflow is asked', async () => {
      const w = world({
        workflow: running,
        listed: new Map([[id, { taskQueue: 'rollguard-0badc0de', generation: 3 }]]),
      });
      await w.list();
      await w.reconcile(stored(ready));
      w.ledger.unverifyAll();
      await w.reconcile(stored(ready));
      expect(w.asked).toEqual(['describe']);
      expect(w.sent).toEqual([]);
    });
  });
});
