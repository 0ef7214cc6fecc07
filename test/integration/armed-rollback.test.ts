import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeploymentActivities, type RolloutResult } from '../../src/activities/cluster/deployment.ts';
import { createRevisionActivities } from '../../src/activities/cluster/revisions.ts';
import type { DeploymentTemplate } from '../../src/domain/api/index.ts';
import type { CheckResult } from '../../src/domain/health/types.ts';
import { deploymentName } from '../../src/domain/release/names.ts';
import type { Revision } from '../../src/domain/release/records.ts';
import { revisionAnnotation, type ReleaseRef } from '../../src/domain/release/ref.ts';
import { createSampleRelease, installCrd } from '../support/crd.ts';
import { createNamespace, deleteNamespace, kube } from '../support/stack.ts';

/**
 * An armed rollback: the readiness wait itself applies the stable revision the moment the revision it
 * watches fails, against the real API server, and never when the Deployment moved on meanwhile.
 */
const clients = kube();
const revisions = createRevisionActivities(clients);
const { applyRevision, awaitRollout, watchReadiness } = createDeploymentActivities(clients, {
  pollMs: 100,
  readRevision: revisions.readRevision,
});
let namespace: string;

beforeAll(async () => {
  await installCrd(clients.config);
  namespace = await createNamespace(clients, 'armed-rollback');
});
afterAll(async () => deleteNamespace(clients, namespace));

/** A Release (no controller runs here: only its uid is used, to own what the activities create), and its revisions. */
async function release(name: string, images: string[]): Promise<{ ref: ReleaseRef; kept: Revision[] }> {
  const ref = await createSampleRelease(clients, namespace, name);
  const kept: Revision[] = [];
  for (const image of images) {
    const template: DeploymentTemplate = {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
    };
    kept.push(await revisions.snapshotRevision({ ref, template }));
  }
  return { ref, kept };
}

const live = async (ref: ReleaseRef) =>
  clients.apps.readNamespacedDeployment({ namespace, name: deploymentName(ref.name) });
const imageOf = async (ref: ReleaseRef) => (await live(ref)).spec?.template.spec?.containers[0]?.image;
const run = <T>(fn: () => Promise<T>): Promise<T> => new MockActivityEnvironment().run(fn) as Promise<T>;

/** A Release whose Deployment got each of `images` in turn (the last one runs); its revisions. */
async function appliedInTurn(name: string, images: string[]): Promise<{ ref: ReleaseRef; kept: Revision[] }> {
  const { ref, kept } = await release(name, images);
  for (const revision of kept) await run(() => applyRevision({ ref, revision, replicas: 1 }));
  return { ref, kept };
}

/** The readiness wait for `broken`, armed with `stable`, of the Release's first generation. */
const armedWait = (ref: ReleaseRef, broken: Revision, stable: Revision, deadlineMs = 500) =>
  run<RolloutResult>(() =>
    awaitRollout({
      ref,
      revision: broken.revision,
      deadlineMs,
      fallback: { revision: stable.revision, generation: 1 },
    }),
  );

describe('an armed rollback', () => {
  it('applies the stable revision the moment the readiness deadline passes', async () => {
    const { ref, kept } = await appliedInTurn('deadline', ['example/app:v1', 'example/app:v2-broken']);
    const [stable, broken] = kept as [Revision, Revision];

    const result = await armedWait(ref, broken, stable, 1_000);
    expect(result).toMatchObject({ complete: false, fellBack: true });
    const deployment = await live(ref);
    expect(deployment.metadata?.annotations?.[revisionAnnotation]).toBe(String(stable.revision));
    expect(deployment.spec?.template.spec?.containers[0]?.image).toBe('example/app:v1');
    expect(deployment.spec?.replicas).toBe(1);
  });

  it('leaves a Deployment that moved on to another revision meanwhile (a newer spec, a rollback asked for)', async () => {
    // v3: the workflow took a newer spec while this wait had not yet heard of its cancellation.
    const { ref, kept } = await appliedInTurn('moved-on', [
      'example/app:v1',
      'example/app:v2-broken',
      'example/app:v3',
    ]);
    const [stable, broken] = kept as [Revision, Revision, Revision];

    const result = await armedWait(ref, broken, stable);
    expect(result.complete).toBe(false);
    expect(result.fellBack).toBeUndefined();
    expect(await imageOf(ref)).toBe('example/app:v3');
  });

  it('leaves a Release whose spec changed meanwhile (a newer generation) to its workflow', async () => {
    const { ref, kept } = await appliedInTurn('newer-spec', ['example/app:v1', 'example/app:v2-broken']);
    const [stable, broken] = kept as [Revision, Revision];
    // Generation 2: the user turned automatic rollback off while the wait had not yet heard.
    await clients.releases.patch({ namespace, name: ref.name }, 'merge', { spec: { rollback: { automatic: false } } });

    const result = await armedWait(ref, broken, stable);
    expect(result.fellBack).toBeUndefined();
    expect(await imageOf(ref)).toBe('example/app:v2-broken');
  });

  it('applies only on the very version of the Deployment it read', async () => {
    const { ref, kept } = await release('versioned', ['example/app:v1', 'example/app:v2']);
    const [first, second] = kept as [Revision, Revision];
    await run(() => applyRevision({ ref, revision: first, replicas: 1 }));
    const read = (await live(ref)).metadata!.resourceVersion!;
    await run(() => applyRevision({ ref, revision: second, replicas: 1 }));
    await expect(
      run(() => applyRevision({ ref, revision: first, replicas: 1, resourceVersion: read })),
    ).rejects.toMatchObject({ code: 409 });
    expect(await imageOf(ref)).toBe('example/app:v2');
  });

  it('leaves the rollback to the workflow when the stable revision is gone', async () => {
    const { ref, kept } = await appliedInTurn('pruned', ['example/app:v1', 'example/app:v2-broken']);
    const [stable, broken] = kept as [Revision, Revision];
    await clients.apps.deleteNamespacedControllerRevision({ namespace, name: stable.name! });

    const result = await armedWait(ref, broken, stable);
    expect(result.fellBack).toBeUndefined();
    expect(await imageOf(ref)).toBe('example/app:v2-broken');
  });

  it('applies the stable revision when readiness fails during the analysis window', async () => {
    // The watched revision's pods never become Ready: short of Ready pods from the start of the window.
    const { ref, kept } = await appliedInTurn('window', ['example/app:v1', 'example/app:v2-broken']);
    const [stable, watched] = kept as [Revision, Revision];
    const result = await run<CheckResult & { fellBack?: boolean }>(() =>
      watchReadiness({
        ref,
        revision: watched.revision,
        matchLabels: { app: 'window' },
        until: Date.now() + 60_000,
        toleranceMs: 0,
        weight: 1,
        fallback: { revision: stable.revision, generation: 1, replicas: 1 },
      }),
    );
    expect(result).toMatchObject({ outcome: 'Fail', fellBack: true });
    expect(await imageOf(ref)).toBe('example/app:v1');
  });
});
