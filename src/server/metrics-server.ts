import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registry } from '../telemetry/metrics.ts';

export interface Health {
  /** True while every part this process runs is working. */
  healthy(): boolean;
  /** What /healthz shows: each part and its state. */
  report(): Record<string, string>;
}

export interface MetricsServer {
  /** The base URL it listens on, e.g. http://127.0.0.1:9464. */
  url: string;
  close(): Promise<void>;
}

/**
 * The Temporal worker's metrics as core serves them, or a comment saying why there are none this time
 * (rollguard's own are served either way).
 */
async function temporalMetrics(url: string | undefined): Promise<string> {
  if (!url) return '';
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return await res.text();
  } catch (err) {
    return `# the Temporal worker's metrics could not be read from ${url}: ${(err as Error).message}\n`;
  }
}

/**
 * /metrics (rollguard's Prometheus registry, then the Temporal worker's metrics from
 * `temporalMetricsUrl`) and /healthz (200 when healthy, 503 otherwise).
 */
export async function startMetricsServer({
  host,
  port,
  health,
  temporalMetricsUrl,
}: {
  host: string;
  port: number;
  health: Health;
  temporalMetricsUrl?: string | undefined;
}): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      Promise.all([registry.metrics(), temporalMetrics(temporalMetricsUrl)]).then(
        ([own, temporal]) => res.writeHead(200, { 'content-type': registry.contentType }).end(own + temporal),
        (err: unknown) =>
          res
            .writeHead(500, { 'content-type': 'text/plain' })
            .end(`cannot collect metrics: ${(err as Error).message}\n`),
      );
    } else if (path === '/healthz') {
      const ok = health.healthy();
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(`${JSON.stringify({ ok, ...health.report() })}\n`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('rollguard serves /metrics and /healthz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // a scraper's keep-alive connection must not hold up shutdown
      }),
  };
}
