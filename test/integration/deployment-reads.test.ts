import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeploymentActivities, replicasManager } from '../../src/activities/cluster/deployment.ts';
import { createRevisionActivities } from '../../src/activities/cluster/revisions.ts';
import type { DeploymentTemplate } from '../../src/domain/api/index.ts';
import { deploymentName } from '../../src/domain/release/names.ts';
import { releaseLabel, type ReleaseRef } from '../../src/domain/release/ref.ts';
import { watchDeployments, type DeploymentCache } from '../../src/kube/deployment-cache.ts';
import { createLogger } from '../../src/telemetry/log.ts';
import { createSampleRelease, installCrd } from '../support/crd.ts';
import { createNamespace, deleteNamespace, kube, waitFor } from '../support/stack.ts';

/**
 * What a rollout asks of the API server about its Deployment: a thousand Releases created at once
 * are a thousand times each GET, so every read the watch or an earlier look could answer is one too many.
 */
const clients = kube();
const log = createLogger({ test: 'deployment-reads' }, { level: 'error' });
/** The Deployment GETs and HPA lists the activities sent so far. */
const sent = { reads: 0, hpaLists: 0 };
/** `api`, each call of its `method` told to `count` first. */
function counting<T extends object>(api: T, method: string, count: (args: unknown[]) => void): T {
  return new Proxy(api, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (key !== method || typeof value !== 'function') return value;
      return (...args: unknown[]) => (count(args), (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
}
// The activities' client, the real API server behind it, with its Deployment GETs and HPA lists counted.
const counted = {
  ...clients,
  apps: counting(clients.apps, 'readNamespacedDeployment', () => (sent.reads += 1)),
  custom: counting(clients.custom, 'listNamespacedCustomObject', ([request]) => {
    if ((request as { plural?: string }).plural === 'horizontalpodautoscalers') sent.hpaLists += 1;
  }),
};
const revisions = createRevisionActivities(clients);
let namespace: string;
let deployments: DeploymentCache;
let activities: ReturnType<typeof createDeploymentActivities>;

beforeAll(async () => {
  await installCrd(clients.config);
  namespace = await createNamespace(clients, 'deployment-reads');
  deployments = await watchDeployments(clients, { label: releaseLabel, log, namespaces: [namespace] });
  activities = createDeploymentActivities(counted, { pollMs: 100, deployments });
});
afterAll(async () => {
  await deployments.stop();
  await deleteNamespace(clients, namespace);
});

const run = <T>(fn: () => Promise<T>): Promise<T> => new MockActivityEnvironment().run(fn) as Promise<T>;

function template(name: string, image: string): DeploymentTemplate {
  return {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
  };
}

const release = (name: string): Promise<ReleaseRef> => createSampleRelease(clients, namespace, name);

/** The requests of one kind that `step` sent. */
async function sentDuring(kind: keyof typeof sent, step: () => Promise<unknown>): Promise<number> {
  const before = sent[kind];
  await step();
  return sent[kind] - before;
}

describe('the Deployment reads of a rollout', () => {
  it('a new Release’s admission check and first apply read its missing Deployment once each', async () => {
    const ref = await release('fresh');
    const first = template('fresh', 'example/fresh:v1');
    const revision = await revisions.snapshotRevision({ ref, template: first });

    expect(await sentDuring('reads', () => run(() => activities.dryRunTemplate({ ref, template: first })))).toBe(1);
    // The ownership check's answer (nothing there) is the count the apply holds: one read, not two.
    expect(await sentDuring('reads', () => run(() => activities.applyRevision({ ref, revision, replicas: 2 })))).toBe(
      1,
    );
    const live = await clients.apps.readNamespacedDeployment({ namespace, name: deploymentName(ref.name) });
    expect(live.spec?.replicas).toBe(2);
    expect(live.spec?.template.spec?.containers[0]?.image).toBe('example/fresh:v1');
  });

  it('once the watch holds the Deployment, checking, applying and awaiting a new revision read nothing', async () => {
    const ref = await release('held');
    const v1 = await revisions.snapshotRevision({ ref, template: template('held', 'example/held:v1') });
    await run(() => activities.applyRevision({ ref, revision: v1, replicas: 2 }));
    await waitFor(
      'the watch to hold the Deployment',
      async () => deployments.get(namespace, deploymentName(ref.name)) != null,
    );

    const next = template('held', 'example/held:v2');
    const v2 = await revisions.snapshotRevision({ ref, template: next });
    const updated = await sentDuring('reads', async () => {
      expect(await run(() => activities.dryRunTemplate({ ref, template: next }))).toEqual([]);
      await run(() => activities.applyRevision({ ref, revision: v2, replicas: 3 }));
      const result = await run(() => activities.awaitRollout({ ref, revision: v2.revision, deadlineMs: 60_000 }));
      expect(result).toMatchObject({ complete: true, progress: { desired: 3, updated: 3 } });
    });
    expect(updated).toBe(0);
  });

  it('hands the count to the replicas manager without asking about HPAs, and asks only when the count changes', async () => {
    const ref = await release('counted');
    const image = (tag: string) => template('counted', `example/counted:${tag}`);
    const v1 = await revisions.snapshotRevision({ ref, template: image('v1') });
    // Created with its count, under rollguard's own manager.
    await run(() => activities.applyRevision({ ref, revision: v1, replicas: 2 }));
    const name = deploymentName(ref.name);
    await waitFor('the watch to hold the Deployment', async () => deployments.get(namespace, name) != null);

    // The first new image: the count, as it is, moves to the replicas manager; no HPA could object.
    const v2 = await revisions.snapshotRevision({ ref, template: image('v2') });
    expect(
      await sentDuring('hpaLists', () => run(() => activities.applyRevision({ ref, revision: v2, replicas: 2 }))),
    ).toBe(0);
    const live = await clients.apps.readNamespacedDeployment({ namespace, name });
    expect(live.spec?.replicas).toBe(2);
    const owners = (live.metadata?.managedFields ?? []).filter(
      (entry) => (entry.fieldsV1 as { 'f:spec'?: Record<string, unknown> })?.['f:spec']?.['f:replicas'] !== undefined,
    );
    expect(owners.map((entry) => entry.manager)).toEqual([replicasManager]);

    // A new count is the HPA's to keep, if one scales the Deployment: asked once.
    const v3 = await revisions.snapshotRevision({ ref, template: image('v3') });
    expect(
      await sentDuring('hpaLists', () => run(() => activities.applyRevision({ ref, revision: v3, replicas: 4 }))),
    ).toBe(1);
    expect((await clients.apps.readNamespacedDeployment({ namespace, name })).spec?.replicas).toBe(4);
  });
});
