import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStatusActivities } from '../../src/activities/cluster/status.ts';
import type { ReleaseStatus } from '../../src/domain/api/index.ts';
import type { ReleaseRef } from '../../src/domain/release/ref.ts';
import { createLogger } from '../../src/telemetry/log.ts';
import { installCrd, sampleRelease } from '../support/crd.ts';
import { createNamespace, deleteNamespace, kube, waitFor } from '../support/stack.ts';

const clients = kube();
const { writeStatus } = createStatusActivities(clients, createLogger({}, { level: 'error' }));
let namespace: string;

beforeAll(async () => {
  await installCrd(clients.config);
  namespace = await createNamespace(clients, 'release-status');
});
afterAll(async () => deleteNamespace(clients, namespace));

async function createRelease(name: string): Promise<ReleaseRef> {
  const created = (await clients.releases.create(namespace, sampleRelease(name))) as { metadata: { uid: string } };
  return { namespace, name, uid: created.metadata.uid };
}

const statusOf = async (ref: Pick<ReleaseRef, 'namespace' | 'name'>): Promise<ReleaseStatus | undefined> =>
  ((await clients.releases.get(ref)) as { status?: ReleaseStatus }).status;

const progressing: ReleaseStatus = { phase: 'Progressing', observedGeneration: 1, workflowId: 'release-web' };

describe('writing a Release status', () => {
  it('replaces the whole status of the Release it was started for', async () => {
    const ref = await createRelease('web');
    expect(await writeStatus({ ref, status: progressing })).toBe(true);
    expect(await statusOf(ref)).toMatchObject(progressing);

    const ready: ReleaseStatus = { phase: 'Ready', observedGeneration: 1 };
    expect(await writeStatus({ ref, status: ready })).toBe(true);
    const status = await statusOf(ref);
    expect(status?.phase).toBe('Ready');
    expect(status?.workflowId).toBeUndefined();
  });

  it('never writes onto a Release of the same name created again, and says the old one is gone', async () => {
    const old = await createRelease('api');
    await clients.releases.delete(old);
    await waitFor(
      'the deleted Release to be gone',
      () =>
        clients.releases.get(old).then(
          () => false,
          () => true,
        ),
      { timeoutMs: 15_000 },
    );
    const again = await createRelease('api');
    expect(again.uid).not.toBe(old.uid);

    expect(await writeStatus({ ref: old, status: progressing })).toBe(false);
    expect(await statusOf(again)).toBeUndefined();
  });

  it('says a Release that does not exist is gone', async () => {
    expect(await writeStatus({ ref: { namespace, name: 'nobody', uid: 'x' }, status: progressing })).toBe(false);
  });

  it('fails, rather than saying the Release is gone, when the API server refuses the status itself', async () => {
    const ref = await createRelease('worker');
    const bogus = { ...progressing, phase: 'Sideways' } as unknown as ReleaseStatus;
    await expect(writeStatus({ ref, status: bogus })).rejects.toThrow(/Sideways|phase/);
    expect(await statusOf(ref)).toBeUndefined();
  });
});
