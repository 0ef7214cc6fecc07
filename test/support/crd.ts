import { readFile } from 'node:fs/promises';
import { ApiextensionsV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import type { ReleaseInput } from '../../src/api/index.ts';
import { releaseCrdFile } from '../../src/api/crd.ts';
import { waitFor } from '../../src/stack/process.ts';

/**
 * Server-side-applies the committed deploy/crd/release.yaml (what a user installs, not a fresh
 * rendering) and waits until the API server serves Releases.
 */
export async function installCrd(kubeConfig: KubeConfig, { timeoutMs = 30_000 } = {}): Promise<void> {
  const crd = parse(await readFile(releaseCrdFile, 'utf8')) as { metadata: { name: string } };
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const name = crd.metadata.name;
  await api.patchCustomResourceDefinition(
    { name, body: crd, fieldManager: 'rollguard-tests', force: true },
    setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
  );
  await waitFor(
    `the ${name} CRD to be Established`,
    async () => {
      const { status } = await api.readCustomResourceDefinition({ name });
      return status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
    },
    { timeoutMs },
  );
}

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
          spec: { containers: [{ name: 'app', image: `example/${name}:v1`, ports: [{ name: 'http', containerPort: 8080 }] }] },
        },
      },
      healthChecks: {
        http: [{ name: 'healthz', port: 'http', path: '/healthz' }],
        prometheus: [{ name: 'error-rate', query: `sum(rate(http_requests_total{app="${name}",code=~"5.."}[1m]))`, max: 0.05 }],
      },
    },
  };
}
