import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseWorkflowId, rollbackAnnotation, rollbackReasonAnnotation } from '../../src/domain/release/ref.ts';
import { EventMessage, EventReason } from '../../src/domain/release/events.ts';
import { ReleaseHarness } from '../support/releases.ts';
import { signalsOf } from '../support/temporal.ts';
import { appRelease } from '../support/release-specs.ts';

// Given rollguard's controller and worker, when a user works with kubectl alone...
const h = new ReleaseHarness();
const refusals = async (name: string): Promise<string[]> =>
  (await h.clients.events.listNamespacedEvent({ namespace: h.namespace })).items
    .filter((e) => e.regarding?.name === name)
    .map((e) => `${e.reason}: ${e.note}`);
beforeAll(() => h.start('annotation', { controller: true }), 120_000);
afterAll(() => h.stop());

describe('a rollback requested by annotation', () => {
  it('happens once: the annotation stays, and a GitOps tool applying it again or a restarted controller changes nothing', async () => {
    await h.apply(appRelease('web', { image: 'example/web:v1' }));
    await h.waitForStatus('web', 'Ready', (r) => r.status?.currentRevision === 1);
    await h.apply(appRelease('web', { image: 'example/web:v2' }));
    await h.waitForStatus('web', 'Ready', (r) => r.status?.currentRevision === 2);

    // The manifest as committed to Git, with the rollback request in it.
    const manifest = appRelease('web', { image: 'example/web:v2' });
    manifest.metadata = {
      ...manifest.metadata,
      annotations: { [rollbackAnnotation]: 'previous', [rollbackReasonAnnotation]: 'errors in checkout' },
    };
    await h.apply(manifest);
    const back = await h.waitForStatus(
      'web',
      'Ready',
      (r) => r.status?.currentRevision === 1 && r.status.observedRollbackRequest === 'annotation:previous',
    );
    expect(back.status?.lastRollback).toMatchObject({
      fromRevision: 2,
      toRevision: 1,
      trigger: 'Annotation',
      reason: 'errors in checkout',
    });
    expect(back.metadata.annotations).toMatchObject({ [rollbackAnnotation]: 'previous' });
    expect(await h.readyImages('web')).toEqual(Array(3).fill('example/web:v1'));
    const rollbackId = back.status?.lastRollback?.id;

    // A self-healing GitOps tool applies the same manifest again, and patches the annotation back.
    await h.apply(manifest);
    await h.annotate('web', { [rollbackAnnotation]: 'previous' });
    // rollguard run restarted: a new controller that remembers nothing it sent.
    await h.restartController();
    // A malformed request marks the point by which the controller has seen all of the above.
    await h.annotate('web', { [rollbackAnnotation]: 'soon' });
    await expect
      .poll(() => refusals('web'), { timeout: 30_000 })
      .toContainEqual(expect.stringContaining('"soon" is not a revision'));

    const after = await h.read('web');
    expect(after.status).toMatchObject({
      phase: 'Ready',
      currentRevision: 1,
      observedRollbackRequest: 'annotation:previous',
    });
    expect(after.status?.lastRollback?.id).toBe(rollbackId);
    const rollbacks = (await h.snapshot('web')).history.filter((t) => t.to === 'RollingBack');
    expect(rollbacks).toHaveLength(1);
    // Nor was it sent twice: the workflow's history holds the request once.
    const sent = (await signalsOf(h.client, releaseWorkflowId(h.ref(after)))).filter((s) => s.name === 'rollback');
    expect(sent.map((s) => (s.args[0] as { requestId?: string }).requestId)).toEqual(['annotation:previous']);

    // A new target is a new request, carried out once too.
    await h.annotate('web', { [rollbackAnnotation]: '2' });
    const forward = await h.waitForStatus(
      'web',
      'Ready',
      (r) => r.status?.currentRevision === 2 && r.status.observedRollbackRequest === 'annotation:2',
    );
    expect(forward.status?.lastRollback).toMatchObject({ fromRevision: 1, toRevision: 2, trigger: 'Annotation' });
    expect(forward.status?.lastRollback?.id).not.toBe(rollbackId);
  });

  it('to a revision that does not exist changes nothing and says why in an Event', async () => {
    await h.apply(appRelease('api', { image: 'example/api:v1' }));
    await h.waitForStatus('api', 'Ready', (r) => r.status?.currentRevision === 1);
    await h.annotate('api', { [rollbackAnnotation]: '7' });
    await expect
      .poll(() => refusals('api'), { timeout: 30_000 })
      .toContainEqual(
        expect.stringContaining(
          `${EventReason.RollbackRefused}: ${EventMessage.rollbackRefused('revision 7 does not exist')}`,
        ),
      );
    expect((await h.read('api')).status).toMatchObject({ phase: 'Ready', currentRevision: 1 });
  });
});

describe('a workflow lost after an automatic rollback', () => {
  it('is started again from the status and does not retry the broken revision', async () => {
    const release = await h.apply(appRelease('shop', { image: 'example/shop:v1', deadline: '5s' }));
    await h.waitForStatus('shop', 'Ready', (r) => r.status?.currentRevision === 1);
    await h.apply(appRelease('shop', { image: 'example/shop:v2-broken', deadline: '5s' }));
    await h.waitForStatus('shop', 'Failed', (r) => r.status?.lastRollback?.trigger === 'Automatic');

    const handle = h.handle(h.ref(release));
    const lost = (await handle.describe()).runId;
    await handle.terminate('lost');
    h.resync();
    await expect.poll(async () => (await handle.describe()).runId, { timeout: 30_000 }).not.toBe(lost);
    await expect.poll(async () => (await h.snapshot('shop')).phase, { timeout: 30_000 }).toBe('Failed');

    const snapshot = await h.snapshot('shop');
    expect(snapshot).toMatchObject({ currentRevision: 1, stableRevision: 1, generation: 2 });
    const activities = (await handle.fetchHistory()).events?.flatMap(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? [],
    );
    expect(activities).not.toContain('applyRevision');
    expect((await h.deployment('shop')).metadata?.annotations?.['rollguard.dev/revision']).toBe('1');
  });
});

describe('deleting a Release', () => {
  it('ends its workflow and the Release goes away', async () => {
    const release = await h.apply(appRelease('gone', { image: 'example/gone:v1' }));
    await h.waitForStatus('gone', 'Ready', (r) => r.status?.currentRevision === 1);
    await h.clients.releases.delete({ namespace: h.namespace, name: 'gone' });
    await expect
      .poll(
        () =>
          h.read('gone').then(
            () => 'exists',
            () => 'gone',
          ),
        { timeout: 60_000 },
      )
      .toBe('gone');
    expect((await h.handle(h.ref(release)).describe()).status.name).toBe('COMPLETED');
  });
});
