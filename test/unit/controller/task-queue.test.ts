import type { CoreV1Api } from '@kubernetes/client-node';
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { clusterTaskQueue } from '../../../src/domain/release/ref.ts';
import { resolveTaskQueue } from '../../../src/temporal/task-queue.ts';

/** A cluster whose kube-system Namespace has this uid, or whose API server refuses to show it. */
const cluster = (uid: string | Error) => {
  let reads = 0;
  const core = {
    readNamespace: async ({ name }: { name: string }) => {
      reads += 1;
      if (uid instanceof Error) throw uid;
      return { metadata: { name, uid } };
    },
  } as unknown as CoreV1Api;
  return { core, reads: () => reads };
};

describe("each cluster's own task queue", () => {
  it('is rollguard- and the first 8 hex digits of the kube-system uid', () => {
    expect(clusterTaskQueue('3F1C2A9E-77b0-4c1e-9d55-0a1b2c3d4e5f')).toBe('rollguard-3f1c2a9e');
  });

  it('is read from the cluster when none is named', async () => {
    const c = cluster('0badc0de-1111-2222-3333-444455556666');
    expect(await resolveTaskQueue(c.core, { env: {} })).toEqual({ taskQueue: 'rollguard-0badc0de', from: 'cluster' });
    expect(c.reads()).toBe(1);
  });

  it('--task-queue wins, then ROLLGUARD_TASK_QUEUE; neither reads the cluster', async () => {
    const c = cluster(new Error('not asked'));
    const env = { ROLLGUARD_TASK_QUEUE: ' shared ' };
    expect(await resolveTaskQueue(c.core, { flag: 'mine', env })).toEqual({ taskQueue: 'mine', from: 'flag' });
    expect(await resolveTaskQueue(c.core, { env })).toEqual({ taskQueue: 'shared', from: 'ROLLGUARD_TASK_QUEUE' });
    expect(c.reads()).toBe(0);
  });

  it('a kube-system rollguard may not read is a clear error saying how to go on', async () => {
    const forbidden = new ApiException(
      403,
      'Forbidden',
      JSON.stringify({ reason: 'Forbidden', message: 'namespaces "kube-system" is forbidden' }),
      {},
    );
    await expect(resolveTaskQueue(cluster(forbidden).core, { env: {} })).rejects.toThrow(
      /cannot read the kube-system Namespace, whose uid names this cluster's task queue \(403 .*\); allow rollguard to get it \(deploy\/rbac does\), or name the task queue with --task-queue or ROLLGUARD_TASK_QUEUE/,
    );
  });
});
