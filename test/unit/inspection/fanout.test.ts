import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { createInspectionActivities } from '../../../src/activities/inspection/inspect.ts';
import { defaultInspectionSettings } from '../../../src/domain/inspection/settings.ts';
import type { KubeClients } from '../../../src/kube/client.ts';

const apiError = (code: number) => new ApiException(code, `HTTP ${code}`, '{}', {});
const tick = () => new Promise((resolve) => setTimeout(resolve, 2));

/**
 * A cluster of Releases with no Deployment yet (a fake: what is asserted is the fan-out, not what an
 * inspection finds). `fail` decides, per Release name and attempt, what reading it throws.
 */
function fakeCluster(fail: (name: string, attempt: number) => Error | undefined = () => undefined) {
  const attempts = new Map<string, number>();
  let inFlight = 0;
  let mostInFlight = 0;
  const kube = {
    releases: {
      async get({ namespace, name }: { namespace: string; name: string }) {
        const attempt = (attempts.get(name) ?? 0) + 1;
        attempts.set(name, attempt);
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        await tick();
        inFlight -= 1;
        const error = fail(name, attempt);
        if (error) throw error;
        return { metadata: { namespace, name, uid: `uid-${name}` } };
      },
    },
    apps: {
      readNamespacedDeployment: async () => Promise.reject(apiError(404)),
      listNamespacedControllerRevision: async () => ({ items: [] }),
    },
    core: { listNamespacedPod: async () => ({ items: [] }) },
  } as unknown as KubeClients;
  return { kube, attempts, mostInFlight: () => mostInFlight };
}

const targets = (n: number) => Array.from({ length: n }, (_, i) => ({ namespace: 'shop', name: `svc-${i}` }));
const settings = { ...defaultInspectionSettings, backoffMs: 1 };

describe('the inspection fan-out', () => {
  it('inspects 200 Releases 20 at once, never more', async () => {
    const cluster = fakeCluster();
    const { inspectReleases } = createInspectionActivities({ kube: cluster.kube, measureOnce: async () => [] });
    const reports = await inspectReleases({ targets: targets(200), settings });
    expect(reports).toHaveLength(200);
    expect(cluster.mostInFlight()).toBe(20);
    expect(reports.every((r) => r.attempts === 1)).toBe(true);
  });

  it('tries a Release that fails on a transient error 2 more times, then reports it as Error', async () => {
    const cluster = fakeCluster((name, attempt) =>
      name === 'svc-1' && attempt < 3 ? apiError(503) : name === 'svc-2' ? apiError(500) : undefined,
    );
    const { inspectReleases } = createInspectionActivities({ kube: cluster.kube, measureOnce: async () => [] });
    const reports = await inspectReleases({ targets: targets(3), settings });
    const byName = Object.fromEntries(reports.map((r) => [r.name, r]));
    expect(byName['svc-1']).toMatchObject({ status: 'Healthy', attempts: 3 });
    expect(byName['svc-2']).toMatchObject({ status: 'Error', attempts: 3 });
    expect(byName['svc-2']?.findings[0]).toMatchObject({
      kind: 'InspectionError',
      evidence: { value: 3, threshold: '3 attempts' },
    });
    expect(byName['svc-2']?.findings[0]?.message).toContain('after 3 attempts');
  });

  it('does not retry what retrying cannot fix (403), and leaves out a Release deleted meanwhile (404)', async () => {
    const cluster = fakeCluster((name) =>
      name === 'svc-0' ? apiError(403) : name === 'svc-1' ? apiError(404) : undefined,
    );
    const { inspectReleases } = createInspectionActivities({ kube: cluster.kube, measureOnce: async () => [] });
    const reports = await inspectReleases({ targets: targets(3), settings: { ...settings, retries: 5 } });
    expect(reports.map((r) => [r.name, r.status, r.attempts])).toEqual([
      ['svc-0', 'Error', 1],
      ['svc-2', 'Healthy', 1],
    ]);
    expect(cluster.attempts.get('svc-1')).toBe(1);
  });

  it('takes its bounds from the settings: 5 at once, no retries', async () => {
    const cluster = fakeCluster((name) => (name === 'svc-3' ? apiError(503) : undefined));
    const { inspectReleases } = createInspectionActivities({ kube: cluster.kube, measureOnce: async () => [] });
    const reports = await inspectReleases({
      targets: targets(30),
      settings: { ...settings, concurrency: 5, retries: 0 },
    });
    expect(cluster.mostInFlight()).toBe(5);
    expect(reports.find((r) => r.name === 'svc-3')).toMatchObject({ status: 'Error', attempts: 1 });
  });
});
