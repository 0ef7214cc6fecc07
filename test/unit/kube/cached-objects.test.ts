import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { lastAppliedAnnotation, trimForCache, trimManagedFields } from '../../../src/kube/cached-objects.ts';
import { keepState, type DeploymentState } from '../../../src/kube/deployment-cache.ts';

const applied = {
  'f:metadata': { 'f:labels': { 'f:app': {} } },
  'f:spec': {
    'f:replicas': {},
    'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {} } } } },
  },
};

const deployment = (): V1Deployment => ({
  metadata: {
    name: 'web',
    namespace: 'shop',
    managedFields: [
      {
        manager: 'rollguard',
        operation: 'Apply',
        time: new Date('2026-11-27T04:00:00Z'),
        fieldsType: 'FieldsV1',
        fieldsV1: structuredClone(applied),
      },
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        subresource: 'status',
        fieldsV1: { 'f:status': { 'f:replicas': {} } },
      },
      { manager: 'kubectl', operation: 'Update' },
    ],
  },
});

describe('trimming managedFields for a watch cache', () => {
  it('keeps who wrote each entry and its fields two levels deep', () => {
    const object = deployment();
    trimManagedFields(object);
    const [ours, status, bare] = object.metadata!.managedFields!;
    expect(ours).toEqual({
      manager: 'rollguard',
      operation: 'Apply',
      time: new Date('2026-11-27T04:00:00Z'),
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': {} }, 'f:spec': { 'f:replicas': {}, 'f:template': {} } },
    });
    expect(status).toEqual({
      manager: 'kube-controller-manager',
      operation: 'Update',
      subresource: 'status',
      fieldsV1: { 'f:status': { 'f:replicas': {} } },
    });
    expect(bare).toEqual({ manager: 'kubectl', operation: 'Update' });
  });

  it('makes a Deployment with a large template small', () => {
    const object = deployment();
    const containers = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [
        `k:{"name":"c${i}"}`,
        { 'f:image': {}, 'f:env': { 'k:{"name":"A"}': {} } },
      ]),
    );
    object.metadata!.managedFields![0]!.fieldsV1 = {
      'f:spec': { 'f:template': { 'f:spec': { 'f:containers': containers } } },
    };
    const before = JSON.stringify(object).length;
    trimManagedFields(object);
    expect(JSON.stringify(object).length).toBeLessThan(before / 3);
  });

  it('leaves an object without managedFields as it is', () => {
    const object = { metadata: { name: 'web' } };
    trimManagedFields(object);
    expect(object).toEqual({ metadata: { name: 'web' } });
  });
});

describe('what a watch cache keeps of an object', () => {
  it('drops kubectl’s last applied configuration and keeps every other annotation', () => {
    const object = deployment();
    object.metadata!.annotations = { [lastAppliedAnnotation]: JSON.stringify(object), team: 'shop' };
    trimForCache(object);
    expect(object.metadata!.annotations).toEqual({ team: 'shop' });
    expect(object.metadata!.managedFields![0]!.fieldsV1).toEqual({
      'f:metadata': { 'f:labels': {} },
      'f:spec': { 'f:replicas': {}, 'f:template': {} },
    });
  });

  it('keeps of a Deployment its metadata, its replica count and its status, not its pod template', () => {
    const object: V1Deployment = {
      ...deployment(),
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:2' }] } },
      },
      status: { replicas: 3, readyReplicas: 2, observedGeneration: 4 },
    };
    keepState(object);
    expect(object.spec).toEqual({ replicas: 3 });
    expect(object.status).toEqual({ replicas: 3, readyReplicas: 2, observedGeneration: 4 });
    expect(object.metadata?.name).toBe('web');
  });

  it('keeps no replica count for a Deployment that has none', () => {
    const object: DeploymentState = { metadata: { name: 'web' }, spec: {} };
    keepState(object);
    expect(object.spec).toEqual({});
  });
});
