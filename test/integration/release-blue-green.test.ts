import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promoteUpdate, rollbackUpdate } from '../../src/workflows/messages.ts';
import { waitFor } from '../support/stack.ts';
import { ReleaseHarness } from '../support/releases.ts';
import { appRelease, type AppOptions } from '../support/release-specs.ts';

/**
 * Blue-green on the kwok cluster: the new revision comes up at full size beside the old one, behind a
 * preview Service, and the active Service's selector switches to it at once; the old pods are kept
 * for scaleDownDelay, so a rollback in that time is a switch back.
 */
const h = new ReleaseHarness();
beforeAll(() => h.start('blue-green'), 120_000);
afterAll(() => h.stop());

type BlueGreen = NonNullable<NonNullable<AppOptions['strategy']>['blueGreen']>;

/** The app's active and preview Services, both selecting every pod of the app, as users write them. */
async function services(app: string): Promise<void> {
  for (const name of [app, `${app}-preview`])
    await h.clients.core.createNamespacedService({
      namespace: h.namespace,
      body: { metadata: { name }, spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] } },
    });
}

const blueGreen = (app: string, image: string, more: Partial<BlueGreen> = {}) =>
  appRelease(app, {
    image,
    replicas: 4,
    deadline: '20s',
    strategy: { blueGreen: { activeService: app, previewService: `${app}-preview`, ...more } },
  });

const selector = async (service: string) =>
  (await h.clients.core.readNamespacedService({ name: service, namespace: h.namespace })).spec?.selector ?? {};

/** Where the active Service sends traffic: to the old pods (pinned to their hash), the new ones, or every pod. */
async function active(app: string): Promise<'old' | 'new' | 'all'> {
  const s = await selector(app);
  return s['rollguard.dev/track'] === 'canary' ? 'new' : s['pod-template-hash'] ? 'old' : 'all';
}

/** The pods each Deployment asks for: stable/new. */
async function replicas(app: string): Promise<string> {
  const stable = await h.deployment(app);
  const preview = await h.deployment(`${app}-canary`).catch(() => undefined);
  return `${stable.spec?.replicas ?? 0}/${preview?.spec?.replicas ?? 0}`;
}

/** The names of the stable Deployment's pods (not the preview's). */
async function stablePods(app: string): Promise<string[]> {
  const pods = await h.clients.core.listNamespacedPod({
    namespace: h.namespace,
    labelSelector: `app=${app},rollguard.dev/track!=canary`,
  });
  return pods.items.map((p) => p.metadata!.name!).sort();
}

/** Samples "active pods" until `done` holds; each distinct sample in the order seen. */
async function observeUntil(app: string, done: () => Promise<boolean>): Promise<string[]> {
  const seen: string[] = [];
  await waitFor(
    `${app} to finish its blue-green rollout`,
    async () => {
      const sample = `${await active(app)} ${await replicas(app)}`;
      if (seen.at(-1) !== sample) seen.push(sample);
      return done();
    },
    { timeoutMs: 120_000, intervalMs: 150 },
  );
  return seen;
}

describe('blue-green', () => {
  it('brings the new revision up at full size behind the preview, judges it, then switches at once', async () => {
    await services('web');
    const spec = { previewAnalysis: { window: '2s' }, scaleDownDelay: '2s' };
    await h.apply(blueGreen('web', 'example/web:v1', spec));
    await h.waitForStatus('web', 'Ready', (r) => r.status?.stableRevision === 1);
    await h.apply(blueGreen('web', 'example/web:v2', spec));
    const previews = new Set<string>();
    const seen = await observeUntil('web', async () => {
      const release = await h.read('web');
      if (release.status?.strategy?.state === 'Progressing')
        previews.add(JSON.stringify(await selector('web-preview')));
      return release.status?.stableRevision === 2;
    });
    // Old pods serve until the new ones are all up; then the switch, with both at full size.
    expect(seen).toEqual(expect.arrayContaining(['old 4/4', 'new 4/4']));
    // Before the switch, no sample has the active Service on the new pods.
    expect(seen.slice(0, seen.indexOf('new 4/4')).filter((sample) => sample.startsWith('new'))).toEqual([]);
    expect(seen.indexOf('old 4/4')).toBeLessThan(seen.indexOf('new 4/4'));
    expect([...previews]).toContainEqual(JSON.stringify({ app: 'web', 'rollguard.dev/track': 'canary' }));
    const ready = await h.waitForStatus('web', 'Ready', (r) => r.status?.stableRevision === 2);
    expect(ready.status?.strategy).toMatchObject({ type: 'BlueGreen', state: 'Promoted' });
    await expect.poll(() => replicas('web'), { timeout: 30_000 }).toBe('4/0');
    expect(await active('web')).toBe('all');
    await expect.poll(() => h.readyImages('web'), { timeout: 30_000 }).toEqual(Array(4).fill('example/web:v2'));
  });

  it('without autoPromote waits for promote; a rollback within scaleDownDelay switches back, without new pods', async () => {
    await services('shop');
    const spec = { autoPromote: false, scaleDownDelay: '10m' };
    await h.apply(blueGreen('shop', 'example/shop:v1', spec));
    const v1 = await h.waitForStatus('shop', 'Ready', (r) => r.status?.stableRevision === 1);
    await h.apply(blueGreen('shop', 'example/shop:v2', spec));
    await h.waitForStatus('shop', 'Progressing', (r) => r.status?.strategy?.step === '2/3');
    await expect.poll(() => replicas('shop'), { timeout: 30_000 }).toBe('4/4');
    expect(await active('shop')).toBe('old');
    const before = await stablePods('shop');

    const handle = h.handle(h.ref(v1));
    await handle.executeUpdate(promoteUpdate, { args: [{ by: 'test' }] });
    await expect.poll(() => active('shop'), { timeout: 30_000 }).toBe('new');
    expect((await h.read('shop')).status?.strategy).toMatchObject({ step: '3/3', state: 'Progressing' });

    // Inside scaleDownDelay the old pods are still there: the rollback is the selector switched back.
    await handle.executeUpdate(rollbackUpdate, { args: [{ reason: 'errors after the switch' }] });
    await expect.poll(() => active('shop'), { timeout: 30_000 }).toBe('all');
    await expect.poll(() => replicas('shop'), { timeout: 30_000 }).toBe('4/0');
    expect(await stablePods('shop')).toEqual(before);
    const release = await h.read('shop');
    expect(release.status).toMatchObject({ currentRevision: 1, stableRevision: 1 });
    expect(release.status?.lastRollback).toMatchObject({ fromRevision: 2, toRevision: 1, trigger: 'Update' });
    expect(await h.readyImages('shop')).toEqual(Array(4).fill('example/shop:v1'));
  });

  it('is refused when its Services do not exist, naming the field, and nothing moves', async () => {
    await h.apply(appRelease('cart', { image: 'example/cart:v1', replicas: 2 }));
    await h.waitForStatus('cart', 'Ready', (r) => r.status?.stableRevision === 1);
    await h.apply(blueGreen('cart', 'example/cart:v2'));
    const refused = await h.waitForStatus('cart', 'Failed', (r) => r.status?.observedGeneration === 2);
    const message = refused.status?.conditions?.find((c) => c.type === 'InvalidSpec')?.message;
    expect(message).toContain(`spec.strategy.blueGreen.activeService: Service ${h.namespace}/cart does not exist`);
    expect(message).toContain(
      `spec.strategy.blueGreen.previewService: Service ${h.namespace}/cart-preview does not exist`,
    );
    expect(refused.status?.currentRevision).toBe(1);
    expect(await h.readyImages('cart')).toEqual(Array(2).fill('example/cart:v1'));
  });
});
