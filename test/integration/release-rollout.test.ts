import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReleaseHarness } from '../support/releases.ts';
import { appRelease } from '../support/release-specs.ts';

const h = new ReleaseHarness();
beforeAll(() => h.start('rollout'), 120_000);
afterAll(() => h.stop());

describe('a Release rolls out', () => {
  it('becomes Ready at v1, then Ready and stable at v2, keeping both revisions', async () => {
    await h.apply(appRelease('web', { image: 'example/web:v1' }));
    const v1 = await h.waitForStatus('web', 'Ready', (r) => r.status?.currentRevision === 1);
    expect(v1.status?.stableRevision).toBe(1);
    expect(await h.readyImages('web')).toEqual(Array(3).fill('example/web:v1'));

    await h.apply(appRelease('web', { image: 'example/web:v2' }));
    const v2 = await h.waitForStatus('web', 'Ready', (r) => r.status?.currentRevision === 2);
    expect(v2.status).toMatchObject({ stableRevision: 2, observedGeneration: 2 });
    expect((await h.deployment('web')).metadata?.annotations?.['rollguard.dev/revision']).toBe('2');

    const snapshot = await h.snapshot('web');
    expect(snapshot.revisions.map((r) => [r.revision, r.images[0], r.outcome])).toEqual([
      [1, 'example/web:v1', 'Stable'],
      [2, 'example/web:v2', 'Stable'],
    ]);
    expect(snapshot.history.map((t) => t.to)).toEqual(['Progressing', 'Ready', 'Progressing', 'Ready']);
    // What the Temporal UI shows of the workflow at a glance.
    const { memo } = await h.handle(h.ref(v2)).describe();
    expect(memo).toMatchObject({ generation: 2, phase: 'Ready', currentRevision: 2, stableRevision: 2 });
  });

  it('applying the same spec twice makes no second revision', async () => {
    await h.apply(appRelease('api', { image: 'example/api:v1' }));
    await h.waitForStatus('api', 'Ready', (r) => r.status?.currentRevision === 1);
    await h.apply(appRelease('api', { image: 'example/api:v1', window: '3s' })); // new generation, same template
    await h.waitForStatus('api', 'Ready', (r) => r.status?.observedGeneration === 2);
    const revisions = await h.clients.apps.listNamespacedControllerRevision({
      namespace: h.namespace,
      labelSelector: 'rollguard.dev/release=api',
    });
    expect(revisions.items.map((r) => r.revision)).toEqual([1]);
  });

  it('keeps revisionHistoryLimit revisions, the oldest pruned in the cluster and in its record', async () => {
    const spec = (image: string) => {
      const release = appRelease('feed', { image, replicas: 1, window: '1s' });
      return { ...release, spec: { ...release.spec, revisionHistoryLimit: 2 } };
    };
    const revisionsInCluster = async () =>
      (
        await h.clients.apps.listNamespacedControllerRevision({
          namespace: h.namespace,
          labelSelector: 'rollguard.dev/release=feed',
        })
      ).items
        .map((r) => r.revision)
        .sort((a, b) => a - b);
    // Up to the limit nothing is pruned.
    for (const [i, version] of ['v1', 'v2'].entries()) {
      await h.apply(spec(`example/feed:${version}`));
      await h.waitForStatus('feed', 'Ready', (r) => r.status?.stableRevision === i + 1);
    }
    expect(await revisionsInCluster()).toEqual([1, 2]);
    // Beyond it, the oldest go, in the cluster and in the Release's own record.
    for (const [i, version] of ['v3', 'v4'].entries()) {
      await h.apply(spec(`example/feed:${version}`));
      await h.waitForStatus('feed', 'Ready', (r) => r.status?.stableRevision === i + 3);
    }
    await expect.poll(revisionsInCluster, { timeout: 20_000 }).toEqual([3, 4]);
    await expect
      .poll(async () => (await h.snapshot('feed')).revisions.map((r) => r.revision), { timeout: 20_000 })
      .toEqual([3, 4]);
  });
});

describe('a broken image', () => {
  it('is rolled back to the stable revision on its own while the old pods keep serving', async () => {
    await h.apply(appRelease('shop', { image: 'example/shop:v1', deadline: '8s' }));
    await h.waitForStatus('shop', 'Ready', (r) => r.status?.currentRevision === 1);

    const started = Date.now();
    await h.apply(appRelease('shop', { image: 'example/shop:v2-broken', deadline: '8s' }));
    let lowestServing = 3;
    const failed = await h.waitForStatus('shop', 'Failed', (r) => {
      void h.readyImages('shop').then((images) => {
        lowestServing = Math.min(lowestServing, images.filter((i) => i === 'example/shop:v1').length);
      });
      return r.status?.lastRollback !== undefined && r.status.currentRevision === 1;
    });
    expect(Date.now() - started).toBeLessThan(8_000 + 10_000);
    expect(lowestServing).toBe(3);
    expect(failed.status?.lastRollback).toMatchObject({ fromRevision: 2, toRevision: 1, trigger: 'Automatic' });
    const rolledBack = failed.status?.conditions?.find((c) => c.type === 'RolledBack');
    expect(rolledBack?.status).toBe('True');
    expect(rolledBack?.message).toContain('still asks for revision 2');
    expect(rolledBack?.message).toContain(failed.status?.lastRollback?.id);

    const deployment = await h.deployment('shop');
    expect(deployment.metadata?.annotations?.['rollguard.dev/revision']).toBe('1');
    await expect.poll(() => h.readyImages('shop'), { timeout: 20_000 }).toEqual(Array(3).fill('example/shop:v1'));
    const rollingBack = (await h.snapshot('shop')).history.filter((t) => t.to === 'RollingBack');
    expect(rollingBack).toHaveLength(1);
    // Readiness alone decides, so the wait that failed applied revision 1 itself (an armed rollback).
    expect(rollingBack[0]?.message).toContain('the readiness wait applied revision 1 the moment it failed');
  });

  it('on the first rollout says there is no stable revision to return to', async () => {
    await h.apply(appRelease('fresh', { image: 'example/fresh:v1-broken', deadline: '4s' }));
    const failed = await h.waitForStatus('fresh', 'Failed');
    const rolledBack = failed.status?.conditions?.find((c) => c.type === 'RolledBack');
    expect(rolledBack).toMatchObject({ status: 'False', reason: 'NoStableRevision' });
    expect(failed.status?.currentRevision).toBe(1);
  });
});
