import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { reuseConnections } from '../../../src/kube/connections.ts';

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
