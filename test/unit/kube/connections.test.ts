import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCredentialFilesOnce, reuseConnections } from '../../../src/kube/connections.ts';

function config(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return kc;
}

/** The dispatcher (undici Agent, with its pool of connections) one request would go through. */
async function dispatcherOf(kc: KubeConfig): Promise<unknown> {
  const request = new RequestContext(`${kc.getCurrentCluster()!.server}/api`, HttpMethod.GET);
  await kc.applySecurityAuthentication(request);
  return request.getDispatcher();
}

describe('connections to the API server', () => {
  it('are opened anew for every request by client-node on its own', async () => {
    const kc = config('https://127.0.0.1:6443');
    expect(await dispatcherOf(kc)).not.toBe(await dispatcherOf(kc));
  });

  it('are shared by every request with the same TLS settings once rollguard reuses them', async () => {
    const kc = reuseConnections(config('https://127.0.0.1:6443'));
    const first = await dispatcherOf(kc);
    expect(first).toBeDefined();
    expect(await dispatcherOf(kc)).toBe(first);
    // Applied twice, still one pool.
    expect(await dispatcherOf(reuseConnections(kc))).toBe(first);
  });

  it('are not shared across clusters or TLS settings', async () => {
    const kc = reuseConnections(config('https://127.0.0.1:6443'));
    const before = await dispatcherOf(kc);
    kc.clusters[0] = { ...kc.clusters[0]!, skipTLSVerify: false, caData: Buffer.from('other CA').toString('base64') };
    expect(await dispatcherOf(kc)).not.toBe(before);
  });
});

describe("the kubeconfig's certificate files", () => {
  const withFiles = async (test: (dir: string) => Promise<void>): Promise<void> => {
    const dir = await mkdtemp(join(tmpdir(), 'rollguard-kubeconfig-'));
    try {
      await test(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  const fileConfig = (dir: string): KubeConfig => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: false, caFile: join(dir, 'ca.crt') }],
      users: [{ name: 'u', certFile: join(dir, 'client.crt'), keyFile: join(dir, 'missing.key') }],
      contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
      currentContext: 'ctx',
    });
    return kc;
  };
  const base64 = (text: string): string => Buffer.from(text).toString('base64');

  it('are read once, not on every request, and again when they change', async () => {
    await withFiles(async (dir) => {
      await writeFile(join(dir, 'ca.crt'), 'first CA');
      await writeFile(join(dir, 'client.crt'), 'client certificate');
      const kc = fileConfig(dir);
      const stop = readCredentialFilesOnce(kc, { refreshMs: 20 });
      try {
        expect(kc.getCurrentCluster()).toMatchObject({ caData: base64('first CA') });
        expect(kc.getCurrentCluster()?.caFile).toBeUndefined();
        expect(kc.getCurrentUser()).toMatchObject({ certData: base64('client certificate') });
        // A file that cannot be read stays a path: client-node's own error, on each request, says which.
        expect(kc.getCurrentUser()).toMatchObject({ keyFile: join(dir, 'missing.key') });
        const until = async (done: () => boolean): Promise<void> => {
          const deadline = Date.now() + 5_000;
          while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
        };
        await writeFile(join(dir, 'ca.crt'), 'rotated CA');
        await until(() => kc.getCurrentCluster()?.caData === base64('rotated CA'));
        expect(kc.getCurrentCluster()).toMatchObject({ caData: base64('rotated CA') });
        // Gone from disk: the last contents read stay in use (a refresh ran, as the certificate shows).
        await rm(join(dir, 'ca.crt'));
        await writeFile(join(dir, 'client.crt'), 'renewed certificate');
        await until(() => kc.getCurrentUser()?.certData === base64('renewed certificate'));
        expect(kc.getCurrentUser()).toMatchObject({ certData: base64('renewed certificate') });
        expect(kc.getCurrentCluster()).toMatchObject({ caData: base64('rotated CA') });
        // The file that could not be read at first is read once it can be.
        await writeFile(join(dir, 'missing.key'), 'client key');
        await until(() => kc.getCurrentUser()?.keyData === base64('client key'));
        expect(kc.getCurrentUser()).toMatchObject({ keyData: base64('client key') });
        expect(kc.getCurrentUser()?.keyFile).toBeUndefined();
      } finally {
        stop();
      }
    });
  });
});
