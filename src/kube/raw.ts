import type { KubeConfig } from '@kubernetes/client-node';
import http from 'node:http';
import https from 'node:https';

/**
 * A GET of a path the generated clients have no call for (`/readyz?verbose`), with the kubeconfig's
 * credentials, as `kubectl get --raw` does. Never throws for an HTTP status: the caller reads it.
 */
export async function getRaw(
  config: KubeConfig,
  path: string,
  { timeoutMs = 5_000 }: { timeoutMs?: number } = {},
): Promise<{ status: number; body: string }> {
  const server = config.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig names no cluster');
  const url = new URL(path, server);
  const options: https.RequestOptions = { method: 'GET', headers: {}, timeout: timeoutMs };
  await config.applyToHTTPSOptions(options);
  const transport = url.protocol === 'http:' ? http : https;
  return await new Promise((resolve, reject) => {
    const req = transport.request(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk.length + body.length > 65_536 ? '' : chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.origin} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
