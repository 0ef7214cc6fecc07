import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { kubectl } from './cluster.ts';

/**
 * The Gateway API CRDs (standard channel) on the kwok cluster, so that a canary's HTTPRoute weights
 * are checked on real objects by the real API server. They come from the `sigs.k8s.io/gateway-api`
 * Go module at a pinned version (the module carries them under config/crd/standard), downloaded
 * through the Go module proxy and verified against the checksum database like any module.
 */
export const gatewayApiVersion = 'v1.6.3';
const module = 'sigs.k8s.io/gateway-api';
const bundleVersion = 'gateway.networking.k8s.io/bundle-version';

/** Where the module is, downloaded when the Go module cache does not hold it yet. */
async function moduleDir(): Promise<string> {
  const { stdout } = await promisify(execFile)('go', ['mod', 'download', '-json', `${module}@${gatewayApiVersion}`], {
    env: { ...process.env, GOFLAGS: '-mod=mod' },
    maxBuffer: 1 << 20,
  });
  const { Dir, Error: error } = JSON.parse(stdout) as { Dir?: string; Error?: string };
  if (!Dir) throw new Error(`go mod download ${module}@${gatewayApiVersion}: ${error ?? 'no directory'}`);
  return Dir;
}

/** Installs (or upgrades to) the pinned CRDs; nothing to do when the cluster has them at that version. */
export async function installGatewayApiCrds(log: (line: string) => void = console.error): Promise<void> {
  const installed = await kubectl([
    'get',
    'crd',
    'httproutes.gateway.networking.k8s.io',
    '--ignore-not-found',
    '-o',
    `jsonpath={.metadata.annotations.${bundleVersion.replaceAll('.', '\\.')}}`,
  ]);
  if (installed.trim() === gatewayApiVersion) return;
  log(`installing the Gateway API CRDs ${gatewayApiVersion} (standard channel, from the ${module} Go module)`);
  const dir = join(await moduleDir(), 'config', 'crd', 'standard');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const manifests = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
  await kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], manifests.join('\n---\n'));
  // The directory also holds a ValidatingAdmissionPolicy: wait for the CRDs by the names they declare.
  const crds = manifests
    .flatMap((text) =>
      parseAllDocuments(text).map((doc) => doc.toJS() as { kind?: string; metadata?: { name?: string } }),
    )
    .filter((doc) => doc?.kind === 'CustomResourceDefinition' && doc.metadata?.name)
    .map((doc) => `crd/${doc.metadata!.name!}`);
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...crds]);
}
