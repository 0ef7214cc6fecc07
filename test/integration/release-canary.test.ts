import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abortUpdate, promoteUpdate, retryUpdate } from '../../src/workflows/messages.ts';
import { waitFor } from '../support/stack.ts';
import { HealthEndpoint } from '../support/health-endpoint.ts';
import { ReleaseHarness } from '../support/releases.ts';
import { appRelease, type AppOptions } from '../support/release-specs.ts';

const h = new ReleaseHarness();
const health = new HealthEndpoint();
beforeAll(async () => {
  await health.start();
  await h.start('canary');
}, 120_000);
afterAll(async () => {
  await h.stop();
  await health.stop();
});

type Steps = NonNullable<NonNullable<AppOptions['strategy']>['canary']>['steps'];
const canary = (name: string, image: string, steps: Steps, more: Partial<AppOptions> = {}) =>
  appRelease(name, { image, replicas: 10, deadline: '20s', strategy: { canary: { steps } }, ...more });

/** The pods each Deployment asks for, as `kubectl get deploy` shows them: [stable, canary]. */
async function replicas(name: string): Promise<[number, number]> {
  const stable = await h.deployment(name);
  const canaryDeployment = await h.deployment(`${name}-canary`).catch(() => undefined);
  return [stable.spec?.replicas ?? 0, canaryDeployment?.spec?.replicas ?? 0];
}

/** Samples [stable, canary] until `done` holds, and returns each distinct pair in the order seen. */
async function observeUntil(name: string, done: () => Promise<boolean>, timeoutMs = 90_000): Promise<string[]> {
  const seen: string[] = [];
  await waitFor(
    `${name} to finish its canary`,
    async () => {
      const pair = (await replicas(name)).join('/');
      if (seen.at(-1) !== pair) seen.push(pair);
      return done();
    },
    { timeoutMs, intervalMs: 150 },
  );
  return seen;
}

describe('a canary', () => {
  it('walks 20 → 50 → 100 with an analysis at each step, then promotes', async () => {
    const steps: Steps = [
      { setWeight: 20 },
      { analysis: { window: '2s' } },
      { setWeight: 50 },
      { analysis: { window: '2s' } },
      { setWeight: 100 },
      { analysis: { window: '2s' } },
    ];
    await h.apply(canary('web', 'example/web:v1', steps));
    await h.waitForStatus('web', 'Ready', (r) => r.status?.stableRevision === 1);
    await h.apply(canary('web', 'example/web:v2', steps));
    const seen = await observeUntil('web', async () => (await h.read('web')).status?.stableRevision === 2);
    // Each step's pods, as the step says: the canary grows first, stable shrinks after.
    expect(seen).toEqual(expect.arrayContaining(['10/2', '8/2', '8/5', '5/5', '5/10', '0/10']));
    const ready = await h.waitForStatus('web', 'Ready', (r) => r.status?.stableRevision === 2);
    expect(ready.status?.strategy).toMatchObject({ type: 'Canary', revision: 2, state: 'Promoted', step: '6/6' });
    await expect.poll(() => replicas('web'), { timeout: 30_000 }).toEqual([10, 0]);
    await expect.poll(() => h.readyImages('web'), { timeout: 30_000 }).toEqual(Array(10).fill('example/web:v2'));
    expect((await h.deployment('web')).metadata?.annotations?.['rollguard.dev/revision']).toBe('2');
  });

  it('whose analysis fails at step 2 is taken off: the canary has no pods and stable all of them', async () => {
    const http = [{ name: 'healthz', url: health.url, interval: '1s', timeout: '1s', failureThreshold: 2, weight: 5 }];
    const steps: Steps = [{ setWeight: 20 }, { analysis: { window: '3s' } }, { setWeight: 100 }];
    health.healthy = true;
    await h.apply(canary('shop', 'example/shop:v1', steps, { http, window: '2s' }));
    await h.waitForStatus('shop', 'Ready', (r) => r.status?.stableRevision === 1);
    health.healthy = false;
    await h.apply(canary('shop', 'example/shop:v2', steps, { http, window: '2s' }));
    const failed = await h.waitForStatus('shop', 'Failed', (r) => r.status?.strategy?.state === 'Aborted', 90_000);
    health.healthy = true;
    expect(failed.status).toMatchObject({ currentRevision: 1, stableRevision: 1 });
    expect(failed.status?.strategy).toMatchObject({ revision: 2, step: '2/3' });
    expect(failed.status?.conditions?.find((c) => c.type === 'RolledBack')).toMatchObject({
      status: 'True',
      reason: 'RolloutAborted',
    });
    await expect.poll(() => replicas('shop'), { timeout: 30_000 }).toEqual([10, 0]);
    await expect.poll(() => h.readyImages('shop'), { timeout: 30_000 }).toEqual(Array(10).fill('example/shop:v1'));

    // retry runs the same revision's canary again, from step 1; with the endpoint healthy it is promoted.
    const handle = h.handle(h.ref(failed));
    const retried = await handle.executeUpdate(retryUpdate, { args: [{ by: 'test' }] });
    expect(retried).toMatchObject({ revision: 2, state: 'Progressing', step: '1/3' });
    await h.waitForStatus('shop', 'Ready', (r) => r.status?.stableRevision === 2, 90_000);
  });

  it('waits in an indefinite pause until promoted, and an abort in a pause takes it off', async () => {
    const steps: Steps = [{ setWeight: 30 }, { pause: {} }, { setWeight: 60 }, { pause: {} }, { setWeight: 100 }];
    await h.apply(canary('api', 'example/api:v1', steps));
    const v1 = await h.waitForStatus('api', 'Ready', (r) => r.status?.stableRevision === 1);
    const handle = h.handle(h.ref(v1));

    // Nothing to promote or abort yet: refused before anything enters history.
    await expect(handle.executeUpdate(promoteUpdate, { args: [{}] })).rejects.toThrow(WorkflowUpdateFailedError);

    await h.apply(canary('api', 'example/api:v2', steps));
    await h.waitForStatus('api', 'Progressing', (r) => r.status?.strategy?.step === '2/5');
    await expect.poll(() => replicas('api'), { timeout: 30_000 }).toEqual([7, 3]);
    const promoted = await handle.executeUpdate(promoteUpdate, { args: [{ by: 'test' }] });
    expect(promoted).toMatchObject({ revision: 2, state: 'Progressing', step: '3/5' });
    await h.waitForStatus('api', 'Progressing', (r) => r.status?.strategy?.step === '4/5');
    await expect.poll(() => replicas('api'), { timeout: 30_000 }).toEqual([4, 6]);

    const aborted = await handle.executeUpdate(abortUpdate, { args: [{ reason: 'latency looks off', by: 'test' }] });
    expect(aborted).toMatchObject({ state: 'Aborted', message: expect.stringContaining('latency looks off') });
    const failed = await h.waitForStatus('api', 'Failed', (r) => r.status?.strategy?.state === 'Aborted');
    expect(failed.status?.conditions?.find((c) => c.type === 'Ready')?.message).toContain('latency looks off');
    await expect.poll(() => replicas('api'), { timeout: 30_000 }).toEqual([10, 0]);
    const refused = await handle.executeUpdate(abortUpdate, { args: [{ reason: 'again' }] }).catch((e: unknown) => e);
    expect((refused as WorkflowUpdateFailedError).cause?.message).toContain('nothing to abort');
  });

  it('promote --full skips every remaining step', async () => {
    const steps: Steps = [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: '1h' } }];
    await h.apply(canary('cart', 'example/cart:v1', steps));
    const v1 = await h.waitForStatus('cart', 'Ready', (r) => r.status?.stableRevision === 1);
    await h.apply(canary('cart', 'example/cart:v2', steps));
    await h.waitForStatus('cart', 'Progressing', (r) => r.status?.strategy?.step === '2/4');
    const outcome = await h.handle(h.ref(v1)).executeUpdate(promoteUpdate, { args: [{ full: true, by: 'test' }] });
    expect(outcome).toMatchObject({ state: 'Promoted', step: '4/4' });
    await h.waitForStatus('cart', 'Ready', (r) => r.status?.stableRevision === 2);
    await expect.poll(() => replicas('cart'), { timeout: 30_000 }).toEqual([10, 0]);
  });

  it('is superseded by a newer revision mid-rollout: the newer one starts again at step 1', async () => {
    const steps: Steps = [{ setWeight: 40 }, { pause: {} }, { setWeight: 100 }];
    await h.apply(canary('feed', 'example/feed:v1', steps));
    await h.waitForStatus('feed', 'Ready', (r) => r.status?.stableRevision === 1);
    await h.apply(canary('feed', 'example/feed:v2', steps));
    await h.waitForStatus('feed', 'Progressing', (r) => r.status?.strategy?.step === '2/3');
    await h.apply(canary('feed', 'example/feed:v3', steps));
    const v3 = await h.waitForStatus(
      'feed',
      'Progressing',
      (r) => r.status?.strategy?.revision === 3 && r.status.strategy.step === '2/3',
    );
    expect(v3.status).toMatchObject({ currentRevision: 1, stableRevision: 1 });
    // The canary's pods are revision 3's now; stable (revision 1) kept serving throughout.
    const canaryPods = async () => (await h.readyImages('feed')).filter((image) => image !== 'example/feed:v1').sort();
    await expect.poll(canaryPods, { timeout: 30_000 }).toEqual(Array(4).fill('example/feed:v3'));
    const snapshot = await h.snapshot('feed');
    expect(snapshot.revisions.find((r) => r.revision === 2)?.outcome).toBe('Superseded');
  });

  it('with automatic rollback off, a failed analysis holds it for a person: promote --full accepts it', async () => {
    const http = [{ name: 'healthz', url: health.url, interval: '1s', timeout: '1s', failureThreshold: 2, weight: 5 }];
    const steps: Steps = [{ setWeight: 30 }, { analysis: { window: '3s' } }, { setWeight: 100 }];
    const more = { http, window: '2s', automatic: false };
    health.healthy = true;
    await h.apply(canary('hold', 'example/hold:v1', steps, more));
    const v1 = await h.waitForStatus('hold', 'Ready', (r) => r.status?.stableRevision === 1);
    health.healthy = false;
    await h.apply(canary('hold', 'example/hold:v2', steps, more));
    const held = await h.waitForStatus('hold', 'Progressing', (r) => r.status?.strategy?.state === 'Held', 90_000);
    health.healthy = true;
    expect(held.status?.strategy).toMatchObject({ revision: 2, step: '2/3' });
    expect(held.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ reason: 'RolloutHeld' });
    expect(await replicas('hold')).toEqual([7, 3]);
    const handle = h.handle(h.ref(v1));
    const refused = await handle.executeUpdate(promoteUpdate, { args: [{}] }).catch((e: unknown) => e);
    expect((refused as WorkflowUpdateFailedError).cause?.message).toContain('held at step 2/3 after a failed analysis');
    await handle.executeUpdate(promoteUpdate, { args: [{ full: true, by: 'test' }] });
    await h.waitForStatus('hold', 'Ready', (r) => r.status?.stableRevision === 2);
    await expect.poll(() => replicas('hold'), { timeout: 30_000 }).toEqual([10, 0]);
  });
});
