import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeploymentActivities, type RolloutResult } from '../../src/activities/cluster/deployment.ts';
import { deploymentName } from '../../src/domain/release/names.ts';
import { revisionAnnotation, type ReleaseRef } from '../../src/domain/release/ref.ts';
import { createNamespace, deleteNamespace, kube } from '../support/stack.ts';
import type { DeploymentCache } from '../../src/kube/deployment-cache.ts';

const clients = kube();
let namespace: string;

beforeAll(async () => {
  namespace = await createNamespace(clients, 'rollout-deadline');
});
afterAll(async () => deleteNamespace(clients, namespace));

/** The Deployment rollguard would own for a Release, at revision 1; "-broken" images never become Ready. */
async function deploymentOf(release: string, image: string): Promise<ReleaseRef> {
  await clients.apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: deploymentName(release), annotations: { [revisionAnnotation]: '1' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: release } },
        template: { metadata: { labels: { app: release } }, spec: { containers: [{ name: 'app', image }] } },
      },
    },
  });
  return { namespace, name: release, uid: 'not-read' };
}

describe("the readiness deadline counts rollguard's watching, not rollguard's delays", () => {
  const { awaitRollout } = createDeploymentActivities(clients, { pollMs: 100 });

  it('a retry carries on from the time its earlier attempts watched', async () => {
    const ref = await deploymentOf('stalled', 'example/app:v1-broken');
    const env = new MockActivityEnvironment({ heartbeatDetails: { watchedMs: 9_500 } });
    const beats: { watchedMs: number }[] = [];
    env.on('heartbeat', (d: { watchedMs: number }) => beats.push(d));
    const started = Date.now();
    const result = (await env.run(() => awaitRollout({ ref, revision: 1, deadlineMs: 10_000 }))) as RolloutResult;
    expect(result.complete).toBe(false);
    // 0.5 s of the 10 s deadline was left; a fresh 10 s would have taken 20 times as long.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(beats.at(-1)!.watchedMs).toBeGreaterThanOrEqual(10_000);
  });

  it('still honours the fixed deadline that workflows started before this change send', async () => {
    const ref = await deploymentOf('old-workflow', 'example/app:v1-broken');
    const result = (await new MockActivityEnvironment().run(() =>
      awaitRollout({ ref, revision: 1, deadline: Date.now() - 1 }),
    )) as RolloutResult;
    expect(result.complete).toBe(false);
  });
});

describe('a wait about to fail on the watch’s copy asks the API server first', () => {
  it('a rollout the watch still shows short of Ready, but Ready on the API server, is complete at its deadline', async () => {
    const ref = await deploymentOf('watch-behind', 'example/app:v1');
    // Ready on the API server (kwok runs the pods).
    const readyNow = async () => {
      const d = await clients.apps.readNamespacedDeployment({ namespace, name: deploymentName(ref.name) });
      return (d.status?.readyReplicas ?? 0) === 1 && (d.status?.updatedReplicas ?? 0) === 1;
    };
    for (const until = Date.now() + 30_000; !(await readyNow());) {
      if (Date.now() > until) throw new Error('the Deployment did not become Ready in 30 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // A watch that stalled before the pods came up: current and heard from, its copy without a Ready pod.
    const live = await clients.apps.readNamespacedDeployment({ namespace, name: deploymentName(ref.name) });
    const behind = { ...live, status: { ...live.status, readyReplicas: 0, availableReplicas: 0, updatedReplicas: 0 } };
    const stalled: DeploymentCache = {
      get: () => behind,
      heardWithin: () => true,
      changed: (_namespace, _name, ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      stop: async () => undefined,
    };
    const { awaitRollout, watchReadiness } = createDeploymentActivities(clients, { pollMs: 100, deployments: stalled });
    const result = (await new MockActivityEnvironment().run(() =>
      awaitRollout({ ref, revision: 1, deadlineMs: 1_000 }),
    )) as RolloutResult;
    expect(result.complete, result.reason).toBe(true);
    expect(result.progress.ready).toBe(1);
    // The same in the analysis window: a shortfall only the watch's copy shows is no failure.
    const watched = (await new MockActivityEnvironment().run(() =>
      watchReadiness({
        ref,
        revision: 1,
        matchLabels: { app: ref.name },
        until: Date.now() + 1_500,
        toleranceMs: 300,
        weight: 1,
      }),
    )) as { outcome: string; reason: string };
    expect(watched.outcome, watched.reason).toBe('Pass');
  });
});
