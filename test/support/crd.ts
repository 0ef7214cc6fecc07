import type { KubeConfig } from '@kubernetes/client-node';
import { type ReleaseInput, releaseResource } from '../../src/domain/api/index.ts';
import type { ReleaseRef } from '../../src/domain/release/ref.ts';
import type { KubeClients } from '../../src/kube/client.ts';
import { installReleaseCrd } from '../../dev/demo/crd-install.ts';

/** The committed deploy/crd/release.yaml (what a user installs, not a fresh rendering), applied as the demo does. */
export const installCrd = (kubeConfig: KubeConfig, { timeoutMs = 30_000 } = {}): Promise<void> =>
  installReleaseCrd(kubeConfig, { fieldManager: 'rollguard-tests', timeoutMs });

/** A small valid Release, as a user would write it, for tests to start from and break. */
export function sampleRelease(name = 'web'): ReleaseInput & { metadata: { name: string } } {
  return {
    apiVersion: 'rollguard.dev/v1alpha1',
    kind: 'Release',
    metadata: { name },
    spec: {
      template: {
        replicas: 3,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name, tier: 'web' } },
          spec: {
            containers: [{ name: 'app', image: `example/${name}:v1`, ports: [{ name: 'http', containerPort: 8080 }] }],
          },
        },
      },
      healthChecks: {
        http: [{ name: 'healthz', port: 'http', path: '/healthz' }],
        prometheus: [
          { name: 'error-rate', query: `sum(rate(http_requests_total{app="${name}",code=~"5.."}[1m]))`, max: 0.05 },
        ],
      },
    },
  };
}

/**
 * Creates a sample Release with no controller serving it: its uid is what owns the objects that
 * activities, called directly, create for it.
 */
export async function createSampleRelease(kube: KubeClients, namespace: string, name: string): Promise<ReleaseRef> {
  const created = (await kube.custom.createNamespacedCustomObject({
    group: releaseResource.group,
    version: releaseResource.version,
    plural: releaseResource.plural,
    namespace,
    body: sampleRelease(name),
  })) as { metadata: { uid: string } };
  return { namespace, name, uid: created.metadata.uid };
}
