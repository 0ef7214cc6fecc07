import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { controllerView } from '../../../src/controller/foreign-status.ts';
import { statusManager } from '../../../src/domain/release/ref.ts';

const release = (
  changes: { metadata?: Partial<NonNullable<KubernetesObject['metadata']>>; status?: object } = {},
): KubernetesObject => ({
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 'u1',
    generation: 2,
    resourceVersion: '100',
    finalizers: ['rollguard.dev/cleanup'],
    annotations: { team: 'a' },
    managedFields: [
      { manager: 'kubectl', operation: 'Apply', time: new Date('2026-11-27T10:00:00Z') },
      { manager: statusManager, operation: 'Apply', subresource: 'status', time: new Date('2026-11-27T10:00:05Z') },
    ],
    ...changes.metadata,
  },
  ...({ status: changes.status ?? { phase: 'Progressing' } } as object),
});

describe('what of a Release the controller acts on', () => {
  it('does not change with the status rollguard writes itself', () => {
    const later = release({
      metadata: {
        resourceVersion: '101',
        managedFields: [
          { manager: 'kubectl', operation: 'Apply', time: new Date('2026-11-27T10:00:00Z') },
          { manager: statusManager, operation: 'Apply', subresource: 'status', time: new Date('2026-11-27T10:01:00Z') },
        ],
      },
      status: { phase: 'Ready', observedRollbackRequest: 'r1' },
    });
    expect(controllerView(later)).toBe(controllerView(release()));
  });

  it.each([
    ['a new generation (the spec)', { metadata: { generation: 3 } }],
    ['a deletion', { metadata: { deletionTimestamp: new Date('2026-11-27T11:00:00Z') } }],
    ['a finalizer removed', { metadata: { finalizers: [] } }],
    ['an annotation (a rollback request)', { metadata: { annotations: { team: 'a', 'rollguard.dev/rollback': 'x' } } }],
    [
      'a status written by someone else',
      {
        metadata: {
          managedFields: [
            {
              manager: statusManager,
              operation: 'Apply',
              subresource: 'status',
              time: new Date('2026-11-27T10:00:05Z'),
            },
            {
              manager: 'kubectl-edit',
              operation: 'Update',
              subresource: 'status',
              time: new Date('2026-11-27T10:02:00Z'),
            },
          ],
        },
      },
    ],
  ])('changes with %s', (_what, changes) => {
    expect(controllerView(release(changes))).not.toBe(controllerView(release()));
  });
});
