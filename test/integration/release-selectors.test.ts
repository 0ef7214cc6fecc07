import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReleaseActivities } from '../../src/activities/cluster/release.ts';
import type { ReleaseRef } from '../../src/domain/release/ref.ts';
import { watchReleaseSelectors, type ReleaseSelectors } from '../../src/kube/release-selectors.ts';
import { createLogger } from '../../src/telemetry/log.ts';
import { installCrd, sampleRelease } from '../support/crd.ts';
import { createNamespace, deleteNamespace, kube, unreachableKube, waitFor } from '../support/stack.ts';

const clients = kube();
const log = createLogger({ test: 'release-selectors' }, { level: 'error' });
let namespace: string;
let selectors: ReleaseSelectors;

beforeAll(async () => {
  await installCrd(clients.config);
  namespace = await createNamespace(clients, 'release-selectors');
  selectors = await watchReleaseSelectors(clients, { log });
});
afterAll(async () => {
  await selectors.stop();
  await deleteNamespace(clients, namespace);
});

async function createRelease(name: string, matchLabels: Record<string, string>): Promise<ReleaseRef> {
  const body = sampleRelease(name);
  body.spec.template.selector.matchLabels = matchLabels;
  body.spec.template.template.metadata.labels = { ...matchLabels, tier: 'web' };
  const created = (await clients.releases.create(namespace, body)) as { metadata: { uid: string } };
  return { namespace, name, uid: created.metadata.uid };
}

const seen = (ref: ReleaseRef) => () => Promise.resolve(selectors.owners(ref.namespace, ref.uid) !== undefined);

describe('the worker’s watch of every Release’s selector', () => {
  it('sees Releases come and go, keeping only what the admission check needs', async () => {
    const web = await createRelease('web', { app: 'web' });
    await waitFor('the watch to see web', seen(web), { timeoutMs: 15_000 });
    expect(selectors.owners(namespace, web.uid)).toEqual([
      expect.objectContaining({ namespace, name: 'web', uid: web.uid, matchLabels: { app: 'web' } }),
    ]);
    expect(selectors.owners(namespace, 'a-uid-it-has-not-seen')).toBeUndefined();

    await clients.releases.delete(web);
    await waitFor('the watch to forget web', async () => !(await seen(web)()), { timeoutMs: 15_000 });
  });

  it('refuses the newer of two Releases selecting the same pods, from the watch and from a list alike', async () => {
    const first = await createRelease('first', { app: 'shared' });
    const second = await createRelease('second', { app: 'shared', track: 'canary' });
    const third = await createRelease('third', { app: 'other' });
    await waitFor('the watch to see all three', seen(third), { timeoutMs: 15_000 });

    const watched = createReleaseActivities(clients, { selectors });
    const listed = createReleaseActivities(clients);
    for (const activities of [watched, listed]) {
      expect(await activities.selectorConflicts({ ref: first, matchLabels: { app: 'shared' } })).toEqual([]);
      const refused = await activities.selectorConflicts({
        ref: second,
        matchLabels: { app: 'shared', track: 'canary' },
      });
      expect(refused).toEqual([expect.stringMatching(/selects the pods of the older Release first too/)]);
      expect(await activities.selectorConflicts({ ref: third, matchLabels: { app: 'other' } })).toEqual([]);
    }
  });

  it('waits a moment for a Release just created rather than listing them all, and says nothing of one it never sees', async () => {
    const fresh = await createRelease('fresh', { app: 'fresh' });
    // Asked at once, before the watch could have delivered it: the answer comes when it does.
    const owners = await selectors.ownersSoon(namespace, fresh.uid, 10_000);
    expect(owners).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'fresh', uid: fresh.uid })]));

    const started = Date.now();
    expect(await selectors.ownersSoon(namespace, 'a-uid-no-release-has', 300)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('cannot say anything while its watch has never listed: the check lists instead', async () => {
    const unreachable = await watchReleaseSelectors(unreachableKube(), { log });
    try {
      const ref = await createRelease('fourth', { app: 'fourth' });
      expect(unreachable.owners(namespace, ref.uid)).toBeUndefined();
      const activities = createReleaseActivities(clients, { selectors: unreachable });
      expect(await activities.selectorConflicts({ ref, matchLabels: { app: 'fourth' } })).toEqual([]);
    } finally {
      await unreachable.stop();
    }
  });
});
