import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback health endpoint (GET anything: 200 or 500) that a test turns bad when it wants an analysis to fail. */
export class HealthEndpoint {
  healthy = true;
  url = '';
  private readonly server = createServer((_req, res) => {
    res.statusCode = this.healthy ? 200 : 500;
    res.end(this.healthy ? 'ok' : 'failing');
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/healthz`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
