import { V1MicroTime } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaseName } from '../../src/controller/lease.ts';
import { controllerHarness, type ControllerHarness } from '../support/controller.ts';
import { waitFor } from '../support/stack.ts';
import { specGenerations } from '../support/temporal.ts';

let h: ControllerHarness;

beforeAll(async () => {
  h = await controllerHarness('lease');
});
afterAll(() => h?.cleanup());

const lease = () => h.admin.coordination.readNamespacedLease({ name: leaseName, namespace: h.namespace });
const actors = (msg: string) => h.logs.filter((line) => line.msg === msg).map((line) => line.identity);

describe('one active controller at a time', () => {
  it('of two controllers only the lease holder acts; when it stops, the other takes over', async () => {
    const a = await h.startController({ identity: 'controller-a' });
    const b = await h.startController({ identity: 'controller-b' });
    const leader = await h.untilLeader(a, b);
    const standby = leader === a ? b : a;
    expect((await lease()).spec?.holderIdentity).toBe(leader.identity);

    const release = await h.create('shared');
    const workflowId = h.workflowId(release);
    await waitFor('generation 1', async () => (await specGenerations(h.client, workflowId)).includes(1));
    expect(standby.isLeader()).toBe(false);
    expect(actors('finalizer added')).toEqual([leader.identity]);
    expect(actors('spec sent')).toEqual([leader.identity]);

    await leader.stop();
    await h.untilLeader(standby);
    expect((await lease()).spec).toMatchObject({ holderIdentity: standby.identity, leaseTransitions: 1 });

    await h.patch('shared', {
      spec: { template: { template: { spec: { containers: [{ name: 'app', image: 'example/shared:v2' }] } } } },
    });
    await waitFor('generation 2', async () => (await specGenerations(h.client, workflowId)).includes(2));
    // The new leader sent only what was new: no second generation 1.
    expect(await specGenerations(h.client, workflowId)).toEqual([1, 2]);
    expect(actors('spec sent')).toEqual([leader.identity, standby.identity]);
    await standby.stop();
  });

  it('a lease left by a controller that died is taken over once it expires, not before', async () => {
    const current = await lease();
    const now = new V1MicroTime();
    await h.admin.coordination.replaceNamespacedLease({
      name: leaseName,
      namespace: h.namespace,
      body: {
        ...current,
        spec: {
          ...current.spec,
          holderIdentity: 'crashed-controller',
          leaseDurationSeconds: 3,
          renewTime: now,
          acquireTime: now,
        },
      },
    });
    const started = Date.now();
    const survivor = await h.startController({ identity: 'controller-c' });
    await h.untilLeader(survivor);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect((await lease()).spec?.holderIdentity).toBe('controller-c');
  });
});
