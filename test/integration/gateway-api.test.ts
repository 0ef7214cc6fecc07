import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayApiVersion } from '../../dev/stack/gateway-api.ts';
import { createNamespace, deleteNamespace, kube } from '../support/stack.ts';

/** The stack installs the Gateway API CRDs, so canary weights are checked by the real API server. */
const clients = kube();
let ns = '';
beforeAll(async () => {
  ns = await createNamespace(clients, 'gateway-api');
});
afterAll(() => deleteNamespace(clients, ns));

const route = (weights: [number, number]) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'web' },
  spec: {
    rules: [
      {
        backendRefs: [
          { name: 'web-stable', port: 80, weight: weights[0] },
          { name: 'web-canary', port: 80, weight: weights[1] },
        ],
      },
    ],
  },
});
const create = (body: object) =>
  clients.custom.createNamespacedCustomObject({
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    namespace: ns,
    plural: 'httproutes',
    body,
  });

describe('the Gateway API on the local stack', () => {
  it('serves HTTPRoutes (the pinned standard channel), and the API server judges their weights', async () => {
    const created = (await create(route([80, 20]))) as ReturnType<typeof route>;
    expect(created.spec.rules[0]?.backendRefs.map((b) => b.weight)).toEqual([80, 20]);
    const crd = (await clients.objects.read({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'httproutes.gateway.networking.k8s.io' },
    })) as { metadata?: { annotations?: Record<string, string> } };
    expect(crd.metadata?.annotations?.['gateway.networking.k8s.io/bundle-version']).toBe(gatewayApiVersion);
    await expect(create({ ...route([-1, 101]), metadata: { name: 'bad' } })).rejects.toThrow(/weight/);
  });
});
