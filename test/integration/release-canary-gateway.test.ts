import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteSignal } from '../../src/workflows/messages.ts';
import { waitFor } from '../support/stack.ts';
import { HealthEndpoint } from '../support/health-endpoint.ts';
import { ReleaseHarness } from '../support/releases.ts';
import { appRelease, type AppOptions } from '../support/release-specs.ts';

/**
 * A canary whose traffic moves by the weights of a Gateway API HTTPRoute: the route and its two
 * Services are real objects on the kwok cluster's API server (the stack installs the CRDs), read as
 * `kubectl get httproute` would while the steps run.
 */
const h = new ReleaseHarness();
const health = new HealthEndpoint();
beforeAll(async () => {
  await health.start();
  await h.start('canary-gateway');
}, 120_000);
afterAll(async () => {
  await h.stop();
  await health.stop();
});

const routes = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' } as const;
interface Route {
  spec: { rules: { backendRefs: { name: string; weight?: number }[] }[] };
}

/** The app's two Services (both select every pod of the app, as users write them) and, unless told, its route. */
async function routeObjects(app: string, { backends = ['stable', 'canary'] } = {}): Promise<void> {
  for (const side of ['stable', 'canary'])
    await h.clients.core.createNamespacedService({
      namespace: h.namespace,
      body: {
        metadata: { name: `${app}-${side}` },
        spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    });
  await h.clients.custom.createNamespacedCustomObject({
    ...routes,
    namespace: h.namespace,
    body: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: app },
      spec: {
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            backendRefs: backends.map((side) => ({ name: `${app}-${side}`, port: 80 })),
          },
        ],
      },
    },
  });
}

type Steps = NonNullable<NonNullable<AppOptions['strategy']>['canary']>['steps'];
const routed = (app: string, image: string, steps: Steps, more: Partial<AppOptions> = {}) =>
  appRelease(app, {
    image,
    replicas: 10,
    deadline: '20s',
    strategy: {
      canary: {
        steps,
        scaleDownDelay: '1s',
        trafficRouting: {
          gatewayAPI: { httpRoute: app, stableService: `${app}-stable`, canaryService: `${app}-canary` },
        },
      },
    },
    ...more,
  });

/** The route's weights, stable/canary, as `kubectl get httproute -o yaml` shows them ("-" when unset). */
async function weights(app: string): Promise<string> {
  const route = (await h.clients.custom.getNamespacedCustomObject({
    ...routes,
    namespace: h.namespace,
    name: app,
  })) as Route;
  const weight = (side: string) =>
    route.spec.rules[0]?.backendRefs.find((b) => b.name === `${app}-${side}`)?.weight ?? '-';
  return `${weight('stable')}/${weight('canary')}`;
}

/** The pods each Deployment asks for: stable/canary. */
async function replicas(app: string): Promise<string> {
  const stable = await h.deployment(app);
  const canary = await h.deployment(`${app}-canary`).catch(() => undefined);
  return `${stable.spec?.replicas ?? 0}/${canary?.spec?.replicas ?? 0}`;
}

const selector = async (service: string) =>
  (await h.clients.core.readNamespacedService({ name: service, namespace: h.namespace })).spec?.selector;

/** Samples "weights pods" until `done` holds, and returns each distinct sample in the order seen. */
async function observeUntil(app: string, done: () => Promise<boolean>): Promise<string[]> {
  const seen: string[] = [];
  await waitFor(
    `${app} to finish its canary`,
    async () => {
      const sample = `${await weights(app)} ${await replicas(app)}`;
      if (seen.at(-1) !== sample) seen.push(sample);
      return done();
    },
    { timeoutMs: 120_000, intervalMs: 150 },
  );
  // What `done` saw may have moved on from the last sample, read a moment before it: read it again.
  const last = `${await weights(app)} ${await replicas(app)}`;
  if (seen.at(-1) !== last) seen.push(last);
  return seen;
}

describe('a canary behind an HTTPRoute', () => {
  it('sets the route’s weights at each step, on pods that stable keeps at full size, then promotes', async () => {
    await routeObjects('web');
    const steps: Steps = [
      { setWeight: 20 },
      { analysis: { window: '2s' } },
      { setWeight: 50 },
      { analysis: { window: '2s' } },
      { setWeight: 100 },
      { analysis: { window: '2s' } },
    ];
    await h.apply(routed('web', 'example/web:v1', steps));
    await h.waitForStatus('web', 'Ready', (r) => r.status?.stableRevision === 1);
    await h.apply(routed('web', 'example/web:v2', steps));

    // While the canary runs, each Service is narrowed to one side: the stable one to the stable
    // ReplicaSet's pods, the canary one to the canary's.
    const pins = new Set<string>();
    const seen = await observeUntil('web', async () => {
      const release = await h.read('web');
      if (release.status?.strategy?.state === 'Progressing')
        pins.add(JSON.stringify([await selector('web-stable'), await selector('web-canary')]));
      return release.status?.stableRevision === 2;
    });
    const pinned = [...pins].map((pin) => JSON.parse(pin) as Record<string, string>[]);
    expect(pinned).toContainEqual([
      { app: 'web', 'pod-template-hash': expect.any(String) },
      { app: 'web', 'rollguard.dev/track': 'canary' },
    ]);
    // Each step's weights, held for its analysis, in order; stable keeps all of its pods meanwhile.
    const held = ['80/20 10/2', '50/50 10/5', '0/100 10/10'];
    expect(seen).toEqual(expect.arrayContaining(held));
    const order = held.map((sample) => seen.indexOf(sample));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // The weights are never ahead of the pods: whenever the route sends the canary a share, it has the
    // pods that share needs (the route's own default, 1/1, is before rollguard wrote it).
    for (const sample of seen.filter((sample) => !sample.startsWith('1/1 '))) {
      const [weights = '', pods = ''] = sample.split(' ');
      const share = Number(weights.split('/')[1]);
      expect(Number(pods.split('/')[1]), sample).toBeGreaterThanOrEqual(Math.ceil((share * 10) / 100));
    }
    const ready = await h.waitForStatus('web', 'Ready', (r) => r.status?.stableRevision === 2);
    expect(ready.status?.strategy).toMatchObject({ state: 'Promoted', step: '6/6' });
    await expect.poll(() => replicas('web'), { timeout: 30_000 }).toBe('10/0');
    expect(await weights('web')).toBe('100/0');
    // Between canaries the stable Service selects the Release's pods again (the promoted revision's).
    expect(await selector('web-stable')).toEqual({ app: 'web' });
    await expect.poll(() => h.readyImages('web'), { timeout: 30_000 }).toEqual(Array(10).fill('example/web:v2'));
  });

  it('whose analysis fails at step 2 sends all traffic back to stable in one write, then drops the canary', async () => {
    await routeObjects('shop');
    const http = [{ name: 'healthz', url: health.url, interval: '1s', timeout: '1s', failureThreshold: 2, weight: 5 }];
    const steps: Steps = [{ setWeight: 30 }, { analysis: { window: '3s' } }, { setWeight: 100 }];
    health.healthy = true;
    await h.apply(routed('shop', 'example/shop:v1', steps, { http, window: '2s' }));
    await h.waitForStatus('shop', 'Ready', (r) => r.status?.stableRevision === 1);
    health.healthy = false;
    await h.apply(routed('shop', 'example/shop:v2', steps, { http, window: '2s' }));
    const seen = await observeUntil(
      'shop',
      async () => (await h.read('shop')).status?.strategy?.state === 'Aborted' && (await replicas('shop')) === '10/0',
    );
    health.healthy = true;
    // Stable never lost a pod: the abort is the weights' write, onto pods that kept serving.
    expect(seen.every((s) => s.split(' ')[1]?.startsWith('10/'))).toBe(true);
    expect(seen).toContain('70/30 10/3');
    // Traffic left the canary before its pods did: never a weight on it without its pods.
    expect(seen.filter((s) => !s.startsWith('100/0') && !s.startsWith('1/1') && !s.endsWith('10/3'))).toEqual([]);
    expect(seen.at(-1)).toBe('100/0 10/0');
    const failed = await h.waitForStatus('shop', 'Failed', (r) => r.status?.strategy?.state === 'Aborted');
    expect(failed.status).toMatchObject({ currentRevision: 1, stableRevision: 1 });
    expect(failed.status?.conditions?.find((c) => c.type === 'RolledBack')).toMatchObject({ status: 'True' });
    expect(await weights('shop')).toBe('100/0');
    await expect.poll(() => selector('shop-stable'), { timeout: 30_000 }).toEqual({ app: 'shop' });
  });

  it('deleted in the middle of its canary, hands all traffic back to stable before its workflow ends', async () => {
    await routeObjects('feed');
    const steps: Steps = [{ setWeight: 40 }, { pause: {} }, { setWeight: 100 }];
    await h.apply(routed('feed', 'example/feed:v1', steps, { replicas: 5 }));
    await h.waitForStatus('feed', 'Ready', (r) => r.status?.stableRevision === 1);
    await h.apply(routed('feed', 'example/feed:v2', steps, { replicas: 5 }));
    await h.waitForStatus('feed', 'Progressing', (r) => r.status?.strategy?.step === '2/3');
    expect(await weights('feed')).toBe('60/40');

    // What the controller does when the Release is deleted: the delete Signal; it lets the Release go
    // once the workflow has ended (controller-deletion.test.ts).
    const handle = h.handle(h.ref(await h.read('feed')));
    await handle.signal(deleteSignal);
    await handle.result();
    expect(await weights('feed')).toBe('100/0');
    expect(await selector('feed-stable')).toEqual({ app: 'feed' });
    // Orphaned (the default deletionPolicy), the stable Deployment keeps serving at full size.
    expect((await h.deployment('feed')).spec?.replicas).toBe(5);
  });

  it('is refused when its route or Services cannot carry it, naming the field, and nothing moves', async () => {
    const steps: Steps = [{ setWeight: 50 }, { pause: {} }];
    await h.apply(appRelease('cart', { image: 'example/cart:v1', replicas: 4 }));
    await h.waitForStatus('cart', 'Ready', (r) => r.status?.stableRevision === 1);

    const refused = async (image: string, generation: number) => {
      await h.apply(routed('cart', image, steps, { replicas: 4 }));
      const release = await h.waitForStatus('cart', 'Failed', (r) => r.status?.observedGeneration === generation);
      expect(release.status?.currentRevision).toBe(1);
      expect(await h.readyImages('cart')).toEqual(Array(4).fill('example/cart:v1'));
      return release.status?.conditions?.find((c) => c.type === 'InvalidSpec')?.message ?? '';
    };

    const missing = await refused('example/cart:v2', 2);
    expect(missing).toContain(
      `spec.strategy.canary.trafficRouting.gatewayAPI.httpRoute: HTTPRoute ${h.namespace}/cart does not exist`,
    );
    expect(missing).toContain(`gatewayAPI.canaryService: Service ${h.namespace}/cart-canary does not exist`);

    await routeObjects('cart', { backends: ['stable'] });
    const halfRoute = await refused('example/cart:v3', 3);
    expect(halfRoute).toContain(
      'gatewayAPI.httpRoute: HTTPRoute cart: rule 0 sends to cart-stable but not to cart-canary',
    );
    // Nothing was written to the objects a refused spec names.
    expect(await weights('cart')).toBe('1/-'); // the API server's default weight
    expect(await selector('cart-stable')).toEqual({ app: 'cart' });
  });
});
