import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseInput } from '../../src/domain/api/index.ts';
import { ReleaseHarness } from '../support/releases.ts';
import { appRelease } from '../support/release-specs.ts';
import type { Release } from '../../src/domain/api/index.ts';

// What the API server refuses, and objects that are someone else's, are never retried for ever and
// never taken: each ends the rollout with a condition and an Event that say why.

const h = new ReleaseHarness();
beforeAll(() => h.start('refusals'), 120_000);
afterAll(() => h.stop());

type Edit = (release: ReturnType<typeof appRelease>) => void;
const podSpec = (r: ReturnType<typeof appRelease>) =>
  r.spec.template.template.spec as Record<string, unknown> & { containers: Record<string, unknown>[] };

const withEdit = (name: string, edit: Edit): ReleaseInput & { metadata: { name: string } } => {
  const release = appRelease(name, { image: `example/${name}:v1` });
  edit(release);
  return release;
};

const condition = (release: Release, type: string) => release.status?.conditions?.find((c) => c.type === type);

async function ownedObjects(name: string): Promise<{ deployment: boolean; revisions: number }> {
  const deployment = await h.deployment(name).then(
    () => true,
    () => false,
  );
  const revisions = await h.clients.apps.listNamespacedControllerRevision({
    namespace: h.namespace,
    labelSelector: `rollguard.dev/release=${name}`,
  });
  return { deployment, revisions: revisions.items.length };
}

describe('a pod template the API server refuses', () => {
  it.each<[string, Edit, RegExp]>([
    [
      'dupes',
      (r) => podSpec(r).containers.push({ name: 'app', image: 'example/other:v1' }),
      /duplicate entries for key \[name="app"\]/,
    ],
    ['badname', (r) => (podSpec(r).containers[0]!.name = 'App_1'), /containers\[0\]\.name/],
    ['badport', (r) => (podSpec(r).containers[0]!.ports = [{ containerPort: 70000 }]), /containerPort/],
    ['typo', (r) => (podSpec(r).containers[0]!.imagee = 'example/typo:v2'), /imagee/],
    ['nodesel', (r) => (podSpec(r).nodeSelectr = { disk: 'ssd' }), /nodeSelectr/],
  ])(
    '%s: is refused before anything is written, naming the field in InvalidSpec, and the Release is Failed',
    async (name, edit, says) => {
      await h.apply(withEdit(name, edit));
      const failed = await h.waitForStatus(name, 'Failed');
      expect(condition(failed, 'InvalidSpec')).toMatchObject({ status: 'True', reason: 'SpecInvalid' });
      expect(condition(failed, 'InvalidSpec')?.message).toMatch(says);
      expect(condition(failed, 'Stalled')?.status).toBe('True');
      expect(await ownedObjects(name)).toEqual({ deployment: false, revisions: 0 });
    },
  );
});

describe("objects that are someone else's", () => {
  const foreignDeployment = (name: string, owner?: { kind: string; name: string; uid: string }) =>
    h.clients.apps.createNamespacedDeployment({
      namespace: h.namespace,
      body: {
        metadata: {
          name,
          ...(owner
            ? {
                ownerReferences: [
                  { apiVersion: 'v1', kind: owner.kind, name: owner.name, uid: owner.uid, controller: true },
                ],
              }
            : {}),
        },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name, team: 'other' } },
          template: {
            metadata: { labels: { app: name, team: 'other' } },
            spec: { containers: [{ name: 'app', image: 'example/theirs:v1' }] },
          },
        },
      },
    });

  it('a Deployment of the same name that rollguard does not own is left alone, and the Release says whose it is', async () => {
    await foreignDeployment('taken');
    await h.apply(appRelease('taken', { image: 'example/taken:v1' }));
    const failed = await h.waitForStatus('taken', 'Failed');
    expect(condition(failed, 'InvalidSpec')?.message).toMatch(
      /Deployment .*\/taken already exists and is not this Release's.*spec\.adopt/,
    );
    const deployment = await h.deployment('taken');
    expect(deployment.metadata?.ownerReferences ?? []).toEqual([]);
    expect(deployment.spec?.template.spec?.containers[0]?.image).toBe('example/theirs:v1');
  });

  it('with spec.adopt a Deployment nobody controls is taken over (its selector must match)', async () => {
    const release = appRelease('adopted', { image: 'example/adopted:v1' });
    release.spec.adopt = true;
    await h.clients.apps.createNamespacedDeployment({
      namespace: h.namespace,
      body: {
        metadata: { name: 'adopted' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'adopted' } },
          template: {
            metadata: { labels: { app: 'adopted' } },
            spec: { containers: [{ name: 'app', image: 'example/adopted:v0' }] },
          },
        },
      },
    });
    const created = await h.apply(release);
    await h.waitForStatus('adopted', 'Ready', (r) => r.status?.currentRevision === 1);
    const deployment = await h.deployment('adopted');
    expect(deployment.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Release', uid: created.metadata.uid });
  });

  it('a Deployment another controller owns is never taken, even with spec.adopt', async () => {
    // A real owner: the garbage collector would delete a Deployment whose owner does not exist.
    const owner = await h.clients.core.createNamespacedConfigMap({
      namespace: h.namespace,
      body: { metadata: { name: 'someone' } },
    });
    await foreignDeployment('owned', { kind: 'ConfigMap', name: 'someone', uid: owner.metadata?.uid ?? '' });
    const release = appRelease('owned', { image: 'example/owned:v1' });
    release.spec.adopt = true;
    await h.apply(release);
    const failed = await h.waitForStatus('owned', 'Failed');
    expect(condition(failed, 'InvalidSpec')?.message).toMatch(/another controller owns/);
    expect((await h.deployment('owned')).metadata?.ownerReferences?.[0]?.kind).toBe('ConfigMap');
  });

  it('a ControllerRevision of another owner in the way fails the rollout at once instead of looping', async () => {
    await h.clients.apps.createNamespacedControllerRevision({
      namespace: h.namespace,
      body: { metadata: { name: 'squat-1' }, revision: 1, data: { note: "not rollguard's" } },
    });
    await h.apply(appRelease('squat', { image: 'example/squat:v1' }));
    const failed = await h.waitForStatus('squat', 'Failed');
    expect(condition(failed, 'Progressing')).toMatchObject({ status: 'False', reason: 'ForeignObject' });
    expect(condition(failed, 'Progressing')?.message).toMatch(/ControllerRevision .*squat-1 already exists/);
    expect(
      await h.deployment('squat').then(
        () => true,
        () => false,
      ),
    ).toBe(false);
  });

  it('a second Release selecting the same pods is refused; the first keeps its pods', async () => {
    await h.apply(appRelease('first', { image: 'example/first:v1' }));
    await h.waitForStatus('first', 'Ready');
    const second = appRelease('second', { image: 'example/second:v1' });
    second.spec.template.selector.matchLabels = { app: 'first' };
    second.spec.template.template.metadata.labels = { app: 'first' };
    await h.apply(second);
    const failed = await h.waitForStatus('second', 'Failed');
    expect(condition(failed, 'InvalidSpec')?.message).toMatch(/selects the pods of the older Release first/);
    expect((await h.read('first')).status?.phase).toBe('Ready');
  });
});

describe('names', () => {
  it('a Release with the longest name the API allows still rolls out: every name derived from it fits', async () => {
    const name = `long-${'x'.repeat(248)}`;
    const release = appRelease(name, { image: 'example/long:v1', replicas: 1 });
    release.spec.template.selector.matchLabels = { app: 'long' };
    release.spec.template.template.metadata.labels = { app: 'long' };
    await h.apply(release);
    const ready = await h.waitForStatus(name, 'Ready');
    expect(ready.status?.stableRevision).toBe(1);
    const deployments = await h.clients.apps.listNamespacedDeployment({ namespace: h.namespace });
    const owned = deployments.items.find((d) => d.metadata?.ownerReferences?.[0]?.name === name);
    expect(owned?.metadata?.name?.length).toBeLessThanOrEqual(242);
    expect(owned?.status?.readyReplicas).toBe(1);
  });
});
