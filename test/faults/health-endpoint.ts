import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthEndpoint {
  url: string;
  /** How many probes it has answered. */
  requests(): number;
  close(): Promise<void>;
}

/** A /healthz on 127.0.0.1 that always answers 200, for a Release's HTTP check to probe. */
export async function healthEndpoint(): Promise<HealthEndpoint> {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
